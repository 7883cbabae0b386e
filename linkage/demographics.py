"""The demographic facts linkage compares, and the evidence a comparison yields.

These are plain frozen values so that every layer (sources, resolvers, the sandbox) can share them and so that a
`Demographics` can be a DataLoader key.
"""

from __future__ import annotations

import datetime
import enum
import math
from dataclasses import dataclass


class MatchLevel(enum.Enum):
    """How sure a link is, strongest first.

    Only `CERTAIN` and `PROBABLE` links count (as an involvement, as one person): `counts` says so, and is the one
    place that decision is made. `POSSIBLE` is shown only as "possible match, check before relying on it".
    `NO_MATCH`: below the POSSIBLE threshold, or refused by a rule; not a link at all (the gateway never returns it).
    """

    CERTAIN = "CERTAIN"
    PROBABLE = "PROBABLE"
    POSSIBLE = "POSSIBLE"
    NO_MATCH = "NO_MATCH"

    @property
    def counts(self) -> bool:
        """Whether a link at this level counts: the same person for every purpose of the gateway."""
        return self is MatchLevel.CERTAIN or self is MatchLevel.PROBABLE

    @property
    def shown(self) -> bool:
        """Whether a link at this level is shown at all (a counted link, or a possible match to check)."""
        return self is not MatchLevel.NO_MATCH

    @property
    def rank(self) -> int:
        """3 for CERTAIN down to 0 for NO_MATCH, to compare levels."""
        return _RANK[self]


_RANK = {MatchLevel.CERTAIN: 3, MatchLevel.PROBABLE: 2, MatchLevel.POSSIBLE: 1, MatchLevel.NO_MATCH: 0}


@dataclass(frozen=True, kw_only=True)
class Demographics:
    """What one system says about one person, enough to compare with another system's record.

    >>> Demographics(given_name="Bob", family_name="Smith", date_of_birth="1980-01-02")
    Traceback (most recent call last):
    TypeError: date_of_birth must be a datetime.date, not a string (use datetime.date.fromisoformat(value))

    Checked at construction, so that bad input fails where it is made rather than as a wrong score later: names,
    postcode and gender are `str` or None (a NaN from a data frame is refused, not compared as the text "nan"); the
    date of birth is a `datetime.date` (not a string, not a `datetime`); linkage compares only the gender's initial
    ("F", "female" and "FEMALE" agree); the other names and previous postcodes are sequences of `str`, kept as
    tuples.
    """

    given_name: str | None
    family_name: str | None
    date_of_birth: datetime.date | None = None
    gender: str | None = None  # e.g. "FEMALE" | "MALE" | "OTHER" | "UNKNOWN"; only F and M are compared
    postcode: str | None = None
    other_family_names: tuple[str, ...] = ()
    previous_postcodes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("given_name", "family_name", "postcode", "gender"):
            _check_text(name, getattr(self, name))
        dob = self.date_of_birth
        if dob is not None and (type(dob) is not datetime.date):
            if isinstance(dob, datetime.datetime):
                raise TypeError("date_of_birth must be a datetime.date, not a datetime (use value.date())")
            if isinstance(dob, str):
                raise TypeError(
                    "date_of_birth must be a datetime.date, not a string (use datetime.date.fromisoformat(value))"
                )
            if not isinstance(dob, datetime.date):
                raise TypeError(f"date_of_birth must be a datetime.date or None, not {_kind(dob)}")
        for name in ("other_family_names", "previous_postcodes"):
            values = getattr(self, name)
            if isinstance(values, str) or not isinstance(values, tuple | list):
                raise TypeError(f"{name} must be a tuple of strings, not {_kind(values)}")
            for value in values:
                _check_text(name, value, optional=False)
            if not isinstance(values, tuple):
                object.__setattr__(self, name, tuple(values))


def _check_text(name: str, value: object, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if isinstance(value, str):
        return
    if isinstance(value, float) and math.isnan(value):
        raise ValueError(f"{name} is NaN: pass None for a value that is not recorded")
    raise TypeError(f"{name} must be a str{' or None' if optional else ''}, not {_kind(value)}")


def _kind(value: object) -> str:
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class FieldOutcome:
    """One field's result for a pair: the level it fell in, its weight in bits, and the reason in words.

    `comparison` names the field ("given_name", "family_name", "date_of_birth", "postcode", "gender"); `level` is
    the level's key (e.g. "DIMINUTIVE", "DAY_MONTH_SWAPPED"); `guard` names the rule (`linkage.rules.LinkRules`)
    that limits a link resting on this level, if any.
    """

    comparison: str
    level: str
    weight: float
    reason: str | None
    guard: str | None = None


@dataclass(frozen=True)
class MatchEvidence:
    """A link's confidence, its level, which fields agreed or differed and how: in words (`reasons`, shown to the
    user) and structured (`fields`, one `FieldOutcome` per compared field)."""

    score: float
    level: MatchLevel
    reasons: tuple[str, ...]
    fields: tuple[FieldOutcome, ...] = ()

    @property
    def counts(self) -> bool:
        """The link counts (CERTAIN or PROBABLE): an involvement, the same person."""
        return self.level.counts

    @property
    def shown(self) -> bool:
        """The link is shown (counted, or POSSIBLE: to check before relying on it)."""
        return self.level.shown
