"""One request id per request, returned as exactly one `X-Request-Id` header on every response.

Why a middleware and not each route: a request id is how a social worker's "it went wrong at 10:14" is found in
the logs, so every response must carry it, including the ones no route wrote (404, 405, a CORS preflight); and a
route that set the header itself must not end up sending two. A client's own id is kept when it is sane (a short
token of letters, digits, `.`, `_`, `-`), so that a front end can correlate; anything else is replaced, never
echoed (it would land in our logs and in the caller's).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STATE_KEY = "request_id"


def choose_request_id(supplied: str | None) -> str:
    """The client's id when it is sane, else a new one."""
    if supplied and SANE_REQUEST_ID.match(supplied):
        return supplied
    return uuid.uuid4().hex


def request_id_of(scope: Scope) -> str:
    """The id `RequestIdMiddleware` chose for this request (chosen here, once, when the app runs without it)."""
    state: dict[str, Any] = scope.setdefault("state", {})
    request_id = state.get(_STATE_KEY)
    if not isinstance(request_id, str):
        request_id = choose_request_id(Headers(scope=scope).get("x-request-id"))
        state[_STATE_KEY] = request_id
    return request_id


class RequestIdMiddleware:
    """Chooses the request's id (see `request_id_of`) and sets it as the one `X-Request-Id` of the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = request_id_of(scope).encode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message["headers"] = [*headers, (HEADER, value)]
            await send(message)

        await self.app(scope, receive, send_with_id)
