"""The ground truth kept aside for measuring matching: who each record really is, and what was planted.

For every true person: the record ids that person has in each system (usually one; two when a stale duplicate
record was planted). Every planted discrepancy with its kind, and the true near-duplicates.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sandbox.people import Person

System = Literal["cms", "adult_social_care", "housing", "police", "school"]
SYSTEMS: tuple[System, ...] = ("cms", "adult_social_care", "housing", "police", "school")
HTTP_SYSTEMS: tuple[System, ...] = ("cms", "adult_social_care", "housing")
FILE_SYSTEMS: tuple[System, ...] = ("police", "school")

DiscrepancyKind = Literal[
    "nickname",
    "typo",
    "transposition",
    "family_name_changed",
    "dob_one_day",
    "dob_day_month_swapped",
    "dob_year_off",
    "old_address",
    "missing_field",
    "bad_phone",
    "missing_email",
    "stale_record",
]
DISCREPANCY_KINDS: tuple[DiscrepancyKind, ...] = (
    "nickname",
    "typo",
    "transposition",
    "family_name_changed",
    "dob_one_day",
    "dob_day_month_swapped",
    "dob_year_off",
    "old_address",
    "missing_field",
    "bad_phone",
    "missing_email",
    "stale_record",
)
NearDuplicateKind = Literal["twins", "same_name_same_birth_year", "parent_child_same_name"]
NEAR_DUPLICATE_KINDS: tuple[NearDuplicateKind, ...] = ("twins", "same_name_same_birth_year", "parent_child_same_name")


@dataclass(frozen=True, kw_only=True)
class PlantedDiscrepancy:
    """One system's record differs from the truth in one way. `field` names what differs, e.g. `given_name`."""

    person_id: str
    system: System
    record_id: str
    kind: DiscrepancyKind
    field: str


@dataclass(frozen=True, kw_only=True)
class NearDuplicate:
    """Different people whose details are easy to confuse; linkage must keep them apart."""

    kind: NearDuplicateKind
    person_ids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PersonTruth:
    person_id: str
    household_id: str
    role: str
    records: Mapping[System, tuple[str, ...]]  # only systems that know the person; first id is the main one


@dataclass(frozen=True, kw_only=True)
class GroundTruth:
    seed: int
    households: int
    reference_date: datetime.date
    people: Mapping[str, PersonTruth]
    discrepancies: tuple[PlantedDiscrepancy, ...]
    near_duplicates: tuple[NearDuplicate, ...]

    def person_of(self, system: System, record_id: str) -> str | None:
        """The true person behind a record id, or None if no such record."""
        return self._owners.get((system, record_id))

    @functools.cached_property
    def _owners(self) -> dict[tuple[System, str], str]:
        # cached_property writes the instance __dict__ directly, so it works on a frozen dataclass.
        return {
            (system, rid): p.person_id for p in self.people.values() for system, ids in p.records.items() for rid in ids
        }

    def to_json(self) -> dict[str, Any]:
        """The ground truth as JSON-ready data (the shape of `ground_truth.json`)."""
        return {
            "seed": self.seed,
            "households": self.households,
            "referenceDate": self.reference_date.isoformat(),
            "people": [
                {
                    "personId": p.person_id,
                    "householdId": p.household_id,
                    "role": p.role,
                    "records": {system: list(ids) for system, ids in p.records.items()},
                }
                for p in self.people.values()
            ],
            "discrepancies": [
                {"personId": d.person_id, "system": d.system, "recordId": d.record_id, "kind": d.kind, "field": d.field}
                for d in self.discrepancies
            ],
            "nearDuplicates": [{"kind": n.kind, "personIds": list(n.person_ids)} for n in self.near_duplicates],
        }

    def write(self, path: Path) -> None:
        """Write `ground_truth.json`."""
        path.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")


class GroundTruthLedger:
    """Collects record ids and planted discrepancies while the systems' records are being built."""

    def __init__(self) -> None:
        self._records: dict[str, dict[System, list[str]]] = defaultdict(dict)
        self._discrepancies: list[PlantedDiscrepancy] = []
        self._near_duplicates: list[NearDuplicate] = []

    def record(self, person_id: str, system: System, record_id: str) -> None:
        self._records[person_id].setdefault(system, []).append(record_id)

    def plant(self, person_id: str, system: System, record_id: str, kind: DiscrepancyKind, field: str) -> None:
        self._discrepancies.append(
            PlantedDiscrepancy(person_id=person_id, system=system, record_id=record_id, kind=kind, field=field)
        )

    def near_duplicate(self, kind: NearDuplicateKind, *person_ids: str) -> None:
        self._near_duplicates.append(NearDuplicate(kind=kind, person_ids=person_ids))

    def near_duplicate_person_ids(self) -> set[str]:
        return {pid for n in self._near_duplicates for pid in n.person_ids}

    def freeze(
        self, *, seed: int, households: int, reference_date: datetime.date, people: tuple[Person, ...]
    ) -> GroundTruth:
        truths = {
            p.person_id: PersonTruth(
                person_id=p.person_id,
                household_id=p.household_id,
                role=p.role,
                records={system: tuple(ids) for system, ids in self._records.get(p.person_id, {}).items()},
            )
            for p in people
        }
        return GroundTruth(
            seed=seed,
            households=households,
            reference_date=reference_date,
            people=truths,
            discrepancies=tuple(self._discrepancies),
            near_duplicates=tuple(self._near_duplicates),
        )
