"""The synthetic population: deterministic, realistic in shape, with every planted discrepancy in the truth."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path

from sandbox.ground_truth import DISCREPANCY_KINDS, NEAR_DUPLICATE_KINDS, SYSTEMS
from sandbox.identity_copies import IDENTITY_DISCREPANCY_KINDS
from sandbox.people import Person
from sandbox.population import Population, generate

DAY = datetime.date(2026, 11, 27)


def test_same_seed_same_population() -> None:
    first, second = generate(3, 40, today=DAY), generate(3, 40, today=DAY)

    assert first.people == second.people
    assert first.cms == second.cms
    assert first.housing == second.housing
    assert first.ground_truth.to_json() == second.ground_truth.to_json()


def test_another_seed_another_population() -> None:
    assert generate(3, 40, today=DAY).people != generate(4, 40, today=DAY).people


def test_children_have_cms_ids_in_order(population: Population) -> None:
    ids = [population.records_of(child).cms.id for child in population.children]  # type: ignore[union-attr]

    assert ids[0] == "C000001"
    assert ids == [f"C{n:06d}" for n in range(1, len(ids) + 1)]
    assert all(child.age_on(population.reference_date) < 18 for child in population.children)


def test_one_household_always_has_child_one() -> None:
    population = generate(11, 1)

    assert population.cms.people["C000001"].is_child


def test_other_cms_people_have_p_ids_and_not_every_adult_is_recorded(population: Population) -> None:
    adults = [p for p in population.people if p.role != "child"]
    recorded = [p for p in adults if population.records_of(p).cms is not None]

    assert all(population.records_of(p).cms.id.startswith("P") for p in recorded)  # type: ignore[union-attr]
    assert 0.4 < len(recorded) / len(adults) < 0.95
    lodgers = [p for p in adults if p.role == "lodger"]
    assert all(population.records_of(p).cms is None for p in lodgers)


def test_households_hold_every_kind_of_adult(population: Population) -> None:
    roles = Counter(p.role for p in population.people)

    for role in (
        "child",
        "mother",
        "father",
        "parent",
        "step_parent",
        "parents_partner",
        "grandparent",
        "adult_sibling",
        "lodger",
    ):
        assert roles[role] > 0, role
    relationships = {k.relationship for h in population.households for k in h.kinships}
    assert {
        "MOTHER",
        "FATHER",
        "STEP_PARENT",
        "PARENTS_PARTNER",
        "SIBLING",
        "HALF_SIBLING",
        "GRANDPARENT",
        "OTHER_ADULT_IN_HOUSEHOLD",
    } <= relationships


def test_names_and_addresses_look_british_and_varied(population: Population) -> None:
    family_names = [p.family_name for p in population.people]

    assert any("-" in name for name in family_names)
    assert any("'" in name for name in family_names)
    assert all(h.address.postcode[:4] in {f"SK{d} " for d in range(1, 9)} for h in population.households)
    assert any(h.previous_addresses for h in population.households)


def test_system_proportions_are_realistic(population: Population) -> None:
    today = population.reference_date
    truth = population.ground_truth.people
    adults = [p for p in population.people if p.age_on(today) >= 18]
    school_age = [p for p in population.people if 4 <= p.age_on(today) <= 16]

    def share(people: list[Person], system: str) -> float:
        return sum(1 for p in people if system in truth[p.person_id].records) / len(people)

    assert 0.15 < share(adults, "adult_social_care") < 0.35
    assert 0.08 < share(adults, "police") < 0.25
    assert share(school_age, "school") == 1.0
    tenancies = {t.tenancy.tenancy_ref for t in population.housing if t.tenancy and t.tenancy.end_date is None}
    assert 0.2 < len(tenancies) / len(population.households) < 0.4


def test_every_discrepancy_kind_is_planted_and_recorded(population: Population) -> None:
    planted = Counter(d.kind for d in population.ground_truth.discrepancies)

    assert set(planted) == set(DISCREPANCY_KINDS)
    assert {n.kind for n in population.ground_truth.near_duplicates} == set(NEAR_DUPLICATE_KINDS)


def test_most_copies_are_clean(population: Population) -> None:
    truth = population.ground_truth
    for system in ("adult_social_care", "housing", "police", "school"):
        copies = sum(len(p.records.get(system, ())) for p in truth.people.values())
        distorted = sum(1 for d in truth.discrepancies if d.system == system and d.kind in IDENTITY_DISCREPANCY_KINDS)
        assert 0.05 < distorted / copies < 0.25, system


def test_a_planted_discrepancy_is_visible_in_the_record(population: Population) -> None:
    for discrepancy in population.ground_truth.discrepancies:
        if discrepancy.system != "adult_social_care":
            continue
        person = population.person(discrepancy.person_id)
        (client,) = [c for c in population.adult_social_care if c.client_id == discrepancy.record_id]
        identity = client.identity
        if discrepancy.kind == "nickname":
            assert identity.given_name != person.given_name
        elif discrepancy.kind == "dob_day_month_swapped":
            assert identity.date_of_birth == person.date_of_birth.replace(
                day=person.date_of_birth.month, month=person.date_of_birth.day
            )
        elif discrepancy.kind == "family_name_changed":
            assert identity.family_name in person.former_family_names
        elif discrepancy.kind == "missing_email":
            assert all(p.keyworker.email is None for p in client.support_plans if p.keyworker)


def test_over_half_of_adult_social_care_records_miss_the_email(population: Population) -> None:
    missing = {d.record_id for d in population.ground_truth.discrepancies if d.kind == "missing_email"}
    with_keyworker = [c for c in population.adult_social_care if any(p.keyworker for p in c.support_plans)]

    assert len(missing) / len(with_keyworker) > 0.5


def test_near_duplicates_are_what_they_claim(population: Population) -> None:
    for near in population.ground_truth.near_duplicates:
        first, second = (population.person(pid) for pid in near.person_ids)
        assert first.person_id != second.person_id
        if near.kind == "twins":
            assert first.date_of_birth == second.date_of_birth
            assert first.address == second.address
            assert first.given_name != second.given_name
        elif near.kind == "same_name_same_birth_year":
            assert (first.given_name, first.family_name) == (second.given_name, second.family_name)
            assert first.date_of_birth.year == second.date_of_birth.year
            assert first.household_id != second.household_id
        else:
            assert (first.given_name, first.family_name) == (second.given_name, second.family_name)
            assert {first.role, second.role} == {"father", "child"}


def test_records_of_a_person_follow_the_ground_truth(population: Population) -> None:
    for person in population.people[:200]:
        records = population.records_of(person)
        ids = population.ground_truth.people[person.person_id].records
        assert [c.client_id for c in records.adult_social_care] == list(ids.get("adult_social_care", ()))
        assert [t.person_ref for t in records.housing] == list(ids.get("housing", ()))
        assert [p.upn for p in records.school] == list(ids.get("school", ()))
        assert [r.record_id for r in records.police] == list(ids.get("police", ()))
        for system, system_ids in ids.items():
            assert all(population.ground_truth.person_of(system, i) == person.person_id for i in system_ids)


def test_ground_truth_is_written_as_json(population: Population, tmp_path: Path) -> None:
    path = tmp_path / "ground_truth.json"

    population.write_ground_truth(path)
    written = json.loads(path.read_text(encoding="utf-8"))

    assert written["seed"] == population.seed
    assert len(written["people"]) == len(population.people)
    assert {d["kind"] for d in written["discrepancies"]} == set(DISCREPANCY_KINDS)
    assert set().union(*(p["records"] for p in written["people"])) == set(SYSTEMS)
    first = written["people"][0]
    assert set(first) == {"personId", "householdId", "role", "records"}
