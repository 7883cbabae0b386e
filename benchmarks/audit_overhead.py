"""Benchmark: what the audit trail adds to a request, with and without a trail, for each store.

    python -m benchmarks.audit_overhead [--latencies 0,50] [--households 300] [--queries 100] [--concurrency 16]
                                        [--rounds 3] [--postgres-dsn DSN] [--no-write]

One sandbox (the demo's simulated systems) and up to three gateways, each `family-context serve` in its own process
(`benchmarks/audit_gateway.py`, the development identity on loopback), differing only in their audit trail:

* no trail: the baseline, a trail that accepts every request's events and drops them (reachable from this
  benchmark only, through `create_app(audit_trail=...)`; the events are still collected, not stored);
* SQLite: the default store (WAL, `synchronous = FULL`), a fresh file under benchmarks/.work/audit;
* PostgreSQL: when `FC_TEST_POSTGRES_DSN` or `--postgres-dsn` names a server; tables under a prefix of its own,
  dropped at the end. Without a DSN it is skipped, with a note.

For each injected latency (0 ms: the gateway's own work dominates; 50 ms: as `make bench`), the family-context
query GraphiQL opens with (`gateway.graphiql.EXAMPLE_QUERY`, `X-Purpose: ASSESSMENT`) for the first N children:

* sequential latency, p50 and p95; the gateways take turns child by child (the order rotating), so the drift of a
  shared machine falls on all of them alike. Added latency: the p50 difference to the baseline and its ratio, and
  the median of the per-child paired differences with a bootstrap 95% interval;
* throughput at one concurrency (16), in rounds that rotate the gateways; the median round is reported;
* for each store, the events written and commits made in each phase (group commit: events and requests per
  commit), counted from the store's own tables: PostgreSQL, the distinct `xmin` (transaction) of the event rows;
  SQLite, a counter that a trigger added by this benchmark bumps on each update of the head row (once per commit;
  that one-row update is part of the SQLite numbers);
* at the end, a typical request's events appended directly to each store (no HTTP; the store's own cost), and the whole
  chain verified.

The report is printed and written as the "Audit trail overhead" section of docs/benchmarks.md (the file's other
sections are kept). All numbers of one report come from one run on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import os
import platform
import random
import socket
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import asyncpg

from benchmarks.family_context import RATE_LIMITS_OUT_OF_REACH, measure_throughput, run_query
from benchmarks.report_file import publish
from benchmarks.stats import percentile
from gateway.audit.chain import VerifyReport
from gateway.audit.keys import write_key_file
from gateway.audit.open_trail import open_audit_trail
from gateway.audit.settings import AuditSettings
from gateway.audit.store import ChainedTrail
from gateway.audit.tables import Tables
from gateway.demo import demo_config, development_auth, write_config
from gateway.settings import parse_authority
from resolvers.audit_trail import AuditEvent
from sandbox.ground_truth import HTTP_SYSTEMS
from sandbox.runner import RunningSandbox, start_sandbox

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "benchmarks" / ".work" / "audit"
REPORT = ROOT / "docs" / "benchmarks.md"
SECTION = "## Audit trail overhead"
DSN_ENV = "FC_TEST_POSTGRES_DSN"
NO_TRAIL, SQLITE, POSTGRES = "no trail", "SQLite", "PostgreSQL"
WARM_UP_QUERIES = 10
THROUGHPUT_QUERIES_PER_WORKER = 6
DIRECT_APPENDS = 50
# A query one at a time appends after its last upstream wait: the store's time after as long an idle pause.
IDLE_BEFORE_APPEND_S = 0.05
BOOTSTRAP_RESAMPLES = 2000


# -- counting a store's writes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Writes:
    """Cumulative, or for one phase: requests answered, events written, commits made."""

    requests: int
    events: int
    commits: int

    def __sub__(self, other: Writes) -> Writes:
        return Writes(self.requests - other.requests, self.events - other.events, self.commits - other.commits)


class Store(Protocol):
    """A trail under test: prepared empty, its writes counted from its tables, dropped (or kept) at the end."""

    name: str
    settings: AuditSettings

    async def prepare(self) -> None: ...

    async def writes(self, requests: int) -> Writes: ...

    async def drop(self) -> None: ...

    def describe(self) -> str: ...


class SqliteStore:
    """A fresh file; commits counted by a trigger on the head row (the store updates it once per commit)."""

    name = SQLITE

    def __init__(self, path: Path, key_file: Path) -> None:
        self.settings = AuditSettings(backend="sqlite", path=path, key_file=key_file)
        self.tables = Tables.of(self.settings.table_prefix)
        self.counter = f"{self.tables.base}_bench_commits"

    async def prepare(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.settings.path}{suffix}").unlink(missing_ok=True)
        async with open_audit_trail(self.settings):
            pass  # creates the tables and the genesis head
        with contextlib.closing(sqlite3.connect(self.settings.path, isolation_level=None)) as db:
            db.execute(f"CREATE TABLE {self.counter} (n INTEGER NOT NULL)")
            db.execute(f"INSERT INTO {self.counter} (n) VALUES (0)")
            db.execute(
                f"CREATE TRIGGER {self.counter}_bump AFTER UPDATE ON {self.tables.head} "
                f"BEGIN UPDATE {self.counter} SET n = n + 1; END"
            )

    async def writes(self, requests: int) -> Writes:
        with contextlib.closing(sqlite3.connect(self.settings.path, isolation_level=None, timeout=5)) as db:
            events = db.execute(f"SELECT position FROM {self.tables.head}").fetchone()[0]
            commits = db.execute(f"SELECT n FROM {self.counter}").fetchone()[0]
        return Writes(requests, int(events), int(commits))

    async def drop(self) -> None:
        """The file stays under benchmarks/.work for inspection; the next run starts a fresh one."""

    def describe(self) -> str:
        return (
            "SQLite: WAL, `synchronous = FULL`, one file on the machine's local disk; its commits are counted by a "
            "trigger this benchmark adds on the head row (a one-row update in each commit, inside SQLite's numbers)"
        )


class PostgresStore:
    """Tables under this run's own prefix; commits counted as the distinct transactions (`xmin`) of the event rows."""

    name = POSTGRES

    def __init__(self, dsn: str, key_file: Path) -> None:
        prefix = f"bench_audit_{os.getpid()}"
        self.settings = AuditSettings(backend="postgres", dsn=dsn, key_file=key_file, table_prefix=prefix)
        self.tables = Tables.of(prefix)
        self.server = ""

    async def prepare(self) -> None:
        await self.drop()
        async with open_audit_trail(self.settings):
            pass
        connection = await asyncpg.connect(self.settings.dsn)
        try:
            shown = [await connection.fetchval(f"SHOW {name}") for name in ("server_version", "fsync")]
            commit = await connection.fetchval("SHOW synchronous_commit")
        finally:
            await connection.close()
        self.server = f"PostgreSQL {shown[0]} on loopback, `fsync = {shown[1]}`, `synchronous_commit = {commit}`"

    async def writes(self, requests: int) -> Writes:
        connection = await asyncpg.connect(self.settings.dsn)
        try:
            events = await connection.fetchval(f"SELECT position FROM {self.tables.head}")
            commits = await connection.fetchval(f"SELECT count(DISTINCT xmin::text) FROM {self.tables.events}")
        finally:
            await connection.close()
        return Writes(requests, int(events), int(commits))

    async def drop(self) -> None:
        connection = await asyncpg.connect(self.settings.dsn)
        try:
            for table in self.tables.all:
                await connection.execute(f"DROP TABLE IF EXISTS {table}")
        finally:
            await connection.close()

    def describe(self) -> str:
        return self.server


# -- the gateways ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One gateway of the comparison: its config, and its store (None: the baseline, which drops events)."""

    name: str
    config: Path
    store: Store | None


@dataclass
class Served:
    variant: Variant
    url: str
    requests: int = 0  # answered so far (each one append to its trail)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def wait_healthy(
    url: str, process: asyncio.subprocess.Process, *, timeout_s: float = 20.0, poll_s: float = 0.05
) -> None:
    """Return once the gateway answers its health check; RuntimeError if its process ends or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while process.returncode is None and time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(poll_s)
    raise RuntimeError(f"the gateway at {url} did not start")


@contextlib.asynccontextmanager
async def gateway_process(variant: Variant) -> AsyncIterator[Served]:
    """The gateway in its own process, as `make bench` runs it; SIGTERM at the end (the store commits its queue)."""
    port = free_port()
    drop = ["--drop-audit-events"] if variant.store is None else []
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.audit_gateway", "--config", str(variant.config), "--port", str(port), *drop,
        cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, process)
        yield Served(variant, url)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


def variant_config(sandbox: RunningSandbox, name: str, audit: dict[str, Any]) -> Path:
    config = demo_config(sandbox, auth=development_auth(), timeout_s=10.0)  # served on loopback only
    config["audit"] = audit
    config["limits"] = dict(RATE_LIMITS_OUT_OF_REACH)  # the trail is what is measured
    path = write_config(config, WORKDIR / f"authority-{name.lower().replace(' ', '-')}.toml")
    parse_authority(config)  # a bad table fails here, not in the gateway's process
    return path


def audit_table(settings: AuditSettings) -> dict[str, Any]:
    """`[audit]` for a store's settings (the key from its owner-only file, never the TOML)."""
    table: dict[str, Any] = {"backend": settings.backend, "key_file": str(settings.key_file)}
    if settings.backend == "postgres":
        return {**table, "dsn": settings.dsn, "table_prefix": settings.table_prefix}
    return {**table, "path": str(settings.path)}


def variants(sandbox: RunningSandbox, stores: Sequence[Store]) -> list[Variant]:
    """The baseline's `[audit]` names a file it must never create (checked at the end)."""
    key_file = sandbox.workdir / "audit.key"
    unused = {"backend": "sqlite", "path": str(baseline_file()), "key_file": str(key_file)}
    baseline = Variant(NO_TRAIL, variant_config(sandbox, NO_TRAIL, unused), None)
    return [baseline, *(Variant(s.name, variant_config(sandbox, s.name, audit_table(s.settings)), s) for s in stores)]


def baseline_file() -> Path:
    return WORKDIR / "no-trail-unused.sqlite"


# -- measuring ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """What each gateway is asked, at each latency (run_query sends `STANDARD_QUERY`, i.e. `EXAMPLE_QUERY`)."""

    queries: int  # children C000001... queried once each, sequentially
    concurrency: int
    rounds: int  # throughput rounds per gateway

    @property
    def cms_ids(self) -> list[str]:
        return [f"C{i:06d}" for i in range(1, self.queries + 1)]


@dataclass
class LatencyResult:
    latency_ms: int
    sequential: dict[str, list[float]] = field(default_factory=dict)  # gateway -> seconds, child by child
    throughput: dict[str, list[float]] = field(default_factory=dict)  # gateway -> queries/s, round by round
    writes: dict[str, dict[str, Writes]] = field(default_factory=dict)  # gateway -> phase -> writes


def rotated(items: Sequence[Served], turn: int) -> list[Served]:
    shift = turn % len(items)
    return [*items[shift:], *items[:shift]]


async def query(session: aiohttp.ClientSession, served: Served, cms_id: str) -> float:
    seconds, _ = await run_query(session, served.url, cms_id)  # raises on any error, AUDIT_UNAVAILABLE included
    served.requests += 1
    return seconds


async def warm_up(session: aiohttp.ClientSession, gateways: Sequence[Served], cms_ids: Sequence[str]) -> None:
    """Connections, the police extract, document caches, the stores' first commits."""
    for served in gateways:
        for cms_id in cms_ids[:WARM_UP_QUERIES]:
            await query(session, served, cms_id)


async def sequential(
    session: aiohttp.ClientSession, gateways: Sequence[Served], cms_ids: Sequence[str]
) -> dict[str, list[float]]:
    """Each child once per gateway, the gateways taking turns (rotating who goes first)."""
    times: dict[str, list[float]] = {g.variant.name: [] for g in gateways}
    for turn, cms_id in enumerate(cms_ids):
        for served in rotated(gateways, turn):
            times[served.variant.name].append(await query(session, served, cms_id))
    return times


async def throughput(
    session: aiohttp.ClientSession, gateways: Sequence[Served], cms_ids: Sequence[str], concurrency: int, rounds: int
) -> dict[str, list[float]]:
    """Queries/s at `concurrency`, one gateway at a time, the order rotating from round to round."""
    total = concurrency * THROUGHPUT_QUERIES_PER_WORKER
    rates: dict[str, list[float]] = {g.variant.name: [] for g in gateways}
    for turn in range(rounds):
        for served in rotated(gateways, turn):
            rates[served.variant.name].append(
                await measure_throughput(session, served.url, cms_ids, concurrency, total)
            )
            served.requests += total
    return rates


async def snapshot(gateways: Sequence[Served]) -> dict[str, Writes]:
    return {g.variant.name: await g.variant.store.writes(g.requests) for g in gateways if g.variant.store}


def phase(before: dict[str, Writes], after: dict[str, Writes]) -> dict[str, Writes]:
    return {name: after[name] - before[name] for name in after}


async def set_latency(sandbox: RunningSandbox, latency_ms: int) -> None:
    sandbox.latency_ms = latency_ms
    for system in HTTP_SYSTEMS:
        sandbox.clear_fault(system)


async def measure_latency(
    sandbox: RunningSandbox, session: aiohttp.ClientSession, gateways: Sequence[Served], latency_ms: int, load: Load
) -> LatencyResult:
    """Warm-up, the sequential phase and the throughput phase at one injected latency."""
    await set_latency(sandbox, latency_ms)
    result = LatencyResult(latency_ms)
    await warm_up(session, gateways, load.cms_ids)
    before = await snapshot(gateways)
    result.sequential = await sequential(session, gateways, load.cms_ids)
    middle = await snapshot(gateways)
    result.throughput = await throughput(session, gateways, load.cms_ids, load.concurrency, load.rounds)
    after = await snapshot(gateways)
    for name, writes in phase(before, middle).items():
        result.writes.setdefault(name, {})["sequential"] = writes
    for name, writes in phase(middle, after).items():
        result.writes.setdefault(name, {})["concurrent"] = writes
    return result


# -- after the gateways stop: the store on its own, and the chain --------------------------------------------


@dataclass(frozen=True)
class StoreCheck:
    requests: int  # requests that left events in the trail
    actions: Counter[str]  # events of each action, over all of them
    sizes: tuple[int, ...]  # events per request, sorted
    direct_append_ms: float  # median of DIRECT_APPENDS appends of one typical request's events, no HTTP
    after_idle_append_ms: float  # the same, each after IDLE_BEFORE_APPEND_S with nothing to do
    report: VerifyReport


def by_request(events: Sequence[AuditEvent]) -> dict[str, list[AuditEvent]]:
    """Each request's events, in the order written (every request appends all of its events at once)."""
    grouped: dict[str, list[AuditEvent]] = {}
    for event in events:
        grouped.setdefault(event.request_id, []).append(event)
    return grouped


def typical(requests: dict[str, list[AuditEvent]]) -> list[AuditEvent]:
    """The newest request with the median number of events."""
    median = statistics.median_low(len(events) for events in requests.values())
    return next(events for events in reversed(requests.values()) if len(events) == median)


async def direct_appends(trail: ChainedTrail, sample: Sequence[AuditEvent], *, idle_s: float = 0.0) -> float:
    """One request's events appended again and again, each time as a new request: the store's own time. With
    `idle_s`, each append comes after that long a pause, as a query's does after its last upstream wait."""
    times = []
    for n in range(DIRECT_APPENDS):
        if idle_s:
            await asyncio.sleep(idle_s)
        now = datetime.datetime.now(datetime.UTC)
        events = [dataclasses.replace(e, at=now, request_id=f"bench-direct-{n}") for e in sample]
        started = time.perf_counter()
        await trail.append(events)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def check_store(store: Store) -> StoreCheck:
    """What the gateway wrote, the store's own append time, then the whole chain verified (appends included)."""
    async with open_audit_trail(store.settings) as trail:
        requests = by_request([stored.event async for stored in trail.export()])
        append_ms = await direct_appends(trail, typical(requests))
        after_idle_ms = await direct_appends(trail, typical(requests), idle_s=IDLE_BEFORE_APPEND_S)
        report = await trail.verify()
    return StoreCheck(
        requests=len(requests),
        actions=Counter(e.action.value for events in requests.values() for e in events),
        sizes=tuple(sorted(len(events) for events in requests.values())),
        direct_append_ms=append_ms,
        after_idle_append_ms=after_idle_ms,
        report=report,
    )


# -- the run --------------------------------------------------------------------------------------------------


@dataclass
class Run:
    latencies: list[LatencyResult] = field(default_factory=list)
    checks: dict[str, StoreCheck] = field(default_factory=dict)
    servers: list[str] = field(default_factory=list)  # each store's description
    skipped: str | None = None  # why PostgreSQL was not measured
    seconds: float = 0.0


def chosen_stores(dsn: str | None, key_file: Path) -> tuple[list[Store], str | None]:
    stores: list[Store] = [SqliteStore(WORKDIR / "audit.sqlite", key_file)]
    if not dsn:
        return stores, f"PostgreSQL skipped: set {DSN_ENV} or pass --postgres-dsn to measure it too."
    return [*stores, PostgresStore(dsn, key_file)], None


async def measure_all(
    sandbox: RunningSandbox, chosen: Sequence[Variant], latencies: Sequence[int], load: Load
) -> list[LatencyResult]:
    """Every gateway up at once (idle ones cost nothing), then each latency in turn."""
    results = []
    async with contextlib.AsyncExitStack() as stack:
        gateways = [await stack.enter_async_context(gateway_process(variant)) for variant in chosen]
        session = await stack.enter_async_context(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)))
        for latency_ms in latencies:
            print(f"audit overhead: {latency_ms} ms injected latency ...", file=sys.stderr, flush=True)
            results.append(await measure_latency(sandbox, session, gateways, latency_ms, load))
    return results


async def measure_stores(
    sandbox: RunningSandbox, stores: Sequence[Store], latencies: Sequence[int], load: Load, outcome: Run
) -> None:
    """Prepare the stores, measure, then check each store on its own; PostgreSQL's tables are dropped whatever."""
    try:
        for store in stores:
            await store.prepare()
        outcome.servers = [store.describe() for store in stores]
        outcome.latencies = await measure_all(sandbox, variants(sandbox, stores), latencies, load)
        outcome.checks = {store.name: await check_store(store) for store in stores}
    finally:
        for store in stores:
            await store.drop()


async def run(latencies: Sequence[int], households: int, load: Load, dsn: str | None) -> Run:
    started = time.perf_counter()
    WORKDIR.mkdir(parents=True, exist_ok=True)
    baseline_file().unlink(missing_ok=True)
    async with start_sandbox(WORKDIR, households=households, latency_ms=0) as sandbox:
        stores, skipped = chosen_stores(dsn, write_key_file(sandbox.workdir / "audit.key"))
        if skipped:
            print(skipped, file=sys.stderr)
        outcome = Run(skipped=skipped)
        await measure_stores(sandbox, stores, latencies, load, outcome)
    if baseline_file().exists():
        raise RuntimeError("the baseline gateway opened a trail: its numbers are no baseline")
    outcome.seconds = time.perf_counter() - started
    return outcome


# -- the report -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paired:
    median_ms: float
    low_ms: float
    high_ms: float


@dataclass(frozen=True)
class Row:
    """One gateway at one latency, against the baseline (None for the baseline itself)."""

    name: str
    p50_ms: float
    p95_ms: float
    rate: float
    added_ms: float | None
    ratio: float | None
    paired: Paired | None
    rate_change: float | None  # relative
    concurrent: Writes | None


def paired_difference(times: Sequence[float], baseline: Sequence[float]) -> Paired:
    """The median of the per-child differences, with a seeded bootstrap 95% interval of that median."""
    diffs = [(t - b) * 1000 for t, b in zip(times, baseline, strict=True)]
    rng = random.Random(1)
    medians = [statistics.median(rng.choices(diffs, k=len(diffs))) for _ in range(BOOTSTRAP_RESAMPLES)]
    return Paired(statistics.median(diffs), percentile(medians, 0.025), percentile(medians, 0.975))


def row(result: LatencyResult, name: str) -> Row:
    times, base = result.sequential[name], result.sequential[NO_TRAIL]
    p50, base50 = statistics.median(times) * 1000, statistics.median(base) * 1000
    rate, base_rate = statistics.median(result.throughput[name]), statistics.median(result.throughput[NO_TRAIL])
    against = name != NO_TRAIL
    return Row(
        name=name,
        p50_ms=p50,
        p95_ms=percentile(times, 0.95) * 1000,
        rate=rate,
        added_ms=p50 - base50 if against else None,
        ratio=p50 / base50 if against else None,
        paired=paired_difference(times, base) if against else None,
        rate_change=rate / base_rate - 1 if against else None,
        concurrent=result.writes.get(name, {}).get("concurrent"),
    )


def rows(result: LatencyResult) -> list[Row]:
    return [row(result, name) for name in result.sequential]


def per_commit(writes: Writes | None) -> str:
    if writes is None or writes.commits == 0:
        return "—"
    return f"{writes.events / writes.commits:.1f} events, {writes.requests / writes.commits:.1f} requests"


def table_row(latency_ms: int, r: Row) -> str:
    added = "—" if r.added_ms is None or r.ratio is None else f"{r.added_ms:+.1f} ms ({r.ratio:.3f}x)"
    paired = (
        "—" if r.paired is None else f"{r.paired.median_ms:+.1f} ms [{r.paired.low_ms:+.1f}, {r.paired.high_ms:+.1f}]"
    )
    change = "" if r.rate_change is None else f" ({r.rate_change * 100:+.1f}%)"
    cells = [
        f"{latency_ms} ms",
        r.name,
        f"{r.p50_ms:.1f} ms",
        f"{r.p95_ms:.1f} ms",
        added,
        paired,
        f"{r.rate:.1f}/s{change}",
        per_commit(r.concurrent),
    ]
    return "| " + " | ".join(cells) + " |"


def table(run_: Run, load: Load) -> list[str]:
    c = load.concurrency
    lines = [
        f"| injected latency | trail | p50 | p95 | added p50 (ratio) | added, paired median [95% CI] "
        f"| throughput at c={c} (change) | per commit at c={c}: events, requests |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in run_.latencies:
        lines += [table_row(result.latency_ms, r) for r in rows(result)]
    return lines


def total_writes(run_: Run, name: str, phase_name: str) -> Writes:
    parts = [r.writes[name][phase_name] for r in run_.latencies]
    return Writes(sum(p.requests for p in parts), sum(p.events for p in parts), sum(p.commits for p in parts))


def writes_line(run_: Run, name: str, load: Load) -> str:
    seq, con = total_writes(run_, name, "sequential"), total_writes(run_, name, "concurrent")
    return (
        f"- {name}: sequentially {seq.requests} requests wrote {seq.events} events in {seq.commits} commits; "
        f"at concurrency {load.concurrency}, {con.requests} requests wrote {con.events} events in {con.commits} "
        f"commits (per commit: {per_commit(con)})"
    )


def events_line(check: StoreCheck) -> str:
    sizes = check.sizes
    actions = ", ".join(f"{action} {n / check.requests:.2f}" for action, n in check.actions.most_common())
    return (
        f"- audit events per query: mean {statistics.mean(sizes):.2f}, median {statistics.median_low(sizes)}, "
        f"{sizes[0]} to {sizes[-1]} (per query: {actions}), appended in one call before the response leaves"
    )


def facts(run_: Run, load: Load) -> list[str]:
    checks = run_.checks
    lines = [events_line(next(iter(checks.values())))] if checks else []
    lines += [writes_line(run_, name, load) for name in checks]
    if checks:
        size = statistics.median_low(next(iter(checks.values())).sizes)
        lines.append(
            f"- one query's {size} events appended directly, no HTTP (sequential, median of {DIRECT_APPENDS}): "
            + ", ".join(f"{name} {check.direct_append_ms:.2f} ms" for name, check in checks.items())
            + f"; each after {IDLE_BEFORE_APPEND_S * 1000:.0f} ms idle, as a query's append comes after its last "
            "upstream wait: "
            + ", ".join(f"{name} {check.after_idle_append_ms:.2f} ms" for name, check in checks.items())
        )
    lines += [f"- chain verified at the end, {name}: {check.report.describe()}" for name, check in checks.items()]
    lines += [f"- {server}" for server in run_.servers]
    if run_.skipped:
        lines.append(f"- {run_.skipped}")
    return lines


def percent(value: float) -> str:
    return f"{value * 100:+.1f}%"


def spread(rates: Sequence[float]) -> float:
    """Half the range of a gateway's throughput rounds, relative to their median: the noise to judge a change by."""
    return (max(rates) - min(rates)) / 2 / statistics.median(rates)


def latency_line(result: LatencyResult) -> str:
    """One latency: the added time per request (paired) against the baseline's p50, and the throughput change."""
    table_rows = rows(result)
    base = table_rows[0]
    added = ", ".join(
        f"{r.name} {r.paired.median_ms:+.1f} ms ({percent(r.paired.median_ms / base.p50_ms)})"
        for r in table_rows[1:]
        if r.paired is not None
    )
    rates = ", ".join(f"{r.name} {percent(r.rate_change)}" for r in table_rows[1:] if r.rate_change is not None)
    noise = percent(spread(result.throughput[NO_TRAIL])).lstrip("+")
    return (
        f"- At {result.latency_ms} ms injected latency the trail adds, per request (paired median, share of the "
        f"baseline's p50 of {base.p50_ms:.1f} ms): {added}. Throughput: {rates} (the baseline's own rounds "
        f"spread ±{noise})."
    )


def group_commit_line(run_: Run, load: Load) -> str:
    per_request = [
        w.requests / w.commits
        for r in run_.latencies
        for phases in r.writes.values()
        if (w := phases["concurrent"]).commits
    ]
    shared = f"{min(per_request):.1f} to {max(per_request):.1f}" if per_request else "n/a"
    return (
        "- Sequentially every request waits for a commit of its own (the direct append above is that wait without "
        f"HTTP); at concurrency {load.concurrency} group commit put {shared} requests in each commit on average, "
        "sharing one transaction and its fsync."
    )


def reading(run_: Run, load: Load) -> list[str]:
    """What the numbers say, from the numbers: one line per latency, then group commit and the caveat."""
    lines = [latency_line(result) for result in run_.latencies]
    lines.append(group_commit_line(run_, load))
    lines.append(
        "- One run on a shared 2-core virtual machine: the gateways, the simulated systems with the load, and "
        "PostgreSQL share the two cores, and other work on the box adds noise. Ratios are from this one run; "
        "a paired interval that includes 0 is a difference this run cannot tell from noise."
    )
    return lines


def section(run_: Run, load: Load, latencies: Sequence[int], households: int) -> str:
    total = load.concurrency * THROUGHPUT_QUERIES_PER_WORKER
    gateways = ", ".join([NO_TRAIL, *run_.checks])
    lines = [
        SECTION,
        "",
        f"Run on {datetime.date.today().isoformat()} by `make bench-audit` (`python -m benchmarks.audit_overhead`), "
        f"on {platform.machine()} with {os.cpu_count() or 1} CPUs, Python {platform.python_version()}, in "
        f"{run_.seconds:.0f} s. One sandbox ({households} households; "
        + ", ".join(f"{ms} ms" for ms in latencies)
        + f" injected into every simulated HTTP request), and one gateway per trail ({gateways}), each run as "
        "`family-context serve` runs it, in its own process (`benchmarks/audit_gateway.py`); the simulated systems "
        "and the load run in the benchmark's process. The query: the one GraphiQL opens with "
        "(`gateway.graphiql.EXAMPLE_QUERY`), `X-Purpose: ASSESSMENT`, development sign-in on loopback. At each "
        f"latency: {WARM_UP_QUERIES} warm-up queries per gateway; the first {load.queries} children (C000001...), "
        "each once per gateway, the gateways taking turns child by child (the order rotating); then "
        f"{load.rounds} round{'s' if load.rounds != 1 else ''} of {total} queries at concurrency {load.concurrency} "
        "per gateway (rotating; the median round). The baseline's trail accepts the events and drops them (a "
        "benchmark-only `create_app(audit_trail=...)`; no setting turns auditing off), so the differences are the "
        "store's: preparing the events, the hash chain "
        "and MAC, the transaction with its fsync, and waiting for the group commit.",
        "",
        *table(run_, load),
        "",
        *facts(run_, load),
        "",
        "What it means:",
        "",
        *reading(run_, load),
        "",
        f"Reproduce: `make bench-audit`; PostgreSQL is measured when `{DSN_ENV}` names a server "
        f"(`{DSN_ENV}=postgresql://postgres@127.0.0.1:5432/test make bench-audit`, or `--postgres-dsn`), in tables "
        "of the run's own prefix that are dropped at the end. `--no-write` prints the section without writing it here.",
        "",
    ]
    return "\n".join(lines)


def latencies_arg(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected milliseconds separated by commas, e.g. 0,50; got {text!r}")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latencies", type=latencies_arg, default=[0, 50], help="injected ms, e.g. 0,50")
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--queries", type=int, default=100, help="children queried sequentially per gateway")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds per gateway")
    parser.add_argument("--postgres-dsn", default=os.environ.get(DSN_ENV, "").strip() or None)
    parser.add_argument("--no-write", action="store_true", help="print the section without writing docs/")
    args = parser.parse_args()
    load = Load(queries=args.queries, concurrency=args.concurrency, rounds=args.rounds)
    outcome = asyncio.run(run(args.latencies, args.households, load, args.postgres_dsn))
    text = section(outcome, load, args.latencies, args.households)
    publish(REPORT, text, write=not args.no_write)


if __name__ == "__main__":
    main()
