"""Different people who share a name and a birth year, planted across households.

Twins and a father and son with the same full name are planted inside a household (see `households`); this module
adds the cross-household case, which is what merges two strangers when linkage trusts name and age alone.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict

from sandbox.ground_truth import GroundTruthLedger
from sandbox.people import Person

# Roles whose family name is their own, so renaming them does not break a family's naming.
_INDEPENDENT_ROLES = ("lodger", "parents_partner")


def plant_same_name_same_birth_year(
    people: list[Person], rng: random.Random, ledger: GroundTruthLedger, pairs: int
) -> list[Person]:
    """Give `pairs` people the full name of someone else born in the same year, in another household."""
    people = list(people)
    position = {p.person_id: i for i, p in enumerate(people)}
    given_in_household: dict[str, set[str]] = defaultdict(set)
    for person in people:
        given_in_household[person.household_id].add(person.given_name)
    planted = 0
    # Never rename someone already in a near-duplicate (a twin, a junior): that would undo what was planted.
    taken = ledger.near_duplicate_person_ids()
    # First the natural collisions: same family name, sex and birth year; only the given name needs to agree.
    groups: dict[tuple[str, str, int], list[Person]] = defaultdict(list)
    for person in people:
        groups[(person.family_name, person.gender, person.date_of_birth.year)].append(person)
    candidates = [g for g in groups.values() if len({p.household_id for p in g}) >= 2]
    rng.shuffle(candidates)
    for group in candidates:
        if planted >= pairs:
            return people
        first = group[0]
        second = next(p for p in group if p.household_id != first.household_id)
        if (
            first.given_name == second.given_name
            or first.given_name in given_in_household[second.household_id]
            or second.person_id in taken
        ):
            continue
        taken.add(second.person_id)
        people[position[second.person_id]] = dataclasses.replace(second, given_name=first.given_name)
        given_in_household[second.household_id].add(first.given_name)
        ledger.near_duplicate("same_name_same_birth_year", first.person_id, second.person_id)
        planted += 1
    # Then, if the population is too small for enough natural collisions, make some from independent adults.
    movable = [p for p in people if p.role in _INDEPENDENT_ROLES and not p.former_family_names]
    rng.shuffle(movable)
    for second in movable:
        if planted >= pairs:
            break
        first = rng.choice(people)
        if (
            first.household_id == second.household_id
            or first.gender != second.gender
            or first.role == "child"
            or first.given_name in given_in_household[second.household_id]
            or second.person_id in taken
        ):
            continue
        taken.add(second.person_id)
        dob = second.date_of_birth
        moved_dob = dob.replace(year=first.date_of_birth.year, day=min(dob.day, 28))
        people[position[second.person_id]] = dataclasses.replace(
            second, given_name=first.given_name, family_name=first.family_name, date_of_birth=moved_dob
        )
        ledger.near_duplicate("same_name_same_birth_year", first.person_id, second.person_id)
        planted += 1
    return people
