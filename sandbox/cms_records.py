"""What the children's case management system (CMS) holds: every child, and the relatives a worker recorded.

Every child gets a CMS record (`C` + 6 digits, in population order); the adults around the child are recorded
only some of the time (a parent's new partner often is not, a lodger never is), which is why the gateway has to
discover co-residents through housing and adult social care.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from sandbox.identity_copies import Identity, IdentityCopier
from sandbox.names import NamePools
from sandbox.people import Household, Person, RelationshipType, Role
from sandbox.practitioners import Practitioner, practitioner_pool

CMS_COPY_DISCREPANCY_RATE = 0.05  # the CMS is the best-kept copy: social workers see these records daily

# Chance that a worker records an adult of this role as a relative, (living with the child, living elsewhere).
_RECORDED: dict[Role, tuple[float, float]] = {
    "mother": (0.97, 0.8),
    "father": (0.95, 0.6),
    "parent": (0.9, 0.6),
    "step_parent": (0.85, 0.5),
    "parents_partner": (0.45, 0.3),
    "grandparent": (0.8, 0.45),
    "adult_sibling": (0.55, 0.4),
    "lodger": (0.0, 0.0),
}
_TEAMS = (
    "Assessment Team 1",
    "Assessment Team 2",
    "Child in Need Team North",
    "Child in Need Team South",
    "Child Protection Team",
    "Children in Care Team",
)
_ROLES = ("Social Worker", "Social Worker", "Senior Social Worker", "Advanced Practitioner")


@dataclass(frozen=True, kw_only=True)
class CmsPerson:
    id: str
    identity: Identity
    case_reference: str | None  # children only
    allocated_worker: Practitioner | None  # children only; None: not allocated

    @property
    def is_child(self) -> bool:
        return self.id.startswith("C")


@dataclass(frozen=True, kw_only=True)
class CmsRelationship:
    person_id: str  # the relative's CMS id (a `C` id for a sibling who is a child)
    relationship: RelationshipType
    lives_with: bool


@dataclass(frozen=True, kw_only=True)
class CmsRecords:
    people: Mapping[str, CmsPerson]  # children first, in C order, then other people in P order
    relationships: Mapping[str, tuple[CmsRelationship, ...]]  # by child id


def build_cms_records(
    people: tuple[Person, ...],
    households: tuple[Household, ...],
    copier: IdentityCopier,
    rng: random.Random,
    pools: NamePools,
) -> CmsRecords:
    """Record every child and, by role, some of the adults around them."""
    workers = practitioner_pool(
        rng,
        pools,
        count=max(8, len(households) // 15),
        roles=_ROLES,
        teams=_TEAMS,
        email_domain="stockport.example.gov.uk",
        phone_prefix="0161 474",
    )
    by_id = {p.person_id: p for p in people}
    cms_ids: dict[str, str] = {}
    records: dict[str, CmsPerson] = {}
    worker_of: dict[str, Practitioner | None] = {}
    for household in households:
        # Siblings share one allocated worker; some families are waiting for allocation.
        worker_of[household.household_id] = rng.choice(workers) if rng.random() < 0.8 else None
    children = [p for p in people if p.role == "child"]
    for number, child in enumerate(children, start=1):
        cms_id = f"C{number:06d}"
        cms_ids[child.person_id] = cms_id
        records[cms_id] = CmsPerson(
            id=cms_id,
            identity=copier.copy(child, "cms", cms_id, rate=CMS_COPY_DISCREPANCY_RATE),
            case_reference=f"CR-{number:06d}",
            allocated_worker=worker_of[child.household_id],
        )
    relatives = {k.relative_id: k.lives_with for h in households for k in h.kinships}
    number = 0
    for person in people:
        if person.role == "child" or person.person_id not in relatives:
            continue
        living_with, elsewhere = _RECORDED[person.role]
        if rng.random() >= (living_with if relatives[person.person_id] else elsewhere):
            continue
        number += 1
        cms_id = f"P{number:06d}"
        cms_ids[person.person_id] = cms_id
        records[cms_id] = CmsPerson(
            id=cms_id,
            identity=copier.copy(by_id[person.person_id], "cms", cms_id, rate=CMS_COPY_DISCREPANCY_RATE),
            case_reference=None,
            allocated_worker=None,
        )
    relationships: dict[str, tuple[CmsRelationship, ...]] = {}
    for household in households:
        for kinship in household.kinships:
            child_id = cms_ids[kinship.child_id]
            relative_id = cms_ids.get(kinship.relative_id)
            if relative_id is None:
                relationships.setdefault(child_id, ())
                continue
            relationships[child_id] = (
                *relationships.get(child_id, ()),
                CmsRelationship(
                    person_id=relative_id, relationship=kinship.relationship, lives_with=kinship.lives_with
                ),
            )
    for cms_id in records:
        if cms_id.startswith("C"):
            relationships.setdefault(cms_id, ())
    return CmsRecords(people=records, relationships=relationships)
