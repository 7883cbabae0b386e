"""`family-context serve --workers N`: N worker processes, each accepting on a listening socket of its own.

Why a socket each. With one socket shared by every worker (uvicorn's own supervisor), whichever worker's loop woke
first accepted every connection waiting (asyncio and libuv both accept until the queue is empty), and a client that
keeps its connections open, as a reverse proxy's pool does, stayed where that burst put it. Measured with the
CPU benchmark's 32 keep-alive connections on `--workers 2`: all 32 on one worker in two starts of four, and 30 to
2 in a third; the idle worker's core did nothing, and two workers served fewer queries a second than one.

Here the parent binds the port once per worker with `SO_REUSEPORT`, and Linux spreads new connections across the
sockets by a hash of their addresses, so every worker gets its share whatever the clients do. The parent keeps the
sockets: a worker that dies is replaced on its own socket, and the connections queued there meanwhile are answered
by the replacement (until then, about 1/N of new connections wait for it). Where the platform does not spread
connections this way (not Linux), every worker shares one socket, as before.

The processes are uvicorn's (`uvicorn.supervisors.multiprocess.Process`: spawned, pinged, stopped with SIGTERM);
what is supervised here is only which socket each one gets, so this is written out rather than taken from
uvicorn's `Multiprocess`, which hands every worker every socket. As with it: SIGTERM or SIGINT stops every worker
after its requests in flight are answered, a worker that stops is replaced, and a worker that fails to start
stops them all.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

log = logging.getLogger("family_context.serve")

CHECK_EVERY_S = 0.5  # how often the workers' health is checked and a stop signal looked for
STOPPING = (signal.SIGINT, signal.SIGTERM)


def spreads_connections() -> bool:
    """Whether sockets bound to one port with `SO_REUSEPORT` share its new connections out (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_sockets(
    bind: Callable[[str, int, bool, bool], socket.socket], host: str, port: int, workers: int
) -> list[socket.socket]:
    """One listening socket per worker on the same port where connections are spread across them, else one.

    `bind(host, port, reuse_port, listen)` binds (and listens). The port is first bound without `SO_REUSEPORT`
    and without listening, so that a port another process listens on (even with `SO_REUSEPORT`, a gateway left
    running, say) is refused as in use instead of silently shared with it, and no connection can reach that first
    socket; port 0 becomes the port the kernel chose.
    """
    if workers <= 1 or not spreads_connections():
        return [bind(host, port, False, True)]
    probe = bind(host, port, False, False)
    port = probe.getsockname()[1]
    probe.close()
    sockets: list[socket.socket] = []
    try:
        for _ in range(workers):
            sockets.append(bind(host, port, True, True))
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Supervisor:
    """Worker k serves on `sockets[k]` (all of them on the one shared socket, when there is only one)."""

    def __init__(self, config: uvicorn.Config, sockets: Sequence[socket.socket], workers: int) -> None:
        self._config = config
        self._sockets = list(sockets)
        self._workers = workers
        self._stop = threading.Event()
        self._signals: list[int] = []
        self.processes: list[Process] = []

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOPPING}
        try:
            self.processes = [self._start(k) for k in range(self._workers)]
            while not self._stop.wait(CHECK_EVERY_S):
                if self._signals:
                    log.info("stopping the workers (%s)", signal.Signals(self._signals[0]).name)
                    break
                self._replace_stopped()
        finally:
            for process in self.processes:
                process.terminate()
            for process in self.processes:
                process.join()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals.append(signum)  # acted on by the loop in `run`, outside the handler

    def _socket_of(self, k: int) -> socket.socket:
        return self._sockets[k] if len(self._sockets) > 1 else self._sockets[0]

    def _start(self, k: int) -> Process:
        process = Process(self._config, [self._socket_of(k)])
        process.start()
        return process

    def _replace_stopped(self) -> None:
        for k, process in enumerate(self.processes):
            if process.is_alive(timeout=self._config.timeout_worker_healthcheck):
                continue
            process.kill()  # it may be hung rather than gone
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # the app or its configuration: every restart would fail too
                log.error("worker %s failed to start; stopping the others", process.pid)
                self._stop.set()
                return
            if self._stop.is_set() or self._signals:
                return
            log.warning("worker %s stopped (exit status %s); starting another", process.pid, process.exitcode)
            self.processes[k] = self._start(k)
