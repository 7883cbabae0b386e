"""The one place in a request's path where its audit events are written, before the response leaves.

The events (`resolvers/audit.py`) are committed to the trail (`resolvers/audit_trail.py`) after the operation has
been resolved and before strawberry hands the result back to the HTTP layer. If they cannot be written, no
personal data is returned (fail closed): the response carries only an `AUDIT_UNAVAILABLE` error.

Every response that carries personal data waits for this commit, so it is observed: a span (`audit.append`, with
the number of events, never their content) in the request's trace, and the time it took, by outcome, to the
runtime's observer (`family_context_audit_append_seconds`, `gateway/metrics.py`).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import AsyncIterator

from graphql import GraphQLError
from opentelemetry import trace
from opentelemetry.trace import StatusCode
from strawberry.extensions import SchemaExtension

from resolvers.audit_trail import AppendOutcome, AuditEvent
from resolvers.context import RequestContext
from resolvers.errors import AUDIT_UNAVAILABLE
from sources import spans

log = logging.getLogger("family_context.audit")
_tracer = trace.get_tracer("family_context.audit")

AUDIT_FAILED = "The audit trail could not be written, so no personal data was returned. Please try again."
AUDIT_SPAN = "audit.append"


class AuditHook(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        result = self.execution_context.result
        if not isinstance(context, RequestContext) or result is None:
            return
        now = datetime.datetime.now(datetime.UTC)
        events = context.audit.events(context.principal, context.access, context.request_id, now, client=context.client)
        if not events:
            return
        failure = await _append(context, events)
        if failure is not None:
            log.error("audit write failed: %s id=%s", type(failure).__name__, context.request_id)
            result.data = None
            result.errors = [GraphQLError(AUDIT_FAILED, extensions={"code": AUDIT_UNAVAILABLE})]


async def _append(context: RequestContext, events: list[AuditEvent]) -> Exception | None:
    """Commit the request's events, in a span of their own; the failure, if they could not be committed."""
    started = time.perf_counter()
    failure: Exception | None = None
    with spans.span(_tracer, AUDIT_SPAN, attributes={"family_context.audit.events": len(events)}) as span:
        try:
            await context.runtime.audit_trail.append(events)
        except Exception as error:
            failure = error
            span.set_status(StatusCode.ERROR)
    outcome: AppendOutcome = "ok" if failure is None else "failed"
    observe = context.runtime.observe_audit_append
    if observe is not None:
        try:
            observe(time.perf_counter() - started, outcome)
        except Exception:  # a broken metrics hook never fails the request
            log.exception("audit append observer failed")
    return failure
