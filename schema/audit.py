"""`auditEvents` types: the audit trail as auditors read it. Every field is audit information (`schema/access.py`)."""

from __future__ import annotations

import datetime

import strawberry

from resolvers import ids
from resolvers.audit_trail import StoredEvent
from schema.access import held
from schema.enums import AuditAction, Purpose, Role, Service


@strawberry.input
class AuditFilter:
    actor_id: strawberry.ID | None = None
    subject_id: strawberry.ID | None = strawberry.field(
        default=None, description="A person's or child's id: who has looked at them?"
    )
    action: AuditAction | None = None
    from_: datetime.datetime | None = strawberry.field(default=None, name="from", description="Inclusive.")
    to: datetime.datetime | None = strawberry.field(default=None, description="Exclusive.")
    case_reference: str | None = None


@strawberry.type
class AuditEvent:
    id: strawberry.ID = held("The event's position in the trail, as an opaque id.")
    at: datetime.datetime = held()
    actor_id: strawberry.ID = held()
    actor_name: str | None = held()
    roles: list[Role] = held()
    team: str | None = held()
    client_id: str | None = held("The calling application (machine clients, or the client name a frontend sends).")
    purpose: Purpose | None = held()
    case_reference: str | None = held()
    action: AuditAction = held()
    subject_ids: list[strawberry.ID] = held()
    services: list[Service] = held()
    search_terms: str | None = held()
    reason: str | None = held("Why access was denied, or the break-glass reason given.")
    request_id: str = held()

    @staticmethod
    def of(stored: StoredEvent) -> AuditEvent:
        event = stored.event
        return AuditEvent(
            id=strawberry.ID(ids.audit_event_id(stored.position)),
            at=event.at,
            actor_id=strawberry.ID(event.actor_id),
            actor_name=event.actor_name,
            roles=[Role(r) for r in event.roles if r in Role.__members__],
            team=event.team,
            client_id=event.client_id,
            purpose=Purpose(event.purpose) if event.purpose in Purpose.__members__ else None,
            case_reference=event.case_reference,
            action=event.action,
            subject_ids=[strawberry.ID(s) for s in event.subject_ids],
            services=[Service(s) for s in event.services if s in Service.__members__],
            search_terms=event.search_terms,
            reason=event.reason,
            request_id=event.request_id,
        )


@strawberry.type
class AuditEventConnection:
    total_count: int = held()
    edges: list[AuditEvent] = held("Newest first.")
    end_cursor: str | None = held("Pass as `after` for the next page; null on the last page.")
