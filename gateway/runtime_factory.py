"""Building the process-wide `GatewayRuntime` from an authority's settings, and closing it again."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import functools
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

import linkage
import linkage.rules
from auth.policy import AccessPolicy
from gateway.audit.open_trail import open_audit_trail
from gateway.metrics import Metrics
from gateway.rate_limit import open_rate_limiter
from gateway.settings import AuthoritySettings, ConfigError
from resolvers.audit_trail import AuditTrail
from resolvers.runtime import GatewayRuntime, uk_today
from resolvers.source_status import probe
from sources.adapter import SourceAdapter
from sources.display_rules import DisplayRules
from sources.model import Service
from sources.registry import build_adapter, build_cms_adapter


def check_rules(settings: AuthoritySettings) -> tuple[DisplayRules, linkage.MatchThresholds]:
    """Validate the parts of the config that other layers own, so a bad value fails at start-up."""
    try:
        rules = DisplayRules.from_mapping(settings.display_rules, settings.services)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return rules, match_thresholds(settings.linkage)


LINKAGE_THRESHOLDS = ("certain", "probable", "possible")
LINKAGE_KEYS = (*LINKAGE_THRESHOLDS, "model", *linkage.rules.GUARDS)


def match_thresholds(raw: Mapping[str, Any]) -> linkage.MatchThresholds:
    """The `[linkage]` table: the lowest score of each match level, the trained model (if any) and the rules.

    `model` is the path of a model saved by `family-context linkage train` (relative paths from the working
    directory, as for sources); it is read and checked here, so that a missing or unusable model stops the
    gateway starting. `undated_links`, `unrelated_given_names`, `different_dates_of_birth`: "never", "possible"
    or "allowed" (`linkage.rules`).
    """
    for key, value in raw.items():
        if key not in LINKAGE_KEYS:
            raise ConfigError(f"linkage.{key} is not a known setting (known: {', '.join(sorted(LINKAGE_KEYS))})")
        if key in LINKAGE_THRESHOLDS and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(f"linkage.{key} must be a number between 0 and 1")
        if key in linkage.rules.GUARDS and value not in linkage.rules.RULE_VALUES:
            raise ConfigError(f"linkage.{key} must be one of {', '.join(linkage.rules.RULE_VALUES)}")
    thresholds = {k: float(v) for k, v in raw.items() if k in LINKAGE_THRESHOLDS}
    rules = linkage.rules.LinkRules(**{k: v for k, v in raw.items() if k in linkage.rules.GUARDS})
    model = None
    if "model" in raw:
        path = raw["model"]
        if not isinstance(path, str) or not path:
            raise ConfigError("linkage.model must be the path of a trained model (MODEL.json)")
        model = _load_model(Path(path))
    try:
        return dataclasses.replace(linkage.DEFAULT_THRESHOLDS, **thresholds, rules=rules, model=model)
    except ValueError as exc:
        raise ConfigError(f"linkage: {exc}") from exc


def _load_model(path: Path) -> linkage.LinkageModel:
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"linkage.model: {path} cannot be read ({type(exc).__name__})") from exc
    try:
        return _model_at(path.resolve(), stat.st_mtime_ns, stat.st_size)
    except linkage.ModelError as exc:
        raise ConfigError(f"linkage.model: {exc}") from exc


@functools.lru_cache(maxsize=4)
def _model_at(path: Path, _mtime_ns: int, _size: int) -> linkage.LinkageModel:
    """A model read once per version of its file: start-up checks the config twice (app, then runtime)."""
    return linkage.load_model(path)


def open_http_session(settings: AuthoritySettings | None = None) -> aiohttp.ClientSession:
    """The one HTTP client session of the process: source systems and the identity provider's keys share its pool.

    Opened and closed by the app's lifespan, which owns it (use it as `async with open_http_session() as session`).
    The pool is sized so that it never holds a source below its own `max_concurrency` (`connection_limits`).
    It keeps no cookies: the session serves every user's requests, so a cookie one source system set during one
    user's look-up must not go back with another user's (and no source's API here asks for one).
    """
    limit, per_host = connection_limits(settings)
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=per_host, ttl_dns_cache=300)
    return aiohttp.ClientSession(connector=connector, raise_for_status=False, cookie_jar=aiohttp.DummyCookieJar())


BASE_CONNECTIONS = 256  # in all, at least
BASE_CONNECTIONS_PER_HOST = 64  # to one host and port, at least


def connection_limits(settings: AuthoritySettings | None) -> tuple[int, int]:
    """(connections in all, connections to one host and port) for the session's pool: at least the base figures,
    and enough for every HTTP source to use its whole `max_concurrency` at once, sources that share a host and
    port (one API gateway in front of several systems) adding theirs up. Without this a source configured for 128
    calls at once, the demo's housing, was held at the pool's 64 per host."""
    if settings is None:
        return BASE_CONNECTIONS, BASE_CONNECTIONS_PER_HOST
    by_host: dict[tuple[str | None, int], int] = {}
    for source in (settings.cms, *settings.sources):
        if source.url:
            url = urlsplit(source.url)
            host = (url.hostname, url.port or (443 if url.scheme == "https" else 80))
            by_host[host] = by_host.get(host, 0) + source.max_concurrency
    per_host = max([BASE_CONNECTIONS_PER_HOST, *by_host.values()])
    return max(BASE_CONNECTIONS, sum(by_host.values()) + BASE_CONNECTIONS_PER_HOST), per_host


@contextlib.asynccontextmanager
async def open_runtime(
    settings: AuthoritySettings,
    session: aiohttp.ClientSession,
    metrics: Metrics,
    *,
    today: Callable[[], datetime.date] = uk_today,
    audit_trail: AuditTrail | None = None,
) -> AsyncIterator[GatewayRuntime]:
    """One adapter per configured source, all on `session` (the caller's, which the caller closes), and the audit
    trail (a store that cannot be opened stops the gateway starting: it may not answer without one).

    `audit_trail` replaces the configured store, for tests and benchmarks only (no setting of the TOML reaches
    it); the caller opens and closes it."""
    rules, thresholds = check_rules(settings)
    observer = metrics.observe_upstream
    cms = build_cms_adapter(settings.cms, session, observer=observer)
    adapters: dict[Service, SourceAdapter] = {}
    stack = contextlib.AsyncExitStack()
    try:
        trail = audit_trail
        if trail is None:
            trail = await stack.enter_async_context(open_audit_trail(settings.audit))
        rate_limiter = await stack.enter_async_context(open_rate_limiter(settings.limits, scope=settings.name))
        for source in settings.sources:
            assert source.service is not None
            adapters[source.service] = build_adapter(source, session, observer=observer, registry=settings.services)
        # Warm up: open file extracts and connections now, not on the first social worker's request. A source
        # that is down or slow does not stop the gateway starting; it answers UNAVAILABLE until it recovers.
        await asyncio.gather(probe(cms), *(probe(adapter) for adapter in adapters.values()))
        yield GatewayRuntime(
            authority_name=settings.name,
            cms=cms,
            adapters=adapters,
            display_rules=rules,
            thresholds=thresholds,
            policy=AccessPolicy(settings.access, access_mode=settings.access_mode),
            audit_trail=trail,
            observe_audit_append=metrics.observe_audit_append,
            max_children=settings.limits.max_children,
            batching=settings.batching,
            request_timeout_s=settings.limits.request_timeout_s,
            max_cost=settings.limits.max_cost,
            rate_limiter=rate_limiter,
            today=today,
        )
    finally:
        for adapter in adapters.values():
            with contextlib.suppress(Exception):
                await adapter.close()
        with contextlib.suppress(Exception):
            await cms.close()
        await stack.aclose()
