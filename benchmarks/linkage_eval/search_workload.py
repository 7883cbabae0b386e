"""The mixed search workload: searches for people drawn from a population, by name, DOB, nickname, typo, postcode."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import linkage
from sandbox.names import DIMINUTIVES
from sandbox.people import Person

SEARCH_MIX: tuple[tuple[str, int], ...] = (
    ("given + family", 30),
    ("given + family + DOB", 25),
    ("family only", 15),
    ("nickname + family", 5),
    ("nickname + family + DOB", 5),
    ("typo in family + given", 5),
    ("typo in family + given + DOB", 5),
    ("given + family + postcode", 10),
)


@dataclass(frozen=True, slots=True)
class SearchCase:
    """One search: its kind (of `SEARCH_MIX`), the terms searched, and the person sought."""

    kind: str
    terms: linkage.Demographics
    person_id: str


def _typo(name: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(name)) if len(name) > 1 else 0
    if rng.random() < 0.5:
        return name[:at] + name[at + 1 :] if len(name) > 3 else name + name[-1]  # a dropped (or doubled) letter
    if at < len(name) - 1:
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]  # two letters swapped
    return name + name[-1]


def search_workload(people: Sequence[Person], count: int, seed: int) -> list[SearchCase]:
    """`count` searches for people drawn from `people`, in the proportions of `SEARCH_MIX`."""
    rng = random.Random(f"{seed}:search")
    kinds = [kind for kind, _ in SEARCH_MIX]
    weights = [w for _, w in SEARCH_MIX]
    nicknamed = [p for p in people if p.given_name in DIMINUTIVES]
    cases = []
    for _ in range(count):
        kind = rng.choices(kinds, weights=weights)[0]
        person = rng.choice(nicknamed if kind.startswith("nickname") else people)
        given: str | None = person.given_name
        family = person.family_name
        if kind == "family only":
            given = None
        elif kind.startswith("nickname"):
            given = rng.choice(DIMINUTIVES[person.given_name])
        elif kind.startswith("typo"):
            family = _typo(person.family_name, rng)
        terms = linkage.Demographics(
            given_name=given,
            family_name=family,
            date_of_birth=person.date_of_birth if kind.endswith("DOB") else None,
            postcode=person.address.postcode if kind.endswith("postcode") else None,
        )
        cases.append(SearchCase(kind, terms, person.person_id))
    return cases
