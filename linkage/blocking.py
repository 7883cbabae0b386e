"""Finding the few records worth scoring, without comparing a person with everyone.

Two forms of the same idea, both built on the tolerances `score` allows:

- `candidate_keys` says what to ask a source system's loose search for (the sandbox README's "candidate
  queries"): a record is a candidate if its DOB is one of the tolerated variants of ours, or if one of its family
  names is one of ours and it was born within a year of our person; failing those, if one of its family names
  sounds like ours (Soundex, `linkage.sound_keys`) and its forename sounds like ours or one of its diminutives.
- `BlockingIndex` holds a whole extract in memory (the police CSV; the 100,000-person sandbox population) and
  answers the same question by dictionary look-ups.

Why DOB variants give full recall: when both sides have a DOB, a pair whose DOBs are not one of the tolerated
keying errors carries a "DOB differs" weight that no agreement of the other fields outweighs, so it is never a
link. Only pairs with a DOB missing on one side have to be found by name or postcode, and a family name typed
wrong on one side ("Rise" for "Rice") is found only by how it sounds.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from linkage.dates import tolerated_variants
from linkage.demographics import Demographics
from linkage.normalise import name_tokens, surname_key
from linkage.phonetic import nysiis
from linkage.profile import Profile, profile
from linkage.sound_keys import forename_sounds, soundex, surname_sounds

__all__ = ["BlockingIndex", "CandidateQuery", "candidate_keys", "surname_key"]

T = TypeVar("T")

# Hyphen/space parts shorter than this ("O" of "O Brien") are not useful as surnames on their own.
_SHORTEST_SURNAME_PART = 2


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    """The keys of a source system's candidate search for one person (see the sandbox README)."""

    surnames: tuple[str, ...]  # surname keys: upper case, letters A-Z only
    dates_of_birth: tuple[datetime.date, ...]
    birth_years: tuple[int, ...]
    surname_sounds: tuple[str, ...] = ()  # Soundex codes of the surname keys
    forename_sounds: tuple[str, ...] = ()  # Soundex codes of the given name and its diminutives; () restricts nothing

    def to_json(self) -> dict[str, list[str] | list[int]]:
        """`{"surnames", "datesOfBirth" ("YYYY-MM-DD"), "birthYears", "surnameSounds", "forenameSounds"}`."""
        return {
            "surnames": list(self.surnames),
            "datesOfBirth": [dob.isoformat() for dob in self.dates_of_birth],
            "birthYears": list(self.birth_years),
            "surnameSounds": list(self.surname_sounds),
            "forenameSounds": list(self.forename_sounds),
        }


def candidate_keys(person: Demographics) -> CandidateQuery:
    """The candidate query for `person`: every surname key and every DOB that `score` could still link, and the
    sounds of the surnames and forenames that find a family name typed wrong.

    >>> query = candidate_keys(
    ...     Demographics(given_name="Peggy", family_name="O'Neil-Smith", date_of_birth=datetime.date(2015, 3, 4))
    ... )
    >>> query.surnames, query.birth_years, query.surname_sounds
    (('ONEILSMITH', 'ONEIL', 'SMITH'), (2014, 2015, 2016), ('O542', 'O540', 'S530'))
    """
    surnames: list[str] = []
    for name in (person.family_name, *person.other_family_names):
        if not name:
            continue
        tokens = name_tokens(name)
        keys = [surname_key(name), "".join(tokens).upper()]
        keys.extend(token.upper() for token in tokens if len(token) >= _SHORTEST_SURNAME_PART)
        surnames.extend(key for key in keys if key)
    surname_keys = tuple(dict.fromkeys(surnames))
    sounds = surname_sounds(surname_keys)
    dob = person.date_of_birth
    return CandidateQuery(
        surnames=surname_keys,
        dates_of_birth=tolerated_variants(dob) if dob else (),
        birth_years=(dob.year - 1, dob.year, dob.year + 1) if dob else (),
        surname_sounds=sounds,
        forename_sounds=forename_sounds(name_tokens(person.given_name)) if sounds else (),
    )


class BlockingIndex(Generic[T]):
    """An in-memory index of `(Demographics, item)` entries, answering "which entries could link to this person?"
    by look-ups rather than a scan.

    >>> kate = Demographics(given_name="Kate", family_name="Lee", date_of_birth=datetime.date(2015, 4, 3))
    >>> index = BlockingIndex([(kate, "record 1")])
    >>> subject = Demographics(given_name="Catherine", family_name="Lee", date_of_birth=datetime.date(2015, 3, 4))
    >>> [record for _, record in index.candidates(subject)]
    ['record 1']

    Blocks: the exact DOB; the NYSIIS key of each family name (current, its parts, previous) with the birth year;
    the NYSIIS key alone; each postcode, current and previous; and, as in a source's candidate search, the Soundex
    code of each family name with the Soundex code of each forename, with and without the birth year. A query with
    a DOB looks up its tolerated DOB variants, its family keys in the three birth years around its own, and the
    family keys and postcodes of entries without a DOB. A query without a DOB looks up every entry with its family
    keys or postcodes. Either way it also looks up the family sounds with its forename sounds (the given name's and
    its diminutives'), or the family sounds alone when it has no given name.
    """

    def __init__(self, entries: Iterable[tuple[Demographics, T]] = ()) -> None:
        self._entries: list[tuple[Demographics, T]] = []
        self._blocks: dict[Hashable, list[int]] = {}
        for person, item in entries:
            self.add(person, item)

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, person: Demographics, item: T) -> None:
        position = len(self._entries)
        self._entries.append((person, item))
        for key in _entry_keys(profile(person)):
            self._blocks.setdefault(key, []).append(position)

    def candidates(self, query: Demographics) -> list[tuple[Demographics, T]]:
        """The entries sharing a block with `query`, each once, in the order they were added."""
        positions: set[int] = set()
        for key in _query_keys(profile(query)):
            block = self._blocks.get(key)
            if block:
                positions.update(block)
        return [self._entries[position] for position in sorted(positions)]


def _family_names(person: Profile) -> frozenset[str]:
    names = person.family.previous | person.family.current_parts
    if person.family.current:
        names = names | {person.family.current}
    return names


def _family_keys(person: Profile) -> set[str]:
    return {nysiis(name) for name in _family_names(person)}


def _family_sounds(person: Profile) -> set[str]:
    return {code for name in _family_names(person) if (code := soundex(name))}


def _entry_keys(person: Profile) -> set[Hashable]:
    families = _family_keys(person)
    keys: set[Hashable] = {("family", family) for family in families}
    # None stands for "any forename": the blocks that a query without a given name looks up.
    forenames: set[str | None] = {None, *(code for token in person.given if (code := soundex(token)))}
    sounds = {(sound, forename) for sound in _family_sounds(person) for forename in forenames}
    keys.update(("sound", sound, forename) for sound, forename in sounds)
    dob = person.date_of_birth
    if dob is not None:
        keys.add(("dob", dob))
        keys.update(("family-year", family, dob.year) for family in families)
        keys.update(("sound-year", sound, forename, dob.year) for sound, forename in sounds)
    else:
        keys.update(("undated-family", family) for family in families)
        keys.update(("undated-postcode", postcode) for postcode in _postcodes(person))
        keys.update(("undated-sound", sound, forename) for sound, forename in sounds)
    keys.update(("postcode", postcode) for postcode in _postcodes(person))
    return keys


def _query_keys(person: Profile) -> set[Hashable]:
    families = _family_keys(person)
    forenames: tuple[str | None, ...] = forename_sounds(person.given) or (None,)
    sounds = {(sound, forename) for sound in _family_sounds(person) for forename in forenames}
    dob = person.date_of_birth
    if dob is None:
        # Without a DOB anything of the same family name or at the same address could link.
        keys: set[Hashable] = {("family", family) for family in families}
        keys.update(("postcode", postcode) for postcode in _postcodes(person))
        keys.update(("sound", sound, forename) for sound, forename in sounds)
        return keys
    keys = {("dob", variant) for variant in tolerated_variants(dob)}
    years = (dob.year - 1, dob.year, dob.year + 1)
    keys.update(("family-year", family, year) for family in families for year in years)
    keys.update(("undated-family", family) for family in families)
    keys.update(("undated-postcode", postcode) for postcode in _postcodes(person))
    keys.update(("sound-year", sound, forename, year) for sound, forename in sounds for year in years)
    keys.update(("undated-sound", sound, forename) for sound, forename in sounds)
    return keys


def _postcodes(person: Profile) -> set[str]:
    postcodes = set(person.previous_postcodes)
    if person.postcode:
        postcodes.add(person.postcode)
    return postcodes
