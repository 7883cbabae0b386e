"""The one place in a request's path where its audit events are written, before the response leaves.

The events (`resolvers/audit.py`) are committed to the trail (`resolvers/audit_trail.py`) after the operation has
been resolved and before strawberry hands the result back to the HTTP layer. If they cannot be written, no
personal data is returned (fail closed): the response carries only an `AUDIT_UNAVAILABLE` error.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from resolvers.context import RequestContext
from resolvers.errors import AUDIT_UNAVAILABLE

log = logging.getLogger("family_context.audit")

AUDIT_FAILED = "The audit trail could not be written, so no personal data was returned. Please try again."


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
        try:
            await context.runtime.audit_trail.append(events)
        except Exception as error:
            log.error("audit write failed: %s id=%s", type(error).__name__, context.request_id)
            result.data = None
            result.errors = [GraphQLError(AUDIT_FAILED, extensions={"code": AUDIT_UNAVAILABLE})]
