"""How fast linkage scores pairs and how fast `BlockingIndex` finds candidates among 100,000 people.

    .venv/bin/python benchmarks/linkage_speed.py [--people 100000]

The population is synthetic (Faker en_GB names and postcodes, DOBs spread over 90 years); a tenth of the queries
are blurred copies of someone in it (a nickname, a DOB keyed a day out, a changed family name, a move), so that
the run also reports how many true links blocking finds.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import time

from faker import Faker

from linkage import BlockingIndex, Demographics, best_links, score

NICKNAMES = {"Robert": "Bob", "William": "Bill", "Margaret": "Peggy", "Catherine": "Kate", "John": "Jack"}


def population(count: int, seed: int) -> list[Demographics]:
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    people = []
    for _ in range(count):
        female = rng.random() < 0.5
        people.append(
            Demographics(
                given_name=fake.first_name_female() if female else fake.first_name_male(),
                family_name=fake.last_name(),
                date_of_birth=datetime.date(1935, 1, 1) + datetime.timedelta(days=rng.randrange(90 * 365)),
                gender="FEMALE" if female else "MALE",
                postcode=fake.postcode(),
            )
        )
    return people


def blurred(person: Demographics, rng: random.Random) -> Demographics:
    dob = person.date_of_birth
    assert dob is not None
    change = rng.randrange(4)
    if change == 0:
        given = person.given_name or ""
        return _with(person, given_name=NICKNAMES.get(given, given))
    if change == 1:
        return _with(person, date_of_birth=dob + datetime.timedelta(days=1))
    if change == 2:
        return _with(person, family_name="Newname", other_family_names=(person.family_name or "",))
    return _with(person, postcode="ZZ1 1ZZ", previous_postcodes=(person.postcode or "",))


def _with(person: Demographics, **changes: object) -> Demographics:
    fields: dict[str, object] = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth,
        "gender": person.gender,
        "postcode": person.postcode,
        "other_family_names": person.other_family_names,
        "previous_postcodes": person.previous_postcodes,
    }
    return Demographics(**(fields | changes))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    people = population(args.people, args.seed)
    print(f"generated {len(people):,} people in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    index = BlockingIndex((person, position) for position, person in enumerate(people))
    print(f"built BlockingIndex in {time.perf_counter() - started:.2f} s")

    targets = rng.sample(range(len(people)), args.queries // 10)
    queries: list[tuple[Demographics, int | None]] = [(blurred(people[t], rng), t) for t in targets]
    queries += [(person, None) for person in rng.sample(people, args.queries - len(queries))]

    lookup_times, sizes, found = [], [], 0
    for query, target in queries:
        started = time.perf_counter()
        candidates = index.candidates(query)
        lookup_times.append(time.perf_counter() - started)
        sizes.append(len(candidates))
        if target is not None and target in {position for position, _ in best_links(query, candidates)}:
            found += 1
    lookup_times.sort()
    print(
        f"BlockingIndex.candidates over {len(people):,} people, {len(queries):,} queries: "
        f"median {statistics.median(lookup_times) * 1e6:.0f} us, "
        f"p99 {lookup_times[int(len(lookup_times) * 0.99)] * 1e6:.0f} us, "
        f"mean {statistics.mean(sizes):.1f} candidates (max {max(sizes)})"
    )
    print(f"blurred copies linked to their original: {found}/{len(targets)}")

    pairs = [(query, person) for query, _ in queries[:200] for person in rng.sample(people, 1_000)]
    started = time.perf_counter()
    for a, b in pairs:
        score(a, b)
    elapsed = time.perf_counter() - started
    print(f"score(): {len(pairs) / elapsed:,.0f} pairs/s over {len(pairs):,} random pairs")

    batches = [(query, [(person, 0) for person in rng.sample(people, 1_000)]) for query, _ in queries[:200]]
    started = time.perf_counter()
    for query, candidates in batches:
        best_links(query, candidates)
    elapsed = time.perf_counter() - started
    print(f"best_links(): {len(batches) * 1_000 / elapsed:,.0f} pairs/s")

    started = time.perf_counter()
    for query, _ in queries:
        best_links(query, index.candidates(query))
    elapsed = time.perf_counter() - started
    print(f"lookup + best_links per person: {elapsed / len(queries) * 1e6:.0f} us")


if __name__ == "__main__":
    main()
