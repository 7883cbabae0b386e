"""The per-request context every resolver sees as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field

from auth.access import RequestAccess
from auth.principal import Principal
from resolvers.audit import AuditRecorder
from resolvers.deadline import RequestDeadline
from resolvers.failures import SourceFailures
from resolvers.loaders import Loaders
from resolvers.runtime import GatewayRuntime
from resolvers.views import IndividualView


@dataclass
class RequestContext:
    runtime: GatewayRuntime
    principal: Principal
    request_id: str
    loaders: Loaders
    access: RequestAccess
    failures: SourceFailures = field(default_factory=SourceFailures)
    audit: AuditRecorder = field(default_factory=AuditRecorder)
    deadline: RequestDeadline = field(default_factory=RequestDeadline.unbounded)
    # The client as the audit trail records it (`gateway/clients.py`): the declared client, via the token's.
    client: str | None = None
    # A child's recorded household members, mapped when their look-ups were started early (`resolvers/household.py`).
    recorded_members: dict[str, list[IndividualView]] = field(default_factory=dict)

    @classmethod
    def create(
        cls, runtime: GatewayRuntime, principal: Principal, request_id: str, *, client: str | None = None
    ) -> RequestContext:
        """The context of a request starting now: its deadline runs from here (`[limits] request_timeout_s`)."""
        deadline = RequestDeadline.starting_now(runtime.request_timeout_s)
        return cls(
            runtime=runtime,
            principal=principal,
            request_id=request_id,
            loaders=Loaders(runtime, deadline=deadline),
            access=RequestAccess(runtime.policy, principal),
            deadline=deadline,
            client=client if client is not None else principal.client_id,
        )
