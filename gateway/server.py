"""Running the gateway's apps under real uvicorn servers.

`serve_in_process` runs one app in an existing loop (demo, tests, benchmarks); `serve_until_stopped` runs the
gateway and, when configured, its operations app on their own addresses in the same loop (`family-context
serve`), and stops both when either stops (Ctrl+C, SIGTERM, or one failing to start); `serve_workers` runs N
worker processes on the port, each on a listening socket of its own that the parent binds (`family-context serve
--workers N`; `gateway/supervisor.py` says why, restarts a worker that dies, stops all on SIGTERM or SIGINT, and
gives up if a worker cannot start).

Every connection gets `TCP_NODELAY` (`NoDelayHttpToolsProtocol`, `NoDelayH11Protocol`): asyncio sets it only
on sockets whose protocol number says TCP, and a socket bound by uvicorn's parent process for its workers says 0,
so a response written in two parts waited for the client's delayed ACK, 40 ms per response (measured). The
HTTP parser is httptools (C) where installed, else h11; the event loop uvloop where installed
(`loop_factory`), else asyncio's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol


@dataclass(frozen=True)
class ServedApp:
    url: str
    stopped: asyncio.Task[None]


@dataclass(frozen=True)
class Listener:
    """One app and the address it is served on."""

    app: Any  # an ASGI app
    host: str
    port: int


# Idle keep-alive connections are held longer than the clients and load balancers in front usually hold theirs
# (60 s is common), so that the server is never the side that closes a connection a client is about to reuse.
KEEP_ALIVE_S = 75
LISTEN_BACKLOG = 2048  # uvicorn's default

HttpParser = Literal["auto", "httptools", "h11"]
LoopKind = Literal["auto", "uvloop", "asyncio"]


def _no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):  # the client may already have gone
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with `TCP_NODELAY` on every connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is not installed: h11 serves
    HTTPTOOLS = False
else:
    HTTPTOOLS = True

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, with `TCP_NODELAY` on every connection."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            _no_delay(transport)
            super().connection_made(transport)


def http_protocol(parser: HttpParser = "auto") -> type[asyncio.Protocol]:
    """The HTTP protocol class to serve with: httptools where installed (or asked), else h11."""
    if parser == "h11" or not HTTPTOOLS:
        if parser == "httptools":
            raise RuntimeError("httptools is not installed")
        return NoDelayH11Protocol
    return NoDelayHttpToolsProtocol


def loop_factory(kind: LoopKind = "auto") -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop where installed (or asked), else None: asyncio's own."""
    if kind == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if kind == "uvloop":
            raise
        return None
    return uvloop.new_event_loop


def uvicorn_config(
    app: Any,
    *,
    host: str,
    port: int,
    log_level: str,
    parser: HttpParser = "auto",
    loop: LoopKind = "auto",
    **more: Any,
) -> uvicorn.Config:
    # uvicorn's access log prints paths with query strings; the gateway logs its own requests, without them.
    # log_config=None: the process's logging is the gateway's (`gateway.logs`), not replaced by uvicorn's.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        access_log=False,
        log_level=log_level,
        log_config=None,
        timeout_keep_alive=KEEP_ALIVE_S,
        http=http_protocol(parser),
        ws="none",
        loop="asyncio" if loop == "asyncio" else "auto" if loop == "auto" else "uvloop",
        backlog=LISTEN_BACKLOG,
        **more,
    )


def _server(app: Any, host: str, port: int, log_level: str, parser: HttpParser = "auto") -> uvicorn.Server:
    return uvicorn.Server(uvicorn_config(app, host=host, port=port, log_level=log_level, parser=parser))


@contextlib.asynccontextmanager
async def serve_in_process(app: Any, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[ServedApp]:
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


async def serve_until_stopped(
    listeners: Sequence[Listener], *, log_level: str = "info", parser: HttpParser = "auto"
) -> bool:
    """Serve every listener until one of them stops, then stop the others too.

    True when every server had started (and was then asked to stop); False when one failed to start (its
    lifespan failed, say: uvicorn has logged why).
    """
    servers = [_server(li.app, li.host, li.port, log_level.lower(), parser) for li in listeners]
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)
    return all(server.started for server in servers)


def bind_socket(host: str, port: int, reuse_port: bool = False, listen: bool = True) -> socket.socket:
    """A listening socket for workers, bound by the parent (TCP_NODELAY set on it too; each accepted connection
    also gets it from the protocol); with `reuse_port`, one of several on the port (`gateway/supervisor.py`);
    without `listen`, only bound (the port taken, no connection accepted)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
        if listen:
            sock.listen(LISTEN_BACKLOG)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


def serve_workers(
    factory: str,
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    parser: HttpParser = "auto",
    loop: LoopKind = "auto",
) -> bool:
    """Serve the app made by `factory` ("module:function", called in each worker) in `workers` processes on the
    port, each on a socket of its own bound here, until SIGTERM or SIGINT. False when a worker could not start (its
    log says why)."""
    from uvicorn.config import STARTUP_FAILURE

    from gateway.supervisor import Supervisor, listening_sockets

    config = uvicorn_config(
        factory, host=host, port=port, log_level=log_level.lower(), parser=parser, loop=loop, factory=True,
        workers=workers,
    )  # fmt: skip
    sockets = listening_sockets(bind_socket, host, port, workers)
    try:
        supervisor = Supervisor(config, sockets, workers)
        supervisor.run()
    finally:
        for sock in sockets:
            sock.close()
    return not any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
