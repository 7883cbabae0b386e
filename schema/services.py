"""Service checks and involvements: shapes over `sources.model` values and `resolvers.views`.

Flags (is the person known, who to call) and details (offences, housing statuses, dates) are separate classes, so
that a role or a purpose can get the first without the second (`schema/access.py`).
"""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo

from schema.access import detail, flag, held, linkage, operations
from schema.enums import (
    AdmissionType,
    CaseStatus,
    CheckOutcome,
    InvolvementStatus,
    OffenceInvolvement,
    PoliceOutcome,
    SafeguardingOffenceCategory,
    Service,
    SourceHealth,
)
from schema.values import Coverage, MatchEvidence, Practitioner
from sources import model


@strawberry.type(name="SourceRecord")
class SourceRecord:
    system: str = flag()
    record_id: str | None = linkage()
    as_of: datetime.datetime | None = flag()
    match: MatchEvidence | None = linkage()


@strawberry.interface
class ServiceInvolvement:
    service: Service = flag()
    status: InvolvementStatus = flag()
    organisation: str | None = flag()
    practitioner: Practitioner | None = flag()
    start_date: datetime.date | None = detail()
    end_date: datetime.date | None = detail()
    last_contact: datetime.date | None = detail()
    source: SourceRecord | None = flag()


@strawberry.type
class AdultSocialCareInvolvement(ServiceInvolvement):
    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.AdultSocialCareInvolvement)


@strawberry.type
class SchoolInvolvement(ServiceInvolvement):
    school_name: str | None = flag()
    admission_type: AdmissionType | None = detail()

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.SchoolInvolvement)


@strawberry.type
class HousingInvolvement(ServiceInvolvement):
    tenancy_start: datetime.date | None = detail()
    anti_social_behaviour: CaseStatus | None = detail()
    eviction: CaseStatus | None = detail()
    notice_seeking_possession: CaseStatus | None = detail()
    rent_arrears: CaseStatus | None = detail()

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.HousingInvolvement)


@strawberry.type
class Offence:
    date: datetime.date | None = held()
    category: SafeguardingOffenceCategory = held()
    involvement: OffenceInvolvement = held()
    outcome: PoliceOutcome | None = held(
        "What came of it: convicted, cautioned, charged (awaiting court), under investigation, no further action."
    )


@strawberry.type
class PoliceInvolvement(ServiceInvolvement):
    police_area: str | None = flag()
    safeguarding_offences: list[Offence] | None = detail("At most three, most recent first.")
    has_non_safeguarding_records: bool | None = detail()

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.PoliceInvolvement)


INVOLVEMENT_TYPES = (AdultSocialCareInvolvement, SchoolInvolvement, HousingInvolvement, PoliceInvolvement)


@strawberry.type
class ServiceCheck:
    service: Service = flag()
    outcome: CheckOutcome = flag()
    involvements: list[ServiceInvolvement] | None = flag(
        "Involvements found; null when not permitted or not checked, empty when NOT_KNOWN."
    )
    as_of: datetime.datetime | None = flag()
    coverage: Coverage | None = flag()
    explanation: str = flag(
        "Plain words a social worker can act on, e.g. 'Not applicable: police records are shown from age 18'."
    )


@strawberry.type
class SourceLink:
    service: Service = held()
    system: str = held()
    record_id: str | None = held()
    match: MatchEvidence = held()


@strawberry.type
class Source:
    service: Service = operations()
    system: str | None = operations('e.g. "Stockport Homes", "Synergy"')
    organisation: str | None = operations()
    connected: bool = operations()
    as_of: datetime.datetime | None = operations()
    coverage: Coverage | None = operations()
    health: SourceHealth = operations()
