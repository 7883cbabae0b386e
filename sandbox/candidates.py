"""The loose candidate search the CMS, adult social care and housing share (README: "Candidate queries").

A record is a candidate if its date of birth is one of the query's dates, or one of its family names (current or
former) has a surname key among the query's surnames and its year of birth is one of the query's years. Failing
those, it is a sound-alike candidate if one of its family names has a Soundex code among the query's surname sounds,
with the same rule for the year, and (when the query gives forename sounds) a word of its forename has a Soundex
code among them. Of the 50 given at most, the exact rules' records whose forename sounds like the query's come
first, then the sound-alike ones, then the exact rules' others. Records are indexed in dicts by every key, so a
query costs a few look-ups however large the population.

The systems that list people at an address (adult social care, housing) compare addresses by `address_key`.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import jellyfish

from sandbox.identity_copies import Identity

MAX_CANDIDATES = 50
_NOT_A_TO_Z = re.compile("[^A-Z]")
SOUNDEX_CODE = re.compile("[A-Z][0-9]{3}")

R = TypeVar("R")
AddressKey = tuple[str, str]
# Year part of a sound-alike key: a birth year, or one of these two.
_ANY_YEAR = "any"
_UNDATED = "undated"


def address_key(postcode: str, line1: str) -> AddressKey:
    """Postcode without spaces in upper case; line 1 case-insensitive, with runs of spaces collapsed."""
    return postcode.replace(" ", "").upper(), " ".join(line1.upper().split())


def surname_key(name: str) -> str:
    """The name in upper case with everything but A-Z removed: `"O'Neil-Smith"` -> `"ONEILSMITH"`."""
    return _NOT_A_TO_Z.sub("", name.upper())


def soundex(name: str) -> str:
    """The Soundex code of a name's letters (`"Rice"` -> `"R200"`), as the database's SOUNDEX() computes it; "" for
    a name without letters."""
    letters = surname_key(name)
    return str(jellyfish.soundex(letters)) if letters else ""


def forename_sounds(forename: str) -> frozenset[str]:
    """The Soundex code of each word of a forename ("Mary-Jane" -> M600, J500)."""
    return frozenset(code for word in re.split("[^A-Za-z]+", forename) if (code := soundex(word)))


@dataclass(frozen=True)
class CandidateQuery:
    surnames: frozenset[str]  # surname keys
    dates_of_birth: frozenset[datetime.date]
    birth_years: frozenset[int]
    surname_sounds: frozenset[str] = frozenset()  # Soundex codes
    forename_sounds: frozenset[str] = frozenset()  # Soundex codes; empty: any forename


class CandidateIndex(Generic[R]):
    """Records indexed by date of birth, by (surname key, birth year) and by surname key, and by the sounds of
    their family names and forenames, in the order given."""

    def __init__(self, records: Iterable[tuple[R, Identity]]) -> None:
        self._records: list[R] = []
        self._by_dob: dict[datetime.date, list[int]] = defaultdict(list)
        self._by_surname_year: dict[tuple[str, int], list[int]] = defaultdict(list)
        self._by_surname: dict[str, list[int]] = defaultdict(list)
        self._by_surname_undated: dict[str, list[int]] = defaultdict(list)  # records without a date of birth
        # (surname sound, forename sound or None for any forename, birth year or _ANY_YEAR or _UNDATED)
        self._by_sound: dict[Hashable, list[int]] = defaultdict(list)
        self._forenames: list[frozenset[str]] = []  # the Soundex codes of each record's forename
        for position, (record, identity) in enumerate(records):
            self._records.append(record)
            self._forenames.append(forename_sounds(identity.given_name))
            dob = identity.date_of_birth
            names = (identity.family_name, *identity.former_family_names)
            for key in {surname_key(name) for name in names}:
                self._by_surname[key].append(position)
                if dob is not None:
                    self._by_surname_year[(key, dob.year)].append(position)
                else:
                    self._by_surname_undated[key].append(position)
            if dob is not None:
                self._by_dob[dob].append(position)
            forenames: set[str | None] = {None, *self._forenames[position]}
            sounds = {code for name in names if (code := soundex(name))}
            for sound in sounds:
                for forename in forenames:
                    self._by_sound[(sound, forename, _ANY_YEAR)].append(position)
                    self._by_sound[(sound, forename, dob.year if dob else _UNDATED)].append(position)

    def search(self, query: CandidateQuery) -> list[R]:
        """Up to MAX_CANDIDATES matching records, each group in record order: those the exact rules find whose
        forename sounds like the query's (all of them when the query gives no forename sounds), then those found
        only by sound, then the exact rules' others.

        With no birth years (a search by name alone) the surname rule drops the year: every record with one of
        the surnames is a candidate. A record without a date of birth has no year to compare, so it is a candidate
        whenever one of its surnames is asked for. The sound rule follows the same two rules. A common surname
        alone can find hundreds: the forename puts the likeliest first, before the 50 are cut.
        """
        exact: set[int] = set()
        for dob in query.dates_of_birth:
            exact.update(self._by_dob.get(dob, ()))
        for surname in query.surnames:
            if not query.birth_years:
                exact.update(self._by_surname.get(surname, ()))
            else:
                exact.update(self._by_surname_undated.get(surname, ()))
            for year in query.birth_years:
                exact.update(self._by_surname_year.get((surname, year), ()))
        wanted = query.forename_sounds
        likely = sorted(i for i in exact if not wanted or self._forenames[i] & wanted)
        chosen = likely[:MAX_CANDIDATES]
        if len(chosen) < MAX_CANDIDATES and query.surname_sounds:
            chosen += sorted(self._sounding(query) - exact)[: MAX_CANDIDATES - len(chosen)]
        if len(chosen) < MAX_CANDIDATES and len(likely) < len(exact):
            chosen += sorted(exact.difference(likely))[: MAX_CANDIDATES - len(chosen)]
        return [self._records[i] for i in chosen]

    def _sounding(self, query: CandidateQuery) -> set[int]:
        forenames: Iterable[str | None] = query.forename_sounds or (None,)
        years: Iterable[int | str] = (*query.birth_years, _UNDATED) if query.birth_years else (_ANY_YEAR,)
        found: set[int] = set()
        for sound in query.surname_sounds:
            for forename in forenames:
                for year in years:
                    found.update(self._by_sound.get((sound, forename, year), ()))
        return found
