"""Browser-facing hardening headers on every response of the gateway.

Why on every response and in one place: the API answers JSON that holds children's details, and a header that a
route forgets is a header that is missing on the one response that mattered (an error page, a 404, a preflight).

* `X-Content-Type-Options: nosniff`: a JSON answer is never run as a script or rendered as HTML;
* `Referrer-Policy: no-referrer`: no URL of ours is sent on to another site;
* `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: nothing of ours is framed (clickjacking);
* `Content-Security-Policy: default-src 'none'`: an API response loads nothing. A response that sets its own CSP
  keeps it (GraphiQL's page needs its own scripts and styles, see `gateway/graphiql.py`);
* `Cache-Control: no-store` on `/graphql`: answers (and errors) about children are never kept by a browser or a
  proxy cache, whatever their status.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'"
NO_STORE = "no-store"

_ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", API_CSP.encode()),
)


class SecurityHeadersMiddleware:
    """Adds the headers above to each response that does not set them itself; `no_store_paths` always get
    `Cache-Control: no-store`."""

    def __init__(self, app: ASGIApp, *, no_store_paths: Iterable[str] = ("/graphql",)) -> None:
        self.app = app
        self._no_store_paths = frozenset(no_store_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = scope.get("path", "") in self._no_store_paths

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if no_store:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", NO_STORE.encode()))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _ALWAYS if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_hardened)
