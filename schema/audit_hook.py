"""The one place in a request's path where its audit record is written, before the response leaves.

If the record cannot be written, no personal data is returned (fail closed): the response carries only an
`AUDIT_UNAVAILABLE` error.
"""

from __future__ import annotations

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
        trail = context.runtime.audit_trail
        if trail is None or context.audit.is_empty:
            return
        try:
            await trail.record(context.principal, context.request_id, context.audit)
        except Exception as error:
            log.error("audit write failed: %s", type(error).__name__)
            result.data = None
            result.errors = [GraphQLError(AUDIT_FAILED, extensions={"code": AUDIT_UNAVAILABLE})]
