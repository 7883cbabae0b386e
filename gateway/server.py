"""Running the app under a real uvicorn server inside an existing event loop (demo, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette


@dataclass(frozen=True)
class ServedApp:
    url: str
    stopped: asyncio.Task[None]


@contextlib.asynccontextmanager
async def serve_in_process(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[ServedApp]:
    """Run `app` under a real uvicorn server in this event loop.

    uvicorn handles Ctrl+C itself: it stops serving, and `ServedApp.stopped` completes.
    """
    config = uvicorn.Config(app, host=host, port=port, lifespan="on", access_log=False, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # re-raise a start-up failure (e.g. port in use)
                raise RuntimeError("the gateway stopped while starting")
            await asyncio.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()
        yield ServedApp(url=f"http://{host}:{bound[1]}", stopped=task)
    finally:
        server.should_exit = True
        await task
