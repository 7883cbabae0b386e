"""The loose candidate search the CMS, adult social care and housing share (README: "Candidate queries").

A record is a candidate if its date of birth is one of the query's dates, or one of its family names (current or
former) has a surname key among the query's surnames and its year of birth is one of the query's years. Records
are indexed in dicts by both keys, so a query costs a few look-ups however large the population.

The systems that list people at an address (adult social care, housing) compare addresses by `address_key`.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sandbox.identity_copies import Identity

MAX_CANDIDATES = 50
_NOT_A_TO_Z = re.compile("[^A-Z]")

R = TypeVar("R")
AddressKey = tuple[str, str]


def address_key(postcode: str, line1: str) -> AddressKey:
    """Postcode without spaces in upper case; line 1 case-insensitive, with runs of spaces collapsed."""
    return postcode.replace(" ", "").upper(), " ".join(line1.upper().split())


def surname_key(name: str) -> str:
    """The name in upper case with everything but A-Z removed: `"O'Neil-Smith"` -> `"ONEILSMITH"`."""
    return _NOT_A_TO_Z.sub("", name.upper())


@dataclass(frozen=True)
class CandidateQuery:
    surnames: frozenset[str]  # surname keys
    dates_of_birth: frozenset[datetime.date]
    birth_years: frozenset[int]


class CandidateIndex(Generic[R]):
    """Records indexed by date of birth, by (surname key, birth year) and by surname key, in the order given."""

    def __init__(self, records: Iterable[tuple[R, Identity]]) -> None:
        self._records: list[R] = []
        self._by_dob: dict[datetime.date, list[int]] = defaultdict(list)
        self._by_surname_year: dict[tuple[str, int], list[int]] = defaultdict(list)
        self._by_surname: dict[str, list[int]] = defaultdict(list)
        self._by_surname_undated: dict[str, list[int]] = defaultdict(list)  # records without a date of birth
        for position, (record, identity) in enumerate(records):
            self._records.append(record)
            dob = identity.date_of_birth
            keys = {surname_key(name) for name in (identity.family_name, *identity.former_family_names)}
            for key in keys:
                self._by_surname[key].append(position)
                if dob is not None:
                    self._by_surname_year[(key, dob.year)].append(position)
                else:
                    self._by_surname_undated[key].append(position)
            if dob is not None:
                self._by_dob[dob].append(position)

    def search(self, query: CandidateQuery) -> list[R]:
        """Up to MAX_CANDIDATES matching records, in record order.

        With no birth years (a search by name alone) the surname rule drops the year: every record with one of
        the surnames is a candidate. A record without a date of birth has no year to compare, so it is a candidate
        whenever one of its surnames is asked for.
        """
        positions: set[int] = set()
        for dob in query.dates_of_birth:
            positions.update(self._by_dob.get(dob, ()))
        for surname in query.surnames:
            if not query.birth_years:
                positions.update(self._by_surname.get(surname, ()))
            else:
                positions.update(self._by_surname_undated.get(surname, ()))
            for year in query.birth_years:
                positions.update(self._by_surname_year.get((surname, year), ()))
        return [self._records[i] for i in sorted(positions)[:MAX_CANDIDATES]]
