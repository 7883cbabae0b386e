"""How `family-context serve` serves: TCP_NODELAY on every connection, `--workers N` processes on one port, and
the garbage collector tuned, frozen after start-up and timed.

The worker test runs a real `serve --workers 2` process in front of the simulated systems (as an operator runs
it): both workers start, both answer queries (each worker counts its own requests in its `/metrics`), each
listens on a socket of its own so that connections held open are spread across them, and SIGTERM stops the
parent and every worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from benchmarks.audit_overhead import free_port, wait_healthy
from benchmarks.gateway_cpu import descendants
from benchmarks.serve_process import process_cpu_seconds
from gateway import gc_tuning
from gateway.demo import demo_config, write_config
from gateway.graphiql import EXAMPLE_QUERY
from gateway.server import NoDelayH11Protocol, http_protocol, uvicorn_config
from sandbox.runner import start_sandbox

ROOT = Path(__file__).resolve().parents[2]


def tiny_app() -> Starlette:
    return Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])


def proto_zero_listener() -> socket.socket:
    """A listening socket as uvicorn's parent binds one for its workers: protocol number 0, not IPPROTO_TCP, so
    asyncio does not set TCP_NODELAY on what it accepts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


async def server_side_nodelay(protocol: type[asyncio.Protocol]) -> list[int]:
    """Serve on a protocol-0 socket with `protocol`, make two connections, and read TCP_NODELAY on the server's
    side of each."""
    import uvicorn

    sock = proto_zero_listener()
    config = uvicorn_config(tiny_app(), host="127.0.0.1", port=0, log_level="warning")
    config.http = protocol
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        port = sock.getsockname()[1]
        writers = []
        for _ in range(2):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            assert b"200 OK" in await reader.readuntil(b"\r\n\r\n")
            writers.append(writer)
        connections: Any = server.server_state.connections
        found = [
            c.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for c in connections
        ]
        for writer in writers:
            writer.close()
        return found
    finally:
        server.should_exit = True
        await task
        sock.close()


async def test_every_connection_gets_tcp_nodelay_even_on_a_socket_asyncio_would_not_set_it_on() -> None:
    assert http_protocol("h11") is NoDelayH11Protocol
    ours = await server_side_nodelay(http_protocol("auto"))
    plain = await server_side_nodelay(H11Protocol)
    assert len(ours) == 2 and all(ours)
    assert plain == [0, 0]  # uvicorn's own protocol on such a socket: the 40 ms stall this fixes


def test_gc_tuned_frozen_after_startup_and_timed() -> None:
    thresholds = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    try:
        started: list[str] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            assert scope["type"] == "lifespan"
            await receive()
            started.append("up")
            await send({"type": "lifespan.startup.complete"})

        served = gc_tuning.prepare("tuned", app)
        assert gc.get_threshold() == (gc_tuning.GEN0_THRESHOLD, gc_tuning.GEN1_THRESHOLD, gc_tuning.GEN2_THRESHOLD)
        kept = [object() for _ in range(100)]
        sent: list[str] = []

        async def receive() -> dict[str, str]:
            return {"type": "lifespan.startup"}

        async def send(message: dict[str, str]) -> None:
            sent.append(message["type"])
            assert gc.get_freeze_count() == frozen_before  # not before the server is told start-up is complete

        asyncio.run(served({"type": "lifespan"}, receive, send))  # type: ignore[arg-type]
        assert started == ["up"] and sent == ["lifespan.startup.complete"]
        assert gc.get_freeze_count() > frozen_before + len(kept)

        before = gc_tuning.PAUSES.totals()
        gc.collect()
        after = gc_tuning.PAUSES.totals()
        assert after[2][0] == before[2][0] + 1 and after[2][1] > before[2][1]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert gc_tuning.prepare("default", app) is app
    assert gc.get_threshold() == thresholds


async def metrics_of(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(f"{url}/metrics") as response:
        return await response.text()


@pytest.fixture
async def workers_config(tmp_path: Path) -> AsyncIterator[Path]:
    async with start_sandbox(tmp_path / "sandbox", seed=3, households=20) as sandbox:
        yield write_config(demo_config(sandbox), tmp_path / "authority.toml")  # development sign-in, loopback


async def test_serve_with_two_workers_answers_from_both_and_stops_on_sigterm(
    workers_config: Path, tmp_path: Path
) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.cli", "serve", "--config", str(workers_config), "--port", str(port),
            "--workers", "2", "--log-level", "WARNING",
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, process)
        deadline = time.monotonic() + 30
        while len(workers := descendants(process.pid)) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        # uvicorn's spawned workers (a resource tracker may sit beside them)
        serving = [pid for pid in workers if "gateway.workers" in _environment_marker(pid)]
        assert len(serving) == 2, workers
        cpu_before = {pid: process_cpu_seconds(pid) for pid in serving}
        # A new connection each time: the kernel hands each to whichever worker accepts it first.
        for n in range(40):
            async with aiohttp.ClientSession() as session:
                request = {"query": EXAMPLE_QUERY.replace("C000001", f"C{1 + n % 5:06d}")}
                async with session.post(f"{url}/graphql", json=request, headers={"X-Purpose": "ASSESSMENT"}) as r:
                    body = await r.json()
                    assert r.status == 200 and not body.get("errors"), body
                assert "family_context_gc_pause_seconds_count" in await metrics_of(session, url)
        worked = {pid: process_cpu_seconds(pid) - cpu_before[pid] for pid in serving}
        assert all(seconds > 0.02 for seconds in worked.values()), worked  # both workers answered some

        # Each worker listens on a socket of its own, so connections opened at once (a proxy's pool, kept open)
        # are spread across the workers, not all taken by the first to wake (`gateway/supervisor.py`).
        listening = {pid: _sockets_of(pid, port, LISTEN) for pid in serving}
        assert all(len(inodes) == 1 for inodes in listening.values()), listening
        assert len(set().union(*listening.values())) == 2, listening
        pool = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(64)]
        try:
            held = await _accepted(serving, port, len(pool))
            assert sum(held.values()) == len(pool) and min(held.values()) >= 10, held
        finally:
            for connection in pool:
                connection.close()

        # A worker that dies is replaced on its own socket, and the gateway goes on answering.
        lost = serving[0]
        os.kill(lost, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = [pid for pid in descendants(process.pid) if "gateway.workers" in _environment_marker(pid)]
            replacement = [pid for pid in now if pid not in serving]
            if replacement and _sockets_of(replacement[0], port, LISTEN):
                break
            await asyncio.sleep(0.2)
        assert replacement, "no worker replaced the one that died"
        assert _sockets_of(replacement[0], port, LISTEN) == listening[lost]
        serving = [serving[1], replacement[0]]
        async with aiohttp.ClientSession() as session:
            assert "family_context_gc_pause_seconds_count" in await metrics_of(session, url)

        # SIGTTIN (uvicorn's "one more worker") is ignored; SIGHUP replaces both workers, each on its own socket,
        # while the gateway goes on answering.
        sockets_before = {pid: _sockets_of(pid, port, LISTEN) for pid in serving}
        process.send_signal(signal.SIGTTIN)
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 120
        answered = 0
        while time.monotonic() < deadline:
            now = [pid for pid in descendants(process.pid) if "gateway.workers" in _environment_marker(pid)]
            if len(now) == 2 and not set(now) & set(serving) and all(_sockets_of(pid, port, LISTEN) for pid in now):
                break
            async with aiohttp.ClientSession() as session:
                await metrics_of(session, url)
                answered += 1
            await asyncio.sleep(0.1)
        assert len(now) == 2 and not set(now) & set(serving), (serving, now)
        assert {frozenset(_sockets_of(pid, port, LISTEN)) for pid in now} == {
            frozenset(inodes) for inodes in sockets_before.values()
        }
        assert process.returncode is None and answered > 0
        serving = now
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=30)
    assert code == 0, log_path.read_text()
    assert all(not Path(f"/proc/{pid}").exists() for pid in serving)
    assert "Traceback" not in log_path.read_text()
    assert "SIGTTIN ignored" in log_path.read_text()


LISTEN, ESTABLISHED = "0A", "01"  # TCP states as /proc/net/tcp writes them


def _sockets_of(pid: int, port: int, state: str) -> set[str]:
    """The inodes of the process's TCP sockets on local `port` in `state`, read from /proc."""
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                held.add(target[len("socket:[") : -1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state and fields[9] in held:
                found.add(fields[9])
    return found


async def _accepted(pids: list[int], port: int, count: int) -> dict[int, int]:
    """How many connections on `port` each process holds, once `count` are accepted (or after 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        held = {pid: len(_sockets_of(pid, port, ESTABLISHED)) for pid in pids}
        if sum(held.values()) >= count or time.monotonic() > deadline:
            return held
        await asyncio.sleep(0.05)


def _environment_marker(pid: int) -> str:
    """A worker's command line names uvicorn's spawn entry; its environment names the config (both readable)."""
    try:
        environment = Path(f"/proc/{pid}/environ").read_bytes().decode("utf-8", "replace")
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""
    if "multiprocessing.spawn" in command and "FAMILY_CONTEXT_SERVE_CONFIG" in environment:
        return "gateway.workers"
    return ""


def _small_config(tmp_path: Path) -> dict[str, Any]:
    """An authority with development sign-in, an audit trail in `tmp_path` (key file `k`) and no source answering:
    enough for `serve` to start, or refuse to."""
    return {
        "authority": {"name": "A", "access_mode": "search_any"},
        "auth": {"mode": "development", "development": {"user_id": "u", "name": "U", "roles": ["SOCIAL_WORKER"]}},
        "audit": {"backend": "sqlite", "path": str(tmp_path / "audit.sqlite"), "key_file": str(tmp_path / "k")},
        "cms": {"system": "LCS", "kind": "cms_rest", "url": "http://127.0.0.1:9"},
        "sources": [],
    }


def _serve_two_workers(config: Path, *more: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """`serve --workers 2` with `config`, run to its end (these configurations never serve)."""
    command = [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config), "--workers", "2", *more]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)


@pytest.mark.parametrize("fault", ["audit trail cannot be opened", "audit key readable by others"])
def test_workers_that_cannot_start_stop_the_parent_with_status_1(tmp_path: Path, fault: str) -> None:
    """The configuration reads, but no worker can start: its audit trail's directory is a file (the worker's
    start-up fails), or its audit key is readable by others (the worker cannot make its app; the parent does not
    make one itself). Every restart would fail the same way, so the parent stops instead of starting workers
    forever."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    config = _small_config(tmp_path)
    (tmp_path / "k").write_text("ab" * 32)
    if fault == "audit trail cannot be opened":
        config["audit"]["path"] = str(blocker / "audit.sqlite")
        (tmp_path / "k").chmod(0o600)
    else:
        (tmp_path / "k").chmod(0o644)
    result = _serve_two_workers(write_config(config, tmp_path / "authority.toml"), "--port", "0", timeout_s=120)
    from gateway.cli import STARTUP_FAILED

    assert result.returncode == 1, result.stderr
    assert STARTUP_FAILED in result.stderr
    if fault == "audit key readable by others":
        assert "bad configuration" in result.stderr and "chmod 600" in result.stderr


def test_workers_refuse_a_separate_operations_address(tmp_path: Path) -> None:
    """Each worker keeps its own metrics and readiness: one operations address cannot answer for all of them."""
    from gateway.cli import WORKERS_AND_OPERATIONS

    config = {**_small_config(tmp_path), "operations": {"listen": "127.0.0.1:9464"}}
    result = _serve_two_workers(write_config(config, tmp_path / "authority.toml"), timeout_s=60)
    assert result.returncode == 2, result.stderr
    assert WORKERS_AND_OPERATIONS in result.stderr


def test_a_worker_that_cannot_make_its_app_logs_no_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Any failure to make the app exits as a failed start (the parent then stops), logged by its type and frames:
    an exception's message can hold the data being read when it was raised."""
    import gateway.app
    import gateway.settings
    from gateway import workers

    read = "Jane Doe, born 2014-03-01, 1 High Street"  # what a failing read could put in its message

    def failing(_settings: object) -> object:
        raise ValueError(read)  # the frames show this line of code, not the values it was given

    monkeypatch.setenv(workers.ENV_CONFIG, "authority.toml")
    monkeypatch.setattr(gateway.settings, "load_authority", lambda _path: object())
    monkeypatch.setattr(gateway.app, "create_app", failing)
    with pytest.raises(SystemExit) as exited:
        workers.worker_app()
    from uvicorn.config import STARTUP_FAILURE

    assert exited.value.code == STARTUP_FAILURE
    assert "ValueError" in caplog.text and "worker_app" in caplog.text
    assert "Jane" not in caplog.text and "2014" not in caplog.text and "High Street" not in caplog.text
