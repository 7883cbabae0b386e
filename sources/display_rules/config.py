"""The display rules' settings: Stockport's defaults, overridable per authority from its TOML.

Each service declares its own settings, defaults and parsers (`RulesSpec`, in `sources/services/<service>/`);
the parsers below are the common ones.

>>> rules = DisplayRules.from_mapping({"adult_social_care": {"min_age": 16}})  # Leeds guidance
>>> rules.adult_social_care.min_age
16
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sources.definition import RulesSpec, ServiceDefinition
from sources.registry import ServiceRegistry, builtin_registry

if TYPE_CHECKING:
    from sources.display_rules.ages import AgeRange
    from sources.model import Service

PREFIX = "display_rules"


class InvalidDisplayRules(ValueError):
    """A bad display-rules setting; the message names the key (`display_rules.police.min_age ...`)."""


class DisplayRules:
    """Every registered service's display rules: `DisplayRules()` is Stockport's, for the built-in services.

    `rules.police` is the police section (the service's `key`); `rules.section(definition)` the same by definition.
    The rules carry their registry, so that the age decision and `apply` find each service's policy through them.
    """

    def __init__(self, sections: Mapping[str, Any] | None = None, *, registry: ServiceRegistry | None = None) -> None:
        self.registry = registry if registry is not None else builtin_registry()
        defaults = {d.key: d.rules.defaults for d in self.registry}
        unknown = set(sections or {}) - set(defaults)
        if unknown:
            raise InvalidDisplayRules(f"{PREFIX}.{sorted(unknown)[0]} is not a known service")
        self.sections: Mapping[str, Any] = {**defaults, **(sections or {})}
        self.age_ranges: dict[Service, AgeRange] = {}  # `ages.age_range`'s answers, worked out once per service
        self.policies: dict[Service, Any] = {}  # `check._policy`'s answers, worked out once per service

    def __getattr__(self, key: str) -> Any:
        sections = self.__dict__.get("sections", {})
        if key in sections:
            return sections[key]
        raise AttributeError(key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DisplayRules) and (self.registry, self.sections) == (other.registry, other.sections)

    __hash__ = None  # type: ignore[assignment]

    def section(self, definition: ServiceDefinition) -> Any:
        return self.sections[definition.key]

    @classmethod
    def from_mapping(cls, settings: Mapping[str, object], registry: ServiceRegistry | None = None) -> DisplayRules:
        """Defaults overridden by `settings` (the authority's `[display_rules]` table).

        Raises `InvalidDisplayRules` naming the first unknown key or bad value.
        """
        services = registry if registry is not None else builtin_registry()
        sections: dict[str, Any] = {}
        for section, value in settings.items():
            path = f"{PREFIX}.{section}"
            definition = services.by_key(section)
            if definition is None:
                raise InvalidDisplayRules(f"{path} is not a known service")
            if not isinstance(value, Mapping):
                raise InvalidDisplayRules(f"{path} must be a table")
            sections[section] = _section(path, definition.rules, value)
        return cls(sections, registry=services)


def _section(path: str, spec: RulesSpec, values: Mapping[str, object]) -> object:
    changes: dict[str, object] = {}
    for key, value in values.items():
        parser = spec.parsers.get(key)
        if parser is None:
            raise InvalidDisplayRules(f"{path}.{key} is not a known setting")
        changes[key] = parser(f"{path}.{key}", value)
    section = dataclasses.replace(spec.defaults, **changes)
    if spec.check is not None:
        spec.check(path, section)
    return section


def count(path: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidDisplayRules(f"{path} must be an integer")
    if value < 0:
        raise InvalidDisplayRules(f"{path} must not be negative")
    return value


def number(path: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidDisplayRules(f"{path} must be a number")
    if value < 0:
        raise InvalidDisplayRules(f"{path} must not be negative")
    return float(value)


def date(path: str, value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        raise InvalidDisplayRules(f"{path} must be a date (YYYY-MM-DD)")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidDisplayRules(f"{path} must be a date (YYYY-MM-DD)")


def statuses(path: str, value: object) -> frozenset[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise InvalidDisplayRules(f"{path} must be a list of strings")
    return frozenset(item.strip().lower() for item in value)
