"""The synthetic population behind every simulated system, and its ground truth.

>>> population = generate(seed=1, households=200)
>>> child = population.children[0]                # the person behind CMS id C000001
>>> population.records_of(child).cms.id
'C000001'

`generate` is deterministic for a given (seed, households, reference date); the reference date defaults to today
so that "recent" evictions and offences stay recent for the display rules.
"""

from __future__ import annotations

import datetime
import functools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sandbox.asc_records import AscClient, build_asc_records
from sandbox.cms_records import CmsPerson, CmsRecords, build_cms_records
from sandbox.ground_truth import GroundTruth, GroundTruthLedger
from sandbox.households import HouseholdGenerator
from sandbox.housing_records import Tenant, build_housing_records
from sandbox.identity_copies import IdentityCopier
from sandbox.names import build_name_pools
from sandbox.near_duplicates import plant_same_name_same_birth_year
from sandbox.people import Household, Kinship, Person
from sandbox.places import AddressBook
from sandbox.police_records import PoliceRecord, build_police_records
from sandbox.school_records import Pupil, SchoolRecords, build_school_records


@dataclass(frozen=True, kw_only=True)
class PersonRecords:
    """One true person's records in every system (empty when the system does not know the person)."""

    person: Person
    cms: CmsPerson | None
    adult_social_care: tuple[AscClient, ...]
    housing: tuple[Tenant, ...]
    police: tuple[PoliceRecord, ...]
    school: tuple[Pupil, ...]


@dataclass(frozen=True, kw_only=True)
class Population:
    seed: int
    reference_date: datetime.date
    households: tuple[Household, ...]
    people: tuple[Person, ...]
    children: tuple[Person, ...]  # in CMS id order: children[0] is C000001
    cms: CmsRecords
    adult_social_care: tuple[AscClient, ...]
    housing: tuple[Tenant, ...]
    police: tuple[PoliceRecord, ...]
    police_extracted_at: datetime.datetime
    school: SchoolRecords
    ground_truth: GroundTruth

    def person(self, person_id: str) -> Person:
        """The true person with this ground-truth id."""
        return self._people_by_id[person_id]

    def records_of(self, person: Person | str) -> PersonRecords:
        """What each system holds about a true person (or ground-truth person id)."""
        found = self.person(person) if isinstance(person, str) else person
        ids = self.ground_truth.people[found.person_id].records
        cms_ids = ids.get("cms", ())
        return PersonRecords(
            person=found,
            cms=self.cms.people[cms_ids[0]] if cms_ids else None,
            adult_social_care=tuple(self._asc_by_id[i] for i in ids.get("adult_social_care", ())),
            housing=tuple(self._housing_by_ref[i] for i in ids.get("housing", ())),
            police=tuple(self._police_by_id[i] for i in ids.get("police", ())),
            school=tuple(self._pupils_by_upn[i] for i in ids.get("school", ())),
        )

    def kinships_of(self, child: Person | str) -> tuple[Kinship, ...]:
        """The true relationships of a child to the people around it (recorded in the CMS or not)."""
        found = self.person(child) if isinstance(child, str) else child
        household = self._households_by_id[found.household_id]
        return tuple(k for k in household.kinships if k.child_id == found.person_id)

    def write_ground_truth(self, path: Path) -> None:
        """Write the ground truth as JSON (`ground_truth.json`)."""
        self.ground_truth.write(path)

    # Look-up tables built on first use; cached_property writes __dict__ directly, which a frozen dataclass allows.
    @functools.cached_property
    def _people_by_id(self) -> Mapping[str, Person]:
        return {p.person_id: p for p in self.people}

    @functools.cached_property
    def _households_by_id(self) -> Mapping[str, Household]:
        return {h.household_id: h for h in self.households}

    @functools.cached_property
    def _asc_by_id(self) -> Mapping[str, AscClient]:
        return {c.client_id: c for c in self.adult_social_care}

    @functools.cached_property
    def _housing_by_ref(self) -> Mapping[str, Tenant]:
        return {t.person_ref: t for t in self.housing}

    @functools.cached_property
    def _police_by_id(self) -> Mapping[str, PoliceRecord]:
        return {r.record_id: r for r in self.police}

    @functools.cached_property
    def _pupils_by_upn(self) -> Mapping[str, Pupil]:
        return {p.upn: p for p in self.school.pupils}


def generate(seed: int, households: int, *, today: datetime.date | None = None) -> Population:
    """Generate `households` households (about 3.3 people each) and every system's records about them.

    Each stage draws from its own generator seeded from `seed`, so a change to one system's proportions does not
    reshuffle the people or the other systems.
    """
    if households < 1:
        raise ValueError("a population needs at least one household")
    today = today or datetime.date.today()

    def stage(name: str) -> random.Random:
        return random.Random(f"{seed}:{name}")  # str seeds hash with SHA-512: stable across runs and platforms

    pools = build_name_pools(seed)
    ledger = GroundTruthLedger()
    generator = HouseholdGenerator(
        stage("households"), pools, AddressBook(stage("places"), pools.street_stems), today, ledger
    )
    all_households: list[Household] = []
    people: list[Person] = []
    for number in range(1, households + 1):
        household, members = generator.household(number)
        all_households.append(household)
        people.extend(members)
    people = plant_same_name_same_birth_year(people, stage("near_duplicates"), ledger, pairs=max(2, len(people) // 250))
    frozen_people = tuple(people)
    frozen_households = tuple(all_households)
    copier = IdentityCopier(stage("copies"), ledger)
    cms = build_cms_records(frozen_people, frozen_households, copier, stage("cms"), pools)
    asc = build_asc_records(frozen_people, copier, ledger, stage("adult_social_care"), pools, today)
    housing = build_housing_records(frozen_people, frozen_households, copier, ledger, stage("housing"), pools, today)
    police = build_police_records(frozen_people, copier, ledger, stage("police"), today)
    school = build_school_records(frozen_people, copier, ledger, stage("school"), pools, today)
    truth = ledger.freeze(seed=seed, households=households, reference_date=today, people=frozen_people)
    return Population(
        seed=seed,
        reference_date=today,
        households=frozen_households,
        people=frozen_people,
        children=tuple(p for p in frozen_people if p.role == "child"),
        cms=cms,
        adult_social_care=asc,
        housing=housing,
        police=police,
        school=school,
        ground_truth=truth,
        # The extract is refreshed nightly at 02:00.
        police_extracted_at=datetime.datetime.combine(today, datetime.time(2, 0), tzinfo=datetime.UTC),
    )
