"""One request's view of the access policy: the principal, the policy's answers cached, and what was withheld.

Every resolver that returns personal data asks this object, once per object or field group; the schema's access
guard (`schema/access.py`) asks it for every classified field a resolver returns. It also keeps what the audit
trail needs to know about the request's access: the denials and the subjects opened by breaking the glass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auth.field_classes import FieldClass
from auth.policy import OUT_OF_REACH, AccessPolicy, Decision, Denied
from auth.principal import Principal
from sources.model import Practitioner, Service


class AccessDenied(Exception):
    """Raised where a denial nulls a field: carries the code and safe message the client sees."""

    def __init__(self, denied: Denied) -> None:
        super().__init__(denied.message)
        self.denied = denied
        self.code = denied.code
        self.message = denied.message
        self.extensions: dict[str, object] = {"code": denied.code}
        if denied.field_class is not None:
            self.extensions["fieldClass"] = denied.field_class.value
        if denied.service is not None:
            self.extensions["service"] = denied.service.value


@dataclass
class RequestAccess:
    policy: AccessPolicy
    principal: Principal
    denials: list[Denied] = field(default_factory=list)
    break_glass_subjects: set[str] = field(default_factory=set)  # global ids opened outside the principal's reach
    refused_subjects: set[str] = field(default_factory=set)  # global ids refused as outside the principal's reach
    memo: dict[object, Any] = field(default_factory=dict)  # per-request answers derived from decisions
    _decisions: dict[tuple[FieldClass, Service | None], Decision] = field(default_factory=dict)

    def decide(self, field_class: FieldClass, service: Service | None = None) -> Decision:
        key = (field_class, service)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self.policy.decide(self.principal, field_class, service)
            self._decisions[key] = decision
        return decision

    def allows(self, field_class: FieldClass, service: Service | None = None) -> bool:
        return not isinstance(self.decide(field_class, service), Denied)

    def require(self, field_class: FieldClass, service: Service | None = None) -> None:
        """Raise `AccessDenied` unless the class (of the service) is granted."""
        decision = self.decide(field_class, service)
        if isinstance(decision, Denied):
            self.denied(decision)
            raise AccessDenied(decision)

    def denied(self, decision: Denied) -> None:
        """Note a denial the response shows (a withheld field or a refused look-up), for the audit trail."""
        if decision not in self.denials:
            self.denials.append(decision)

    def require_search(self) -> None:
        decision = self.policy.may_search(self.principal)
        if isinstance(decision, Denied):
            self.denied(decision)
            raise AccessDenied(decision)

    @property
    def held_to_caseload(self) -> bool:
        return self.policy.held_to_caseload(self.principal)

    def reaches_child(self, allocated_worker: Practitioner | None) -> bool:
        return self.policy.reaches_child(self.principal, allocated_worker)

    @property
    def breaking_glass(self) -> bool:
        return self.principal.break_glass_reason is not None

    def open_outside_reach(self, subject_id: str) -> None:
        """Open a record outside the principal's reach: allowed with a break-glass reason (and recorded),
        refused without one."""
        if self.principal.break_glass_reason is None:
            denied = Denied("FORBIDDEN", OUT_OF_REACH)
            self.denied(denied)
            self.refused_subjects.add(subject_id)
            raise AccessDenied(denied)
        self.break_glass_subjects.add(subject_id)
