"""The display rules' settings: Stockport's defaults, overridable per authority from its TOML.

>>> rules = DisplayRules.from_mapping({"adult_social_care": {"min_age": 16}})  # Leeds guidance
>>> rules.adult_social_care.min_age
16
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

PREFIX = "display_rules"


class InvalidDisplayRules(ValueError):
    """A bad display-rules setting; the message names the key (`display_rules.police.min_age ...`)."""


@dataclass(frozen=True, kw_only=True)
class AdultSocialCareRules:
    min_age: int = 15
    excluded_plan_statuses: frozenset[str] = frozenset({"planned", "cancelled"})


@dataclass(frozen=True, kw_only=True)
class HousingRules:
    min_age: int = 16
    notice_window_months: int = 12  # notices seeking possession and evictions
    arrears_over_weeks: float = 6.0  # rent arrears shown only when strictly over this
    asb_perpetrator_since: datetime.date = datetime.date(2014, 1, 1)


@dataclass(frozen=True, kw_only=True)
class PoliceRules:
    min_age: int = 18
    conviction_window_years: int = 5
    suspect_window_years: int = 1
    max_safeguarding_offences: int = 3


@dataclass(frozen=True, kw_only=True)
class SchoolRules:
    min_age: int = 4
    max_age: int = 20  # inclusive


@dataclass(frozen=True, kw_only=True)
class DisplayRules:
    """Every service's display rules. `DisplayRules()` is Stockport's."""

    adult_social_care: AdultSocialCareRules = AdultSocialCareRules()
    housing: HousingRules = HousingRules()
    police: PoliceRules = PoliceRules()
    school: SchoolRules = SchoolRules()

    @classmethod
    def from_mapping(cls, settings: Mapping[str, object]) -> DisplayRules:
        """Defaults overridden by `settings` (the authority's `[display_rules]` table).

        Raises `InvalidDisplayRules` naming the first unknown key or bad value.
        """
        sections: dict[str, Any] = {}
        for section, value in settings.items():
            path = f"{PREFIX}.{section}"
            if section not in _SECTIONS:
                raise InvalidDisplayRules(f"{path} is not a known service")
            if not isinstance(value, Mapping):
                raise InvalidDisplayRules(f"{path} must be a table")
            sections[section] = _section(path, getattr(cls(), section), _SECTIONS[section], value)
        return cls(**sections)


Parser = Callable[[str, object], object]


def _section(path: str, defaults: object, parsers: Mapping[str, Parser], values: Mapping[str, object]) -> object:
    changes: dict[str, object] = {}
    for key, value in values.items():
        parser = parsers.get(key)
        if parser is None:
            raise InvalidDisplayRules(f"{path}.{key} is not a known setting")
        changes[key] = parser(f"{path}.{key}", value)
    section = dataclasses.replace(defaults, **changes)  # type: ignore[type-var]
    if isinstance(section, SchoolRules) and section.min_age > section.max_age:
        raise InvalidDisplayRules(f"{path}.min_age must not be greater than {path}.max_age")
    return section


def _count(path: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidDisplayRules(f"{path} must be an integer")
    if value < 0:
        raise InvalidDisplayRules(f"{path} must not be negative")
    return value


def _number(path: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidDisplayRules(f"{path} must be a number")
    if value < 0:
        raise InvalidDisplayRules(f"{path} must not be negative")
    return float(value)


def _date(path: str, value: object) -> datetime.date:
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


def _statuses(path: str, value: object) -> frozenset[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise InvalidDisplayRules(f"{path} must be a list of strings")
    return frozenset(item.strip().lower() for item in value)


_SECTIONS: dict[str, dict[str, Parser]] = {
    "adult_social_care": {"min_age": _count, "excluded_plan_statuses": _statuses},
    "housing": {
        "min_age": _count,
        "notice_window_months": _count,
        "arrears_over_weeks": _number,
        "asb_perpetrator_since": _date,
    },
    "police": {
        "min_age": _count,
        "conviction_window_years": _count,
        "suspect_window_years": _count,
        "max_safeguarding_offences": _count,
    },
    "school": {"min_age": _count, "max_age": _count},
}
