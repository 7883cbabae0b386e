"""A small real aiohttp upstream on port 0 whose behaviour each test sets (`upstream.handler = ...`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Upstream:
    def __init__(self) -> None:
        self.handler: Handler = self.ok
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.url = ""

    async def ok(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True})

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self.handler(request)
        finally:
            self.in_flight -= 1


async def serving_upstream() -> AsyncIterator[Upstream]:
    state = Upstream()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", state.dispatch)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield state
    await runner.cleanup()
