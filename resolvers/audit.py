"""What one request showed, collected as it is resolved, for the audit trail.

The schema's audit extension hands the collected record to the audit store before the response leaves; the
store and the four audit levels of domain.md arrive with the audit issue. Resolvers call `viewed_*` at the point
where personal data is about to be returned, so nothing reaches a client without passing through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from auth.principal import Principal
from sources.model import Service


@dataclass
class AuditRecorder:
    basic_details: set[str] = field(default_factory=set)  # global ids of people shown
    service_flags: dict[str, set[Service]] = field(default_factory=dict)  # person id -> services checked
    searches: list[object] = field(default_factory=list)  # the terms of each search made

    def searched(self, terms: object) -> None:
        """A search was made with these terms (kept for the audit record only, never logged)."""
        self.searches.append(terms)

    def viewed_basic_details(self, subject_id: str) -> None:
        self.basic_details.add(subject_id)

    def viewed_service_checks(self, subject_id: str, services: list[Service]) -> None:
        self.service_flags.setdefault(subject_id, set()).update(services)

    @property
    def is_empty(self) -> bool:
        return not (self.searches or self.basic_details or self.service_flags)


class AuditTrail(Protocol):
    """Where each request's audit record goes before its response may leave (the audit issue's store)."""

    async def record(self, principal: Principal, request_id: str, recorder: AuditRecorder) -> None: ...
