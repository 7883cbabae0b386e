"""The columns linkage compares, derived once per record: Splink's input row and the online scorer's test input.

Splink trains on plain columns and SQL (`linkage.comparisons`); the online scorer tests the same columns in
Python. Deriving them here, once, is what lets the two agree: both see `"oneilsmith"` for "O'Neil-Smith", the same
nickname list for "Bob", the same postcode sector. `features` is cached per `Demographics` value (frozen,
hashable), because one record is compared with many others.

Names are lower-case ASCII letters; postcodes upper-case letters and digits without spaces; the DOB is its digits
("20150304") and its parts. A field that is not recorded is None, lists included (so `postcodes` is None when the
record holds no postcode at all, and "not recorded" is told apart from "nothing shared"). Lists are sorted tuples,
so that a training run is repeatable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from linkage.demographics import Demographics
from linkage.diminutives import diminutives_of
from linkage.phonetic import metaphone
from linkage.postcodes import postcode_district, postcode_sector
from linkage.profile import profile


@dataclass(frozen=True, slots=True)
class Features:
    """One record's comparison columns (see the module docstring)."""

    given_name: str | None  # tokens joined: "maryjane" for "Mary-Jane"
    given_first: str | None  # the first token: "mary"
    given_tokens: tuple[str, ...] | None
    given_nicknames: tuple[str, ...] | None  # names the diminutive table relates to `given_first`
    given_sound: str | None  # Metaphone of `given_name`
    family_name: str | None  # "oneilsmith" for "O'Neil-Smith"
    family_parts: tuple[str, ...] | None  # ("oneil", "smith")
    family_names: tuple[str, ...] | None  # current, its parts, previous names whole and in parts
    family_sound: str | None
    dob: str | None  # "20150304"
    dob_days: int | None  # days since 0001-01-01 (`date.toordinal`)
    dob_year: int | None
    dob_month: int | None
    dob_day: int | None
    gender: str | None  # "F" | "M"
    postcode: str | None  # "LS14AB"
    postcode_sector: str | None  # "LS14"
    postcode_district: str | None  # "LS1"
    postcodes: tuple[str, ...] | None  # current and previous


COLUMNS: tuple[str, ...] = tuple(Features.__dataclass_fields__)
"""Splink's input columns, in order: every field of `Features`."""
LIST_COLUMNS = frozenset({"given_tokens", "given_nicknames", "family_parts", "family_names", "postcodes"})
INTEGER_COLUMNS = frozenset({"dob_days", "dob_year", "dob_month", "dob_day"})


def _sorted(values: frozenset[str] | set[str]) -> tuple[str, ...] | None:
    return tuple(sorted(values)) if values else None


@functools.lru_cache(maxsize=262_144)
def features(person: Demographics) -> Features:
    """The comparison columns of `person` (cached)."""
    p = profile(person)
    given = "".join(p.given) or None
    first = p.given[0] if p.given else None
    family = p.family.current or None
    postcodes = set(p.previous_postcodes)
    if p.postcode:
        postcodes.add(p.postcode)
    dob = p.date_of_birth
    return Features(
        given_name=given,
        given_first=first,
        given_tokens=tuple(sorted(set(p.given))) if given else None,
        given_nicknames=_sorted(diminutives_of(first)) if first else None,
        given_sound=metaphone(given) if given else None,
        family_name=family,
        family_parts=_sorted(p.family.current_parts) if family else None,
        family_names=_sorted(p.family.previous | p.family.current_parts | {family}) if family else None,
        family_sound=metaphone(family) if family else None,
        dob=f"{dob.year:04d}{dob.month:02d}{dob.day:02d}" if dob else None,
        dob_days=dob.toordinal() if dob else None,
        dob_year=dob.year if dob else None,
        dob_month=dob.month if dob else None,
        dob_day=dob.day if dob else None,
        gender=p.gender,
        postcode=p.postcode,
        postcode_sector=postcode_sector(p.postcode),
        postcode_district=postcode_district(p.postcode),
        postcodes=_sorted(postcodes),
    )


def feature_row(person: Demographics) -> dict[str, Any]:
    """`person`'s row for Splink: each column of `COLUMNS`, lists as lists."""
    f = features(person)
    row = {column: getattr(f, column) for column in COLUMNS}
    for column in LIST_COLUMNS:
        if row[column] is not None:
            row[column] = list(row[column])
    return row
