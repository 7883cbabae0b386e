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
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from auth.verifier import TokenVerifier
from gateway.metrics import Metrics
from resolvers.context import RequestContext
from resolvers.errors import BAD_USER_INPUT, INTERNAL, UNAUTHENTICATED
from resolvers.runtime import GatewayRuntime
from schema.errors import shape_all

log = logging.getLogger("family_context.access")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UNAUTHENTICATED_MESSAGE = "Sign in first: this request carried no valid credentials."
TOO_LARGE_MESSAGE = "Request body too large: at most {limit} bytes."
NOT_A_GRAPHQL_REQUEST = 'Expected a JSON object: {"query": "...", "variables": {...}, "operationName": "..."}.'
INTERNAL_MESSAGE = "Something went wrong on our side. The error has been logged; please try again."


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

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Errors raised outside the schema's extensions (a crash inside a validation rule, say) are shaped here.
        result.errors = shape_all(result.errors)
        return process_result(result)


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
        state = {"status": 500, "started": False}

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            response = self._guard(scope, request, request_id)
            body = b""
            if response is None and scope.get("method") == "POST":
                body, response = await self._read_body(receive, request, request_id)
            if response is not None:
                await response(scope, receive, send_with_id)
                return
            try:
                await self._graphql(scope, _replay(body, receive), send_with_id)
            except Exception as error:
                log.error("graphql endpoint failed: %s id=%s", type(error).__name__, request_id)
                if not state["started"]:
                    await error_response(500, INTERNAL_MESSAGE, INTERNAL, request_id)(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self._metrics.observe_request(int(state["status"]), elapsed)
            # Method, status, duration and id only: paths and bodies can carry personal data.
            log.info("%s /graphql %s %.1fms id=%s", scope.get("method"), state["status"], elapsed * 1000, request_id)

    def _guard(self, scope: Scope, request: Request, request_id: str) -> Response | None:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self._max_body_bytes):
            return self._too_large(request_id)
        principal = self._verifier.verify(request.headers)
        if principal is None:
            return error_response(401, UNAUTHENTICATED_MESSAGE, UNAUTHENTICATED, request_id)
        runtime: GatewayRuntime = self._runtime()
        scope.setdefault("state", {})["fc_context"] = RequestContext.create(runtime, principal, request_id)
        return None

    async def _read_body(self, receive: Receive, request: Request, request_id: str) -> tuple[bytes, Response | None]:
        """The whole body, read up to the size limit however it is sent (chunked or not), checked for shape."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"", error_response(400, NOT_A_GRAPHQL_REQUEST, BAD_USER_INPUT, request_id)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max_body_bytes:
                return b"", self._too_large(request_id)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        is_json = request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"
        if is_json and not (body.lstrip().startswith(b"{") and _is_utf8(body)):
            return b"", error_response(400, NOT_A_GRAPHQL_REQUEST, BAD_USER_INPUT, request_id)
        return body, None

    def _too_large(self, request_id: str) -> JSONResponse:
        return error_response(413, TOO_LARGE_MESSAGE.format(limit=self._max_body_bytes), BAD_USER_INPUT, request_id)


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands strawberry the body already read, then whatever the connection says next."""
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
