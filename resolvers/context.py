"""The per-request context every resolver sees as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field

from auth.access import RequestAccess
from auth.principal import Principal
from resolvers.audit import AuditRecorder
from resolvers.failures import SourceFailures
from resolvers.loaders import Loaders
from resolvers.runtime import GatewayRuntime


@dataclass
class RequestContext:
    runtime: GatewayRuntime
    principal: Principal
    request_id: str
    loaders: Loaders
    access: RequestAccess
    failures: SourceFailures = field(default_factory=SourceFailures)
    audit: AuditRecorder = field(default_factory=AuditRecorder)

    @classmethod
    def create(cls, runtime: GatewayRuntime, principal: Principal, request_id: str) -> RequestContext:
        return cls(
            runtime=runtime,
            principal=principal,
            request_id=request_id,
            loaders=Loaders(runtime),
            access=RequestAccess(runtime.policy, principal),
        )
