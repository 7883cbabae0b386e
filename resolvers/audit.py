"""What one request showed, collected as it is resolved, and turned into the audit trail's events.

Resolvers call the recorder at the point where personal data is about to be returned (a child opened, a household's
members, a person's service flags, an involvement's details, a page of search results), so events follow what was
resolved, whatever the query's aliases, fragments or root field. `events` then adds what the request's access
decided: denials and break-glass. The schema's audit hook (`schema/audit_hook.py`) writes the events before the
response may leave.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from auth.access import RequestAccess
from auth.principal import Principal
from resolvers.audit_trail import AuditAction, AuditEvent
from sources.model import SERVICES, Service


def _ordered(ids: dict[str, None]) -> tuple[str, ...]:
    return tuple(ids)


@dataclass
class AuditRecorder:
    searches: list[str] = field(default_factory=list)  # each search's terms, as recorded
    listed: dict[str, None] = field(default_factory=dict)  # people listed in search results (an ordered set)
    basic_details: dict[str, None] = field(default_factory=dict)  # people whose basic details were returned
    flags: set[Service] = field(default_factory=set)  # services whose flags were returned, for anyone
    service_details: dict[Service, dict[str, None]] = field(default_factory=dict)  # service -> people
    audit_reads: list[str] = field(default_factory=list)  # each read of the trail, with its filter

    def searched(self, terms: str) -> None:
        """A search was made with these terms (kept for the audit trail only, never logged)."""
        self.searches.append(terms)

    def listed_in_results(self, subject_id: str) -> None:
        self.listed.setdefault(subject_id, None)

    def viewed_basic_details(self, subject_id: str) -> None:
        self.basic_details.setdefault(subject_id, None)

    def viewed_service_flags(self, subject_id: str, services: list[Service]) -> None:
        """The outcome of these services' checks on this person was returned."""
        self.basic_details.setdefault(subject_id, None)
        self.flags.update(services)

    def viewed_service_details(self, subject_id: str, service: Service) -> None:
        self.service_details.setdefault(service, {}).setdefault(subject_id, None)

    def read_audit(self, description: str) -> None:
        self.audit_reads.append(description)

    def events(
        self,
        principal: Principal,
        access: RequestAccess,
        request_id: str,
        at: datetime.datetime,
        *,
        client: str | None = None,
    ) -> list[AuditEvent]:
        """One event per action of this request (none when it returned and withheld nothing personal). `client`:
        the calling application as recorded (default: the one the token was issued to)."""

        def event(action: AuditAction, **content: object) -> AuditEvent:
            return AuditEvent(
                at=at,
                actor_id=principal.id,
                actor_name=principal.name,
                roles=tuple(sorted(r.value for r in principal.roles)),
                team=principal.team,
                client_id=client if client is not None else principal.client_id,
                purpose=principal.purpose.value if principal.purpose else None,
                case_reference=principal.case_reference,
                request_id=request_id,
                action=action,
                **content,  # type: ignore[arg-type]
            )

        found = [event(AuditAction.SEARCHED, search_terms=terms) for terms in self.searches]
        if self.listed:
            found.append(event(AuditAction.VIEWED_RESULTS, subject_ids=_ordered(self.listed)))
        if self.basic_details:
            services = tuple(s.value for s in SERVICES if s in self.flags)
            found.append(
                event(AuditAction.VIEWED_BASIC_DETAILS, subject_ids=_ordered(self.basic_details), services=services)
            )
        for service in SERVICES:
            if service in self.service_details:
                found.append(
                    event(
                        AuditAction.VIEWED_SERVICE_DETAILS,
                        subject_ids=_ordered(self.service_details[service]),
                        services=(service.value,),
                    )
                )
        if access.break_glass_subjects:
            found.append(
                event(
                    AuditAction.BREAK_GLASS,
                    subject_ids=tuple(sorted(access.break_glass_subjects)),
                    reason=principal.break_glass_reason,
                )
            )
        for denied in access.denials:
            what = denied.field_class.value if denied.field_class else "record"
            found.append(
                event(
                    AuditAction.ACCESS_DENIED,
                    subject_ids=tuple(sorted(access.refused_subjects)) if denied.field_class is None else (),
                    services=(denied.service.value,) if denied.service else (),
                    reason=f"{what} withheld ({denied.code}): {denied.message}",
                )
            )
        found.extend(event(AuditAction.READ_AUDIT, search_terms=description) for description in self.audit_reads)
        return found
