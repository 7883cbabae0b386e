"""What resolvers hand to the schema layer: plain frozen values, one per GraphQL object.

Scalar facts are plain attributes here so that the schema can expose them without a resolver per field.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from linkage.demographics import Demographics, MatchEvidence
from sources.model import (
    Address,
    CheckOutcome,
    Coverage,
    Gender,
    Involvement,
    Name,
    Practitioner,
    RelationshipType,
    Service,
    SourceHealth,
)


@dataclass(frozen=True, kw_only=True)
class IndividualView:
    id: str
    kind: Literal["child", "person"]
    home: str  # the system holding this record: "CMS", or the name of the service whose source holds it
    cms_id: str | None
    name: Name | None
    other_names: tuple[Name, ...]
    date_of_birth: datetime.date | None
    age: int | None
    gender: Gender | None
    addresses: tuple[Address, ...]
    demographics: Demographics
    allocated_worker: Practitioner | None = None
    allocated_worker_known: bool = False  # False: look the child up in the CMS when asked


@dataclass(frozen=True, kw_only=True)
class LinkBasisView:
    system: str
    kind: str


@dataclass(frozen=True, kw_only=True)
class HouseholdMemberView:
    individual: IndividualView
    relationship_to_child: RelationshipType
    lives_with_child: bool | None
    basis: tuple[LinkBasisView, ...]
    # Every record the member was found by (the CMS's and each source's), for reach checks; not shown.
    records: frozenset[str] = frozenset()


@dataclass(frozen=True, kw_only=True)
class HouseholdView:
    id: str
    address: Address | None
    members: tuple[HouseholdMemberView, ...]
    unavailable_sources: tuple[Service, ...] = ()  # sources that place people at the address but did not answer

    @property
    def incomplete(self) -> bool:
        return bool(self.unavailable_sources)


@dataclass(frozen=True, kw_only=True)
class ServiceCheckView:
    service: Service
    outcome: CheckOutcome
    involvements: tuple[Involvement, ...] | None
    as_of: datetime.datetime | None
    coverage: Coverage | None
    explanation: str


@dataclass(frozen=True, kw_only=True)
class SourceLinkView:
    service: Service
    system: str
    record_id: str | None
    match: MatchEvidence


@dataclass(frozen=True, kw_only=True)
class SourceView:
    service: Service
    system: str | None
    organisation: str | None
    connected: bool
    as_of: datetime.datetime | None
    coverage: Coverage | None
    health: SourceHealth
