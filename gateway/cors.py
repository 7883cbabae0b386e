"""Cross-origin calls from the browser front ends an authority names (`[http] cors_origins`), and no others.

Why: a council's case-management front end on another origin calls `/graphql` from the browser with the worker's
bearer token. Only `POST` and the headers the gateway reads are allowed; `X-Request-Id` is exposed so the front end
can show it. A preflight is answered here, before sign-in (browsers send it without credentials). No origins
configured: no CORS headers at all, the browser's same-origin rule stands.

A request from an origin that is not listed is passed on as if CORS were off: it gets no CORS header, and a
preflight from it is answered by the app like any other `OPTIONS` request (a JSON 405 on `/graphql`), rather
than by Starlette's plain-text "Disallowed CORS origin".
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

ALLOWED_METHODS = ("POST",)
ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Purpose",
    "X-Case-Reference",
    "X-Break-Glass-Reason",
    "X-Request-Id",
)
EXPOSED_HEADERS = ("X-Request-Id",)
PREFLIGHT_MAX_AGE_S = 600


class _ListedOriginsOnly(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            origin = Headers(scope=scope).get("origin")
            if origin is not None and not self.is_allowed_origin(origin):
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def cors_middleware(origins: Sequence[str]) -> list[Middleware]:
    """The CORS middleware for these origins, or none at all when there are none."""
    if not origins:
        return []
    return [
        Middleware(
            _ListedOriginsOnly,
            allow_origins=list(origins),
            allow_methods=list(ALLOWED_METHODS),
            allow_headers=list(ALLOWED_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            allow_credentials=False,  # bearer tokens, never cookies
            max_age=PREFLIGHT_MAX_AGE_S,
        )
    ]
