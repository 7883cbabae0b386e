"""Whatever a route lets escape becomes a coded JSON 500, never a stack trace or a plain-text page.

Why a middleware: Starlette's own last resort answers in plain text from outside every other middleware, so such
a response would lack the request id and the security headers. Placed innermost, this one lets them apply. The
exception is logged by its type and frames only: messages can hold the data being processed.
"""

from __future__ import annotations

import logging
import traceback

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.error_responses import error_response
from gateway.request_id import request_id_of
from resolvers.errors import INTERNAL

log = logging.getLogger("family_context.access")

INTERNAL_MESSAGE = "Something went wrong on our side. The error has been logged; please try again."


def log_crash(where: str, error: BaseException, request_id: str | None = None) -> None:
    """The exception's type and frames, never its message (it can hold the values being processed); with the
    request's id when a request was being served."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    if request_id is None:
        log.error("%s failed: %s\n%s", where, type(error).__name__, frames)
    else:
        log.error("%s failed: %s id=%s\n%s", where, type(error).__name__, request_id, frames)


class LastResortMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except Exception as error:
            log_crash(f"{scope.get('method')} route", error, request_id_of(scope))
            if started:
                raise
            await error_response(500, INTERNAL_MESSAGE, INTERNAL)(scope, receive, send)
