"""A 100,000-person population generates quickly, and candidate queries stay fast at that size."""

from __future__ import annotations

import time

from sandbox.candidates import CandidateIndex, CandidateQuery, surname_key
from sandbox.population import generate

HOUSEHOLDS_FOR_100K_PEOPLE = 25_000  # about four people per household, counting relatives who live elsewhere


def test_one_hundred_thousand_people() -> None:
    started = time.perf_counter()
    population = generate(1, HOUSEHOLDS_FOR_100K_PEOPLE)
    generated = time.perf_counter() - started

    index = CandidateIndex((p, p.identity) for p in population.cms.people.values())
    people = list(population.cms.people.values())[:: len(population.cms.people) // 1000]
    started = time.perf_counter()
    for person in people:
        dob = person.identity.date_of_birth
        index.search(
            CandidateQuery(
                surnames=frozenset({surname_key(person.identity.family_name)}),
                dates_of_birth=frozenset({dob} if dob else ()),
                birth_years=frozenset({dob.year} if dob else ()),
            )
        )
    searched = time.perf_counter() - started

    print(
        f"\n{len(population.people)} people in {generated:.1f} s; "
        f"{len(people)} candidate queries in {searched * 1000:.0f} ms"
    )
    assert len(population.people) >= 95_000
    assert generated < 120  # generous: the point is minutes versus seconds, not a benchmark
