"""`POST /graphql`: the request's path from HTTP to the schema, with its guards in order.

1. method: only POST (405); a query over GET would put search terms in URLs, and URLs end up in logs;
2. size: a body over `max_body_bytes` is refused (413), however it is sent, before it is read in full;
3. identity: the verifier must prove a principal, else 401 with a `WWW-Authenticate: Bearer` challenge, and
   nothing else happens: no context, no source touched (denied by default);
4. circumstances: a malformed `X-Purpose`, `X-Case-Reference` or `X-Break-Glass-Reason` is refused (400), never
   dropped, so a worker who stated a purpose never runs without it;
5. the body: a JSON object naming exactly one query operation to run (400 otherwise; `gateway/graphql_request.py`,
   `gateway/operation_check.py`), or a persisted operation by its hash; with `[persisted_operations] require`,
   only a persisted operation (`gateway/persisted.py`);
6. a per-request context: principal, request id, fresh DataLoaders, source failures, audit recorder;
7. the schema executes; its extensions shape errors and write the audit record; `shape_all` has the last word.
   A request over the caller's rate limit is refused before anything runs (`schema/limits.py`): 429, with
   `Retry-After`.

Every answer is JSON; every error carries `extensions.code`; anything unexpected is a coded 500, never a trace.
Each request is one OpenTelemetry span continuing the caller's trace (`gateway/tracing.py`), and is counted per
client (`apollographql-client-name`, `gateway/clients.py`), whose name the audit trail records too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError
from opentelemetry import trace
from opentelemetry.trace import StatusCode
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from auth.circumstances import BadCircumstances, read_circumstances
from auth.verifier import Unauthenticated
from gateway import tracing
from gateway.clients import ClientIdentity, ClientLabels
from gateway.error_responses import error_response
from gateway.graphql_request import (
    MISSING_QUERY,
    NOT_A_GRAPHQL_REQUEST,
    NOT_JSON_CONTENT,
    BadRequest,
    is_json_content_type,
    parse_graphql_request,
)
from gateway.last_resort import INTERNAL_MESSAGE, log_crash
from gateway.metrics import Metrics
from gateway.operation_check import (
    NO_OPERATION,
    QUERIES_ONLY,
    UNKNOWN_OPERATION,
    OperationRefused,
    check_operation,
)
from gateway.persisted import PersistedOperations, PersistedRefusal
from gateway.request_id import request_id_of
from gateway.running import Running
from gateway.settings import Limits, PersistedOperationsSettings
from resolvers.context import RequestContext
from resolvers.errors import BAD_USER_INPUT, INTERNAL, RATE_LIMITED, UNAUTHENTICATED
from schema.errors import shape_all
from sources.digits import whole_number

log = logging.getLogger("family_context.access")

REALM = "family-context"
POST_ONLY = "Send GraphQL requests as POST with a JSON body: queries over GET would put search terms in URLs."
TOO_LARGE_MESSAGE = "Request body too large: at most {limit} bytes."


def unauthenticated_response(refusal: Unauthenticated) -> JSONResponse:
    """401 with the RFC 6750 challenge: the error attributes only when credentials were sent and refused."""
    challenge = f'Bearer realm="{REALM}"'
    if refusal.error is not None:
        challenge += f', error="{_quotable(refusal.error)}", error_description="{_quotable(refusal.message)}"'
    return error_response(401, refusal.message, UNAUTHENTICATED, headers={"WWW-Authenticate": challenge})


class GraphQLResponse(JSONResponse):
    """A GraphQL result as JSON, encoded by orjson: the same bytes starlette's `JSONResponse` writes (UTF-8,
    compact), several times faster for a family-context answer of a few thousand values."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def rate_limited_for(errors: list[GraphQLError] | None) -> int | None:
    """The seconds to wait when the caller's rate limit refused the request (`RATE_LIMITED`), else None."""
    for error in errors or ():
        extensions = error.extensions or {}
        if extensions.get("code") == RATE_LIMITED:
            retry = extensions.get("retryAfter")
            return retry if isinstance(retry, int) and retry > 0 else 1
    return None


def _within(content_length: str, limit: int) -> bool:
    """Whether a Content-Length header is a number of bytes no larger than `limit`."""
    size = whole_number(content_length, max_digits=len(str(limit)))
    return size is not None and size <= limit


def _quotable(text: str) -> str:
    """Only the characters RFC 6750 allows in a quoted attribute (printable ASCII but `"` and `\\`)."""
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "'" for c in text)


@dataclass
class _SignedIn:
    """Set once the request's principal is proven."""

    yes: bool = False


class GraphQLEndpoint:
    """The ASGI app mounted at /graphql."""

    def __init__(
        self,
        schema: Schema,
        metrics: Metrics,
        running: Callable[[], Running],
        *,
        max_body_bytes: int,
        max_tokens: int,
        max_variable_depth: int = Limits.max_variable_depth,
        persisted: PersistedOperations | None = None,
        client_labels: ClientLabels | None = None,
    ) -> None:
        if max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        self._schema = schema
        self._metrics = metrics
        self._running = running
        self._max_body_bytes = max_body_bytes
        self._max_tokens = max_tokens
        self._max_variable_depth = max_variable_depth
        self._persisted = persisted if persisted is not None else PersistedOperations(PersistedOperationsSettings())
        self._client_labels = client_labels if client_labels is not None else ClientLabels(0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = request_id_of(scope)
        headers = Headers(scope=scope)
        client = ClientIdentity.of(headers)
        signed_in = _SignedIn()
        with tracing.request_span(headers, request_id) as span:
            try:
                response = await self._respond(scope, receive, request_id, client, signed_in)
            except Exception as error:
                log_crash("graphql endpoint", error, request_id)
                response = error_response(500, INTERNAL_MESSAGE, INTERNAL)
            # Only a signed-in caller's name may take one of the bounded labels; anyone else's counts as "other".
            label = self._client_labels.label(client, register=signed_in.yes)
            span.set_attribute("family_context.client", label)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(StatusCode.ERROR)
        try:
            await response(scope, receive, send)
        finally:
            elapsed = time.perf_counter() - started
            self._metrics.observe_request(response.status_code, elapsed)
            self._metrics.observe_client(label, response.status_code)
            # Method, status, duration and id only: paths and bodies can carry personal data.
            log.info(
                "%s /graphql %s %.1fms id=%s", scope.get("method"), response.status_code, elapsed * 1000, request_id
            )

    async def _respond(
        self, scope: Scope, receive: Receive, request_id: str, client: ClientIdentity, signed_in: _SignedIn
    ) -> Response:
        if scope.get("method") != "POST":
            return error_response(405, POST_ONLY, BAD_USER_INPUT, headers={"Allow": "POST"})
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and not _within(length, self._max_body_bytes):
            return self._too_large()
        body = await self._read_body(receive)
        if isinstance(body, Response):
            return body
        running = self._running()
        try:
            principal = await running.verifier.authenticate(headers)
        except Unauthenticated as refusal:
            return unauthenticated_response(refusal)
        signed_in.yes = True
        try:
            circumstances = read_circumstances(
                headers, break_glass_min_chars=running.runtime.policy.break_glass_min_chars
            )
        except BadCircumstances as refusal:
            return error_response(400, str(refusal), BAD_USER_INPUT)
        if not is_json_content_type(headers.get("content-type")):
            return error_response(415, NOT_JSON_CONTENT, BAD_USER_INPUT)
        try:
            request = self._persisted.resolve(parse_graphql_request(body, max_variable_depth=self._max_variable_depth))
            check_operation(request.query, request.operation_name, max_tokens=self._max_tokens)
        except BadRequest as refusal:
            return error_response(400, str(refusal), BAD_USER_INPUT)
        except OperationRefused as refusal:
            return error_response(400, refusal.message, refusal.code)
        except PersistedRefusal as refusal:
            return error_response(refusal.status, refusal.message, refusal.code)
        span = trace.get_current_span()
        span.set_attribute("graphql.operation.type", "query")
        if (name := tracing.operation_name(request.operation_name)) is not None:
            span.set_attribute("graphql.operation.name", name)
        span.set_attribute("family_context.persisted", request.persisted_hash is not None)
        applied = circumstances.apply_to(principal)
        context = RequestContext.create(
            running.runtime, applied, request_id, client=client.audit_label(applied.client_id)
        )
        try:
            result = await self._schema.execute(
                request.query,
                variable_values=request.variables,
                context_value=context,
                operation_name=request.operation_name,
                allowed_operation_types=(OperationType.QUERY,),
            )
        # The checks above refuse these first; strawberry's own refusals stay as a second line.
        except MissingQueryError:
            return error_response(400, MISSING_QUERY, BAD_USER_INPUT)
        except CannotGetOperationTypeError as refusal:
            message = NO_OPERATION if refusal.operation_name is None else UNKNOWN_OPERATION
            return error_response(400, message, BAD_USER_INPUT)
        except InvalidOperationTypeError:
            return error_response(400, QUERIES_ONLY, BAD_USER_INPUT)
        # Errors raised outside the schema's extensions (a crash inside a validation rule, say) are shaped here.
        result.errors = shape_all(result.errors)
        retry_after = rate_limited_for(result.errors)
        if retry_after is not None:  # refused before execution (schema/limits.py): nothing ran
            return GraphQLResponse(process_result(result), status_code=429, headers={"Retry-After": str(retry_after)})
        return GraphQLResponse(process_result(result))

    async def _read_body(self, receive: Receive) -> bytes | Response:
        """The whole body, read up to the size limit however it is sent (chunked or not)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return error_response(400, NOT_A_GRAPHQL_REQUEST, BAD_USER_INPUT)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max_body_bytes:
                return self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self) -> JSONResponse:
        return error_response(413, TOO_LARGE_MESSAGE.format(limit=self._max_body_bytes), BAD_USER_INPUT)
