"""`POST /graphql`: the request's path from HTTP to strawberry, with its guards in order.

1. size: a body over `max_body_bytes` is refused (413) before it is read in full;
2. identity: the configured `TokenVerifier` must prove a principal, else 401 and nothing else (denied by default);
3. a per-request context: principal, request id, fresh DataLoaders, source failures, audit recorder;
4. strawberry executes; errors are shaped and the audit record written by the schema's extensions.

Queries over GET are refused: a query string holds search terms, and URLs end up in logs.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.asgi import GraphQL

from auth.verifier import TokenVerifier
from gateway.metrics import Metrics
from resolvers.context import RequestContext
from resolvers.errors import BAD_USER_INPUT, UNAUTHENTICATED
from resolvers.runtime import GatewayRuntime

log = logging.getLogger("family_context.access")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UNAUTHENTICATED_MESSAGE = "Sign in first: this request carried no valid credentials."
TOO_LARGE_MESSAGE = "Request body too large: at most {limit} bytes."


def error_response(status: int, message: str, code: str, request_id: str) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers={"X-Request-Id": request_id},
    )


class _Strawberry(GraphQL[RequestContext, None]):
    async def get_context(self, request: Any, response: Any) -> RequestContext:
        context: RequestContext = request.scope["state"]["fc_context"]
        return context


class _BodyTooLarge(Exception):
    pass


class GraphQLEndpoint:
    """The ASGI app mounted at /graphql."""

    def __init__(
        self,
        schema: Schema,
        verifier: TokenVerifier,
        metrics: Metrics,
        runtime: Any,  # a zero-argument callable giving the running GatewayRuntime
        *,
        max_body_bytes: int,
    ) -> None:
        if max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        self._graphql = _Strawberry(schema, graphql_ide=None, allow_queries_via_get=False)
        self._verifier = verifier
        self._metrics = metrics
        self._runtime = runtime
        self._max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request = Request(scope)
        supplied = request.headers.get("x-request-id", "")
        request_id = supplied if REQUEST_ID.match(supplied) else uuid.uuid4().hex
        status_holder = {"status": 500}

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            response = await self._guard(scope, request, request_id)
            if response is not None:
                await response(scope, receive, send)
                status_holder["status"] = response.status_code
                return
            try:
                await self._graphql(scope, self._limited(receive), send_with_id)
            except _BodyTooLarge:
                response = self._too_large(request_id)
                status_holder["status"] = response.status_code
                await response(scope, receive, send)
        finally:
            elapsed = time.perf_counter() - started
            self._metrics.observe_request(status_holder["status"], elapsed)
            # Method, status, duration and id only: paths and bodies can carry personal data.
            log.info(
                "%s /graphql %s %.1fms id=%s", scope.get("method"), status_holder["status"], elapsed * 1000, request_id
            )

    async def _guard(self, scope: Scope, request: Request, request_id: str) -> Response | None:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self._max_body_bytes):
            return self._too_large(request_id)
        principal = self._verifier.verify(request.headers)
        if principal is None:
            return error_response(401, UNAUTHENTICATED_MESSAGE, UNAUTHENTICATED, request_id)
        runtime: GatewayRuntime = self._runtime()
        scope.setdefault("state", {})["fc_context"] = RequestContext.create(runtime, principal, request_id)
        return None

    def _too_large(self, request_id: str) -> JSONResponse:
        return error_response(413, TOO_LARGE_MESSAGE.format(limit=self._max_body_bytes), BAD_USER_INPUT, request_id)

    def _limited(self, receive: Receive) -> Receive:
        """A receive that stops a chunked body at the size limit, however it is sent."""
        seen = 0
        limit = self._max_body_bytes

        async def receive_limited() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge
            return message

        return receive_limited
