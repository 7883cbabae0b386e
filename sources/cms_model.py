"""The children's case-management system (CMS) in common terms: children, people and recorded relationships.

The CMS is not a service: it is where the child, the case, the allocated worker and the relationships come from.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from linkage.demographics import Demographics
from sources.mappers.person import demographics_of
from sources.model import Address, Gender, Name, Practitioner, RelationshipType


@dataclass(frozen=True, kw_only=True)
class CmsPerson:
    """Anyone the CMS holds: `C…` ids are children known to the CMS, `P…` ids other people."""

    person_id: str
    system: str
    name: Name
    date_of_birth: datetime.date | None
    gender: Gender | None
    address: Address | None  # current=True
    previous_addresses: tuple[Address, ...] = ()  # current=False

    @property
    def addresses(self) -> tuple[Address, ...]:
        return ((self.address,) if self.address else ()) + self.previous_addresses

    @property
    def demographics(self) -> Demographics:
        return demographics_of(
            given_name=self.name.given,
            family_name=self.name.family,
            date_of_birth=self.date_of_birth,
            gender=self.gender,
            addresses=self.addresses,
        )


@dataclass(frozen=True, kw_only=True)
class CmsChild(CmsPerson):
    """A child with a case in the CMS."""

    case_reference: str | None
    allocated_worker: Practitioner | None


@dataclass(frozen=True, kw_only=True)
class CmsRelationship:
    """A relationship recorded in the CMS, from the child's side, with the related person's basic details."""

    child_id: str
    person_id: str
    system: str
    relationship: RelationshipType
    lives_with: bool | None
    name: Name
    date_of_birth: datetime.date | None
    gender: Gender | None
    address: Address | None

    @property
    def demographics(self) -> Demographics:
        return demographics_of(
            given_name=self.name.given,
            family_name=self.name.family,
            date_of_birth=self.date_of_birth,
            gender=self.gender,
            addresses=(self.address,) if self.address else (),
        )
