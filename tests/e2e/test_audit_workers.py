"""Two `family-context serve` processes sharing one audit trail (a SQLite file, or PostgreSQL tables), under
hundreds of parallel requests: every answered request is recorded exactly once, with the people it returned, the
positions run 1, 2, 3, ... without a gap or a repeat, and `family-context audit verify` finds the chain intact.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from auth.demo_issuer import mint_token, write_demo_keys
from auth.principal import Role
from gateway.audit.keys import write_key_file
from gateway.audit.open_trail import open_audit_trail
from gateway.audit.tables import Tables
from gateway.demo import demo_auth, demo_config, write_config
from gateway.settings import load_authority
from resolvers.audit_trail import StoredEvent
from sandbox.population import Population
from sandbox.runner import start_sandbox
from tests.e2e.audit_reading import people_in
from tests.gateway.audit.support import drop_postgres_tables, postgres_dsn

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 300
CONCURRENCY = 50
SEARCH_EVERY = 5  # one request in five is a search, the rest are look-ups
HOUSEHOLDS = 30
SOURCE_TIMEOUT_S = 3.0
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
WORKER = "load-worker"

LOOK_UP = """query($cmsId: ID!) { child(cmsId: $cmsId) {
  id serviceChecks { service outcome }
  household { members { individual { id serviceChecks { service outcome } } } }
} }"""

SEARCH = """query($f: String!) { searchPeople(input: {familyName: $f}, first: 10) {
  matches { individual { id name { full } } }
} }"""


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)])
async def trail_table(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """The `[audit]` table of a trail of the test's own, under a key file in `tmp_path`."""
    key_file = str(write_key_file(tmp_path / "audit.key"))
    if request.param == "sqlite":
        yield {"backend": "sqlite", "path": str(tmp_path / "audit.sqlite"), "key_file": key_file}
        return
    dsn = postgres_dsn()
    prefix = f"fc_audit_workers_{uuid.uuid4().hex[:12]}"
    try:
        yield {"backend": "postgres", "dsn": dsn, "table_prefix": prefix, "key_file": key_file}
    finally:
        await drop_postgres_tables(dsn, Tables.of(prefix))


# -- the gateway processes ---------------------------------------------------------------------------------------


@dataclass
class Gateway:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_gateway(config: Path, log: Path) -> Gateway:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config), "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Gateway(process, f"http://127.0.0.1:{port}", log)


async def wait_until_healthy(gateways: Sequence[Gateway], http: aiohttp.ClientSession) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    waiting = list(gateways)
    while waiting:
        gateway = waiting[0]
        assert gateway.process.poll() is None, f"the gateway stopped while starting:\n{gateway.output()}"
        assert time.monotonic() < deadline, f"the gateway did not start:\n{gateway.output()}"
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{gateway.url}/healthz") as response:
                if response.status == 200:
                    waiting.pop(0)
                    continue
        await asyncio.sleep(0.1)


async def stop(gateways: Sequence[Gateway]) -> None:
    """SIGTERM to each, then wait for it (killed if it does not stop in time)."""
    for gateway in gateways:
        if gateway.process.poll() is None:
            gateway.process.send_signal(signal.SIGTERM)
    for gateway in gateways:
        try:
            await asyncio.to_thread(gateway.process.wait, STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            gateway.process.kill()
            await asyncio.to_thread(gateway.process.wait)


@contextlib.asynccontextmanager
async def serving(config: Path, workdir: Path, http: aiohttp.ClientSession, count: int) -> AsyncIterator[list[Gateway]]:
    """`count` gateway processes serving `config`, each on a port of its own; stopped (SIGTERM) on exit."""
    gateways: list[Gateway] = []
    try:
        for n in range(count):
            gateways.append(start_gateway(config, workdir / f"gateway-{n}.log"))
        await wait_until_healthy(gateways, http)
        yield gateways
    finally:
        await stop(gateways)


# -- the load and what it should leave ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """One answered request and the events it should have left: action -> the people named."""

    request_id: str
    expected: Mapping[str, tuple[str, ...]]


def requests(population: Population) -> Iterator[tuple[str, dict[str, Any]]]:
    """Look-ups of every child in turn, and every fifth request a search for an adult's family name."""
    children = sorted(p.id for p in population.cms.people.values() if p.is_child)
    family_names = sorted({p.identity.family_name for p in population.cms.people.values() if not p.is_child})
    for n in range(REQUESTS):
        if n % SEARCH_EVERY == SEARCH_EVERY - 1:
            yield SEARCH, {"f": family_names[n % len(family_names)]}
        else:
            yield LOOK_UP, {"cmsId": children[n % len(children)]}


def expected_events(body: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    data = body["data"]
    if "child" in data:
        return {"VIEWED_BASIC_DETAILS": tuple(sorted(p["id"] for p in people_in(data["child"])))}
    listed = tuple(m["individual"]["id"] for m in data["searchPeople"]["matches"])
    return {"SEARCHED": (), "VIEWED_RESULTS": listed} if listed else {"SEARCHED": ()}


async def fire(
    http: aiohttp.ClientSession, gateways: Sequence[Gateway], token: str, population: Population
) -> list[Answered]:
    """Every request, `CONCURRENCY` at a time, alternating between the gateways; each must answer in full."""
    gate = asyncio.Semaphore(CONCURRENCY)
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "ASSESSMENT"}

    async def send(n: int, query: str, variables: dict[str, Any]) -> Answered:
        url = f"{gateways[n % len(gateways)].url}/graphql"
        async with gate, http.post(url, json={"query": query, "variables": variables}, headers=headers) as response:
            body: dict[str, Any] = await response.json(content_type=None)
            assert response.status == 200 and "errors" not in body, (response.status, body)
            return Answered(response.headers["X-Request-Id"], expected_events(body))

    return await asyncio.gather(
        *(send(n, query, variables) for n, (query, variables) in enumerate(requests(population)))
    )


async def stored_events(config: Path) -> list[StoredEvent]:
    async with open_audit_trail(load_authority(config).audit) as trail:
        return [stored async for stored in trail.export()]


def audit_verify(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", "verify", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_two_gateway_processes_share_one_trail(tmp_path: Path, trail_table: dict[str, Any]) -> None:
    async with start_sandbox(tmp_path, seed=5, households=HOUSEHOLDS) as sandbox:
        key_file, jwks_file = write_demo_keys(tmp_path)
        config = demo_config(sandbox, auth=demo_auth(key_file, jwks_file), timeout_s=SOURCE_TIMEOUT_S)
        config_file = write_config({**config, "audit": trail_table}, tmp_path / "authority.toml")
        token = mint_token(key_file, role=Role.SOCIAL_WORKER, user_id=WORKER, name="Sam Worker", ttl_s=600)
        async with (
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as http,
            serving(config_file, tmp_path, http, count=2) as gateways,
        ):
            answered = await fire(http, gateways, token, sandbox.population)
    for gateway in gateways:
        # uvicorn shuts down cleanly on SIGTERM, then re-raises the signal: the process ends by it.
        assert gateway.process.returncode in (0, -signal.SIGTERM), gateway.output()
        assert "Application shutdown complete" in gateway.output()
        assert "Traceback" not in gateway.output()

    verified = await asyncio.to_thread(audit_verify, config_file)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    events = await stored_events(config_file)
    assert f"audit trail OK: {len(events)} events checked (positions 1..{len(events)})" in verified.stdout
    assert [e.position for e in events] == list(range(1, len(events) + 1))
    assert {e.event.actor_id for e in events} == {WORKER}
    expected = collections.Counter(action for a in answered for action in a.expected)
    assert collections.Counter(e.event.action.value for e in events) == expected
    assert expected["VIEWED_BASIC_DETAILS"] == REQUESTS - REQUESTS // SEARCH_EVERY
    assert expected["SEARCHED"] == REQUESTS // SEARCH_EVERY
    # Each answered request is in the trail once per action, naming exactly the people it returned.
    recorded = {(e.event.request_id, e.event.action.value): e.event.subject_ids for e in events}
    assert len(recorded) == len(events), "a request recorded twice for the same action"
    wanted = {(a.request_id, action): subjects for a in answered for action, subjects in a.expected.items()}
    assert {key: in_order_of(key[1], subjects) for key, subjects in recorded.items()} == wanted


def in_order_of(action: str, subjects: tuple[str, ...]) -> tuple[str, ...]:
    """Results are named in the order listed; basic details in the order resolved, so compared sorted."""
    return tuple(sorted(subjects)) if action == "VIEWED_BASIC_DETAILS" else subjects
