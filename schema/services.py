"""Service checks and involvements: shapes over `sources.model` values and `resolvers.views`.

Flags (is the person known, who to call) and details (offences, housing statuses, dates) are separate classes, so
that a role or a purpose can get the first without the second (`schema/access.py`).

Each service's own involvement type (`HousingInvolvement`, ...) implements `ServiceInvolvement` and is defined with
the service (`sources/services/<service>/graphql.py`); the schema gets them from the registry.
"""

from __future__ import annotations

import datetime

import strawberry

from schema.access import detail, flag, held, linkage, operations
from schema.enums import CheckOutcome, InvolvementStatus, Service, SourceHealth
from schema.values import Coverage, MatchEvidence, Practitioner


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
