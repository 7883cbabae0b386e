"""The demographic facts linkage compares, and the evidence a comparison yields.

These are plain frozen values so that every layer (sources, resolvers, the sandbox) can share them and so that a
`Demographics` can be a DataLoader key.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass


class MatchLevel(enum.Enum):
    """How sure a link is. `POSSIBLE` is shown only as 'possible match, check before relying on it'."""

    CERTAIN = "CERTAIN"
    PROBABLE = "PROBABLE"
    POSSIBLE = "POSSIBLE"


@dataclass(frozen=True, kw_only=True)
class Demographics:
    """What one system says about one person, enough to compare with another system's record.

    >>> Demographics(given_name="Bob", family_name="Smith", date_of_birth=datetime.date(1980, 1, 2))
    """

    given_name: str | None
    family_name: str | None
    date_of_birth: datetime.date | None = None
    gender: str | None = None  # "FEMALE" | "MALE" | "OTHER" | "UNKNOWN" or None
    postcode: str | None = None
    other_family_names: tuple[str, ...] = ()
    previous_postcodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchEvidence:
    """A link's confidence and, in words, which fields agreed or differed and how."""

    score: float
    level: MatchLevel | None  # None: below the POSSIBLE threshold, not a link at all
    reasons: tuple[str, ...]

    @property
    def is_link(self) -> bool:
        return self.level is not None
