"""One authority's configuration: a TOML file read once at start-up.

A bad file fails at start-up with a `ConfigError` naming the key (`sources[2].timeout_s must be a positive
number`), never half-way through a request. Secrets never live in the file: they come from the environment.
"""

from __future__ import annotations

import datetime
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sources.model import Coverage, Service
from sources.settings import ADAPTER_KINDS, SourceSettings

AccessMode = Literal["search_any", "case_linked"]
AuthMode = Literal["development"]


class ConfigError(ValueError):
    """The authority configuration is invalid; the message names the key."""


@dataclass(frozen=True, kw_only=True)
class DevelopmentIdentity:
    """The fixed identity every request runs as when `auth.mode = "development"` (demo and tests only)."""

    user_id: str = "developer"
    name: str = "Developer"
    roles: tuple[str, ...] = ("SOCIAL_WORKER",)
    team: str | None = None


@dataclass(frozen=True, kw_only=True)
class AuthSettings:
    # None means no way to authenticate is configured: every request is refused (denied by default).
    mode: AuthMode | None = None
    development: DevelopmentIdentity = field(default_factory=DevelopmentIdentity)


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Bounds that keep one request from costing the council's systems (or the gateway) too much."""

    max_children: int = 500
    max_query_depth: int = 12
    max_aliases: int = 50
    max_tokens: int = 4000
    max_body_bytes: int = 64 * 1024
    max_service_filter: int = 20


@dataclass(frozen=True, kw_only=True)
class AuthoritySettings:
    name: str
    access_mode: AccessMode
    cms: SourceSettings
    sources: tuple[SourceSettings, ...]
    auth: AuthSettings = field(default_factory=AuthSettings)
    limits: Limits = field(default_factory=Limits)
    display_rules: Mapping[str, Any] = field(default_factory=dict)
    linkage: Mapping[str, Any] = field(default_factory=dict)
    graphiql: bool = True
    # Off only to measure what batching saves (benchmarks): every look-up then makes its own upstream call.
    batching: bool = True

    def source_for(self, service: Service) -> SourceSettings | None:
        return next((s for s in self.sources if s.service is service), None)


def load_authority(path: str | Path) -> AuthoritySettings:
    """Read and validate an authority's TOML file."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file is not valid TOML: {exc}") from exc
    return parse_authority(raw)


def parse_authority(raw: Mapping[str, Any]) -> AuthoritySettings:
    reader = _Reader(raw, "")
    reader.only({"authority", "auth", "limits", "cms", "sources", "display_rules", "linkage", "graphiql", "tuning"})
    authority = reader.table("authority")
    authority.only({"name", "access_mode"})
    access_mode = authority.choice("access_mode", ("search_any", "case_linked"), default="search_any")
    sources = tuple(
        _source(_Reader(item, f"sources[{i}]"), service_required=True)
        for i, item in enumerate(reader.array_of_tables("sources"))
    )
    services = [s.service for s in sources]
    for service in services:
        if services.count(service) > 1:
            raise ConfigError(f"sources: service {service.value if service else None} is configured twice")
    graphiql = reader.optional_table("graphiql")
    graphiql.only({"enabled"})
    tuning = reader.optional_table("tuning")
    tuning.only({"batching"})
    return AuthoritySettings(
        name=authority.string("name"),
        access_mode=access_mode,  # type: ignore[arg-type]
        cms=_source(reader.table("cms"), service_required=False),
        sources=sources,
        auth=_auth(reader.optional_table("auth")),
        limits=_limits(reader.optional_table("limits")),
        display_rules=reader.optional_mapping("display_rules"),
        linkage=reader.optional_mapping("linkage"),
        graphiql=graphiql.boolean("enabled", default=True),
        batching=tuning.boolean("batching", default=True),
    )


def _source(r: _Reader, *, service_required: bool) -> SourceSettings:
    r.only(
        {
            "service",
            "system",
            "kind",
            "organisation",
            "url",
            "path",
            "timeout_s",
            "max_batch_size",
            "max_concurrency",
            "retries",
            "refresh_s",
            "coverage",
        }
    )
    service: Service | None = None
    if service_required:
        name = r.choice("service", tuple(s.value for s in Service))
        service = Service(name)
    kind = r.choice("kind", ADAPTER_KINDS)
    url = r.optional_string("url")
    path = r.optional_string("path")
    if kind.endswith("_rest") and not url:
        raise ConfigError(f"{r.where('url')} is required for a {kind} source")
    if not kind.endswith("_rest") and not path:
        raise ConfigError(f"{r.where('path')} is required for a {kind} source")
    coverage_table = r.optional_table("coverage")
    coverage_table.only({"start", "end", "area", "explanation"})
    coverage = (
        Coverage(
            start=coverage_table.optional_date("start"),
            end=coverage_table.optional_date("end"),
            area=coverage_table.optional_string("area"),
            explanation=coverage_table.optional_string("explanation"),
        )
        if coverage_table.raw
        else None
    )
    return SourceSettings(
        service=service,
        system=r.string("system"),
        kind=kind,  # type: ignore[arg-type]
        organisation=r.optional_string("organisation"),
        url=url,
        path=path,
        timeout_s=r.positive_number("timeout_s", default=2.0),
        max_batch_size=r.positive_int("max_batch_size", default=50),
        max_concurrency=r.positive_int("max_concurrency", default=8),
        retries=r.non_negative_int("retries", default=1),
        refresh_s=r.positive_number("refresh_s", default=300.0),
        coverage=coverage,
    )


def _auth(r: _Reader) -> AuthSettings:
    r.only({"mode", "development"})
    if not r.raw:
        return AuthSettings()
    mode = r.choice("mode", ("development",))
    dev = r.optional_table("development")
    dev.only({"user_id", "name", "roles", "team"})
    roles = dev.string_list("roles", default=["SOCIAL_WORKER"])
    return AuthSettings(
        mode=mode,  # type: ignore[arg-type]
        development=DevelopmentIdentity(
            user_id=dev.optional_string("user_id") or "developer",
            name=dev.optional_string("name") or "Developer",
            roles=tuple(roles),
            team=dev.optional_string("team"),
        ),
    )


def _limits(r: _Reader) -> Limits:
    defaults = Limits()
    names = {
        "max_children",
        "max_query_depth",
        "max_aliases",
        "max_tokens",
        "max_body_bytes",
        "max_service_filter",
    }
    r.only(names)
    return Limits(**{n: r.positive_int(n, default=getattr(defaults, n)) for n in sorted(names)})


class _Reader:
    """Typed access to one TOML table, with errors that name the full key."""

    def __init__(self, raw: object, prefix: str) -> None:
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{prefix or 'config'} must be a table")
        self.raw: Mapping[str, Any] = raw
        self.prefix = prefix

    def where(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def only(self, allowed: set[str]) -> None:
        for key in self.raw:
            if key not in allowed:
                raise ConfigError(f"{self.where(key)} is not a known setting")

    def table(self, key: str) -> _Reader:
        if key not in self.raw:
            raise ConfigError(f"{self.where(key)} is required")
        return _Reader(self.raw[key], self.where(key))

    def optional_table(self, key: str) -> _Reader:
        return _Reader(self.raw.get(key, {}), self.where(key))

    def optional_mapping(self, key: str) -> Mapping[str, Any]:
        return self.optional_table(key).raw

    def array_of_tables(self, key: str) -> list[object]:
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            raise ConfigError(f"{self.where(key)} must be an array of tables ([[{key}]])")
        return value

    def string(self, key: str) -> str:
        value = self.optional_string(key)
        if not value:
            raise ConfigError(f"{self.where(key)} is required and must be a non-empty string")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{self.where(key)} must be a string")
        return value

    def string_list(self, key: str, *, default: list[str]) -> list[str]:
        value = self.raw.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.where(key)} must be a list of strings")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.raw.get(key, default)
        if value not in allowed:
            raise ConfigError(f"{self.where(key)} must be one of: {', '.join(allowed)}")
        return str(value)

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise ConfigError(f"{self.where(key)} must be true or false")
        return value

    def positive_number(self, key: str, *, default: float) -> float:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{self.where(key)} must be a positive number")
        return float(value)

    def positive_int(self, key: str, *, default: int) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{self.where(key)} must be a positive integer")
        return value

    def non_negative_int(self, key: str, *, default: int) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{self.where(key)} must be a whole number, 0 or more")
        return value

    def optional_date(self, key: str) -> datetime.date | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise ConfigError(f"{self.where(key)} must be a date (YYYY-MM-DD, unquoted)")
        return value
