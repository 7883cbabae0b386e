"""The process's one HTTP session (gateway/runtime_factory.py) carries no cookie from one look-up to the next."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.runtime_factory import open_http_session


async def test_a_cookie_a_source_sets_is_never_sent_back() -> None:
    async def set_cookie(_request: web.Request) -> web.Response:
        response = web.json_response({})
        response.set_cookie("session", "for-one-user")
        return response

    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"cookie": request.headers.get("Cookie")})

    app = web.Application()
    app.router.add_get("/set", set_cookie)
    app.router.add_get("/echo", echo)
    async with TestServer(app, host="127.0.0.1", port=0) as server, open_http_session() as session:
        # By name, not by address: a cookie jar keeps no cookie set by an IP address, whatever the session.
        base = f"http://localhost:{server.port}"
        async with session.get(f"{base}/set") as response:
            assert response.cookies["session"].value == "for-one-user"  # the source did set it
        async with session.get(f"{base}/echo") as response:
            assert await response.json() == {"cookie": None}
