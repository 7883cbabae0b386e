"""A `Demographics` cleaned once into the forms that comparison and blocking use.

Scoring one subject against thousands of candidates, or a candidate against many subjects, would otherwise
normalise the same names again for every pair; `profile` is cached per `Demographics` value.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import NamedTuple

from linkage.demographics import Demographics
from linkage.normalise import Gender, gender_key, name_tokens, postcode_key


class FamilyNames(NamedTuple):
    """A person's family names as lower-case letter strings: whole names and their hyphen/space parts.

    A tuple rather than a dataclass: it is a cache key on the hot path of scoring.
    """

    current: str  # "oneilsmith" for "O'Neil-Smith"; "" when not recorded
    current_parts: frozenset[str]  # {"oneil", "smith"}; just {"smith"} for "Smith"
    previous: frozenset[str]  # other family names, whole and in parts


@dataclass(frozen=True, slots=True)
class Profile:
    given: tuple[str, ...]  # name tokens, e.g. ("mary", "jane"); () when not recorded
    family: FamilyNames
    date_of_birth: datetime.date | None
    gender: Gender | None
    postcode: str | None
    previous_postcodes: frozenset[str]


@functools.lru_cache(maxsize=262_144)
def profile(person: Demographics) -> Profile:
    """The comparison form of `person` (cached: `Demographics` is a frozen, hashable value)."""
    current = name_tokens(person.family_name)
    previous: set[str] = set()
    for other in person.other_family_names:
        tokens = name_tokens(other)
        if tokens:
            previous.add("".join(tokens))
            previous.update(tokens)
    postcode = postcode_key(person.postcode)
    previous_postcodes = {key for p in person.previous_postcodes if (key := postcode_key(p))}
    return Profile(
        given=name_tokens(person.given_name),
        family=FamilyNames(
            current="".join(current),
            current_parts=frozenset(current),
            previous=frozenset(previous),
        ),
        date_of_birth=person.date_of_birth,
        gender=gender_key(person.gender),
        postcode=postcode,
        previous_postcodes=frozenset(previous_postcodes - {postcode}),
    )
