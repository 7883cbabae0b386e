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
after its requests in flight are answered, SIGHUP replaces the workers one at a time (each new one serving before
the old one stops, so the configuration file is read again without a moment unserved), a worker that stops is
replaced, and a worker that fails to start stops them all. SIGTTIN and SIGTTOU, which uvicorn's supervisor takes to
add or remove a worker, are ignored here (logged): the number of workers is the `--workers` given.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

log = logging.getLogger("family_context.serve")

CHECK_EVERY_S = 0.5  # how often the workers' health is checked and a signal looked for
STOPPING = (signal.SIGINT, signal.SIGTERM)
# Signals by name where the platform has them (Windows has neither SIGHUP nor SIGTTIN).
RESTARTING = tuple(getattr(signal, name) for name in ("SIGHUP",) if hasattr(signal, name))
READY_WITHIN_S = 60.0  # a new worker's start-up: imports, the app, the audit trail, the sources' files
IGNORED = tuple(getattr(signal, name) for name in ("SIGTTIN", "SIGTTOU") if hasattr(signal, name))


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
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (*STOPPING, *RESTARTING, *IGNORED)}
        try:
            self.processes = [self._start(k) for k in range(self._workers)]
            while not self._stop.wait(CHECK_EVERY_S):
                if self._stopping():
                    log.info("stopping the workers (%s)", ", ".join(signal.Signals(s).name for s in self._signals))
                    break
                if any(sig in RESTARTING for sig in self._signals):
                    self._signals[:] = [sig for sig in self._signals if sig not in RESTARTING]
                    self._restart_all()
                for sig in [s for s in self._signals if s in IGNORED]:
                    self._signals.remove(sig)
                    log.warning("%s ignored: the number of workers is fixed by --workers", signal.Signals(sig).name)
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

    def _restart_all(self) -> None:
        """Each worker in turn: a new one on its socket, serving before the old one is stopped. A new one that does
        not start in time is stopped, and the old ones are kept."""
        log.info("replacing the workers one at a time (SIGHUP)")
        for k, old in enumerate(self.processes):
            if self._stopping():
                return
            new = self._start(k)
            if not self._ready(new):
                new.kill()
                new.join()
                log.error("a new worker did not start in time; keeping the running ones")
                return
            old.terminate()
            old.join()
            self.processes[k] = new

    def _ready(self, process: Process) -> bool:
        """Whether a new worker is serving within `READY_WITHIN_S` (False at once if it stops, or on a stop signal)."""
        deadline = time.monotonic() + READY_WITHIN_S
        while not process.is_ready(timeout=1):
            if self._stopping() or not process.process.is_alive() or time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def _stopping(self) -> bool:
        return self._stop.is_set() or any(sig in STOPPING for sig in self._signals)

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
            if self._stopping():
                return
            log.warning("worker %s stopped (exit status %s); starting another", process.pid, process.exitcode)
            self.processes[k] = self._start(k)
