"""Service checks and involvements: shapes over `sources.model` values and `resolvers.views`."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo

from schema.enums import (
    AdmissionType,
    CaseStatus,
    CheckOutcome,
    InvolvementStatus,
    OffenceInvolvement,
    SafeguardingOffenceCategory,
    Service,
    SourceHealth,
)
from schema.values import Coverage, MatchEvidence, Practitioner
from sources import model


@strawberry.type(name="SourceRecord")
class SourceRecord:
    system: str
    record_id: str | None
    as_of: datetime.datetime | None
    match: MatchEvidence | None


@strawberry.interface
class ServiceInvolvement:
    service: Service
    status: InvolvementStatus
    organisation: str | None
    practitioner: Practitioner | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    last_contact: datetime.date | None
    source: SourceRecord | None


@strawberry.type
class AdultSocialCareInvolvement(ServiceInvolvement):
    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.AdultSocialCareInvolvement)


@strawberry.type
class SchoolInvolvement(ServiceInvolvement):
    school_name: str | None
    admission_type: AdmissionType | None

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.SchoolInvolvement)


@strawberry.type
class HousingInvolvement(ServiceInvolvement):
    tenancy_start: datetime.date | None
    anti_social_behaviour: CaseStatus | None
    eviction: CaseStatus | None
    notice_seeking_possession: CaseStatus | None
    rent_arrears: CaseStatus | None

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.HousingInvolvement)


@strawberry.type
class Offence:
    date: datetime.date | None
    category: SafeguardingOffenceCategory
    involvement: OffenceInvolvement


@strawberry.type
class PoliceInvolvement(ServiceInvolvement):
    police_area: str | None
    safeguarding_offences: list[Offence] | None = strawberry.field(description="At most three, most recent first.")
    has_non_safeguarding_records: bool | None

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.PoliceInvolvement)


INVOLVEMENT_TYPES = (AdultSocialCareInvolvement, SchoolInvolvement, HousingInvolvement, PoliceInvolvement)


@strawberry.type
class ServiceCheck:
    service: Service
    outcome: CheckOutcome
    involvements: list[ServiceInvolvement] | None = strawberry.field(
        description="Involvements found; null when not permitted or not checked, empty when NOT_KNOWN."
    )
    as_of: datetime.datetime | None
    coverage: Coverage | None
    explanation: str = strawberry.field(
        description=(
            "Plain words a social worker can act on, e.g. 'Not applicable: police records are shown from age 18'."
        )
    )


@strawberry.type
class SourceLink:
    service: Service
    system: str
    record_id: str | None
    match: MatchEvidence


@strawberry.type
class Source:
    service: Service
    system: str | None = strawberry.field(description='e.g. "Stockport Homes", "Synergy"')
    organisation: str | None
    connected: bool
    as_of: datetime.datetime | None
    coverage: Coverage | None
    health: SourceHealth
