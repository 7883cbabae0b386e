"""A seeded synthetic population, with deliberate near-duplicates, for blocking tests."""

from __future__ import annotations

import datetime
import random

from linkage import Demographics

GIVEN = ["Robert", "Bob", "Jack", "John", "Jake", "Olivia", "Amelia", "Kate", "Catherine", "Peggy", "Margaret",
         "Harry", "George", "Oliver", "Mia", "Noah", "Leo", "Ava", "Isla", "Freya", "Liam", "Ella", "Zoë"]  # fmt: skip
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "O'Neil", "Patel",
          "Khan", "Smith-Jones", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Müller", "Hughes"]  # fmt: skip


def synthetic_people(count: int, seed: int = 7) -> list[Demographics]:
    rng = random.Random(seed)
    people = []
    for _ in range(count):
        people.append(
            Demographics(
                given_name=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                date_of_birth=datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(80 * 365)),
                gender=rng.choice(["FEMALE", "MALE", None]),
                postcode=f"LS{rng.randrange(1, 30)} {rng.randrange(1, 10)}{rng.choice('ABDEFG')}{rng.choice('HJLNP')}",
            )
        )
    return people
