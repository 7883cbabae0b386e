"""Running the gateway's apps under real uvicorn servers inside one event loop.

`serve_in_process` runs one app in an existing loop (demo, tests, benchmarks); `serve_until_stopped` runs the
gateway and, when configured, its operations app on their own addresses in the same loop (`family-context
serve`), and stops both when either stops (Ctrl+C, SIGTERM, or one failing to start).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette


@dataclass(frozen=True)
class ServedApp:
    url: str
    stopped: asyncio.Task[None]


@dataclass(frozen=True)
class Listener:
    """One app and the address it is served on."""

    app: Starlette
    host: str
    port: int


# Idle keep-alive connections are held longer than the clients and load balancers in front usually hold theirs
# (60 s is common), so that the server is never the side that closes a connection a client is about to reuse.
KEEP_ALIVE_S = 75


def _server(app: Starlette, host: str, port: int, log_level: str) -> uvicorn.Server:
    # uvicorn's access log prints paths with query strings; the gateway logs its own requests, without them.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        access_log=False,
        log_level=log_level,
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    return uvicorn.Server(config)


@contextlib.asynccontextmanager
async def serve_in_process(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[ServedApp]:
    """Run `app` under a real uvicorn server in this event loop.

    uvicorn handles Ctrl+C itself: it stops serving, and `ServedApp.stopped` completes.
    """
    server = _server(app, host, port, "warning")
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # re-raise a start-up failure (e.g. port in use)
                raise RuntimeError("the gateway stopped while starting")
            await asyncio.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()
        yield ServedApp(url=f"http://{_url_host(host)}:{bound[1]}", stopped=task)
    finally:
        server.should_exit = True
        await task


async def serve_until_stopped(listeners: Sequence[Listener], *, log_level: str = "info") -> bool:
    """Serve every listener until one of them stops, then stop the others too.

    True when every server had started (and was then asked to stop); False when one failed to start (its
    lifespan failed, say: uvicorn has logged why).
    """
    servers = [_server(listener.app, listener.host, listener.port, log_level.lower()) for listener in listeners]
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)
    return all(server.started for server in servers)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
