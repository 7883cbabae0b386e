"""Benchmark: the standard family-context query against the simulated systems, batched and not.

    python -m benchmarks.family_context [--latency-ms 50] [--households 300] [--queries 60]

Starts the sandbox with a fixed latency injected into every simulated HTTP request, and a real gateway on
loopback, then reports (and writes to docs/benchmarks.md):

* upstream requests per query, per source, and how they grow with household size;
* p50/p95 latency of the query, sequentially;
* the critical-path floor: the upstream calls the gateway made for each child, as the simulated systems recorded
  them, sent again directly (no gateway in between) level by level: the sum of each level's time;
* p50 / floor, the gateway's overhead as a ratio;
* throughput at a few concurrencies;
* the same with batching switched off (`[tuning] batching = false`), as the baseline.

All numbers of one report come from one run on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import functools
import platform
import socket
import statistics
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.report_file import publish
from benchmarks.stats import in_levels, percentile
from gateway.demo import demo_config, development_auth, write_config
from gateway.graphiql import EXAMPLE_QUERY
from sandbox.runner import RunningSandbox, start_sandbox

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "benchmarks" / ".work"
REPORT = ROOT / "docs" / "benchmarks.md"

# The family-context query, as GraphiQL opens with it: the child, the household, everyone's checks.
STANDARD_QUERY = EXAMPLE_QUERY

HTTP_SYSTEMS = ("cms", "adult_social_care", "housing")

# An integrator's daily list: many children at once, each with its household and everyone's checks.
CHILDREN_QUERY = """
query MashList($cmsIds: [ID!]!) {
  children(cmsIds: $cmsIds) {
    cmsId
    serviceChecks { service outcome }
    household { members { individual { serviceChecks { service outcome } } } }
  }
}
"""
MASH_LIST_SIZE = 100
# Details are shown for a stated purpose only; the benchmark asks as a worker at an assessment does.
PURPOSE = {"X-Purpose": "ASSESSMENT"}
# One principal sends every query, hundreds a minute: the per-principal rate limits (600 requests and 2,000,000 of
# cost a minute by default) would refuse some once the gateway is fast enough, so they are set out of reach (still
# checked on every request). `benchmarks/gateway_cpu.py` writes the same into each code's configuration.
RATE_LIMITS_OUT_OF_REACH = {"rate_requests_per_minute": 10**9, "rate_cost_per_minute": 10**12}


@dataclass
class QueryRun:
    seconds: float
    members: int
    requests: dict[str, int]


async def run_query(session: aiohttp.ClientSession, url: str, cms_id: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    request = {"query": STANDARD_QUERY, "variables": {"cmsId": cms_id}}
    async with session.post(f"{url}/graphql", json=request, headers=PURPOSE) as r:
        body = await r.json()
    elapsed = time.perf_counter() - started
    if body.get("errors"):
        raise RuntimeError(f"query for {cms_id} answered errors: {[e['extensions'] for e in body['errors']]}")
    return elapsed, body


async def upstream_counts(sandbox: RunningSandbox) -> dict[str, int]:
    return {system: int((await sandbox.stats(system))["total"]) for system in HTTP_SYSTEMS}


async def measure_sequential(
    session: aiohttp.ClientSession, sandbox: RunningSandbox, url: str, cms_ids: Sequence[str]
) -> list[QueryRun]:
    runs = []
    for cms_id in cms_ids:
        await sandbox.reset_stats()
        seconds, body = await run_query(session, url, cms_id)
        members = len(body["data"]["child"]["household"]["members"])
        runs.append(QueryRun(seconds, members, await upstream_counts(sandbox)))
    return runs


async def measure_children(
    session: aiohttp.ClientSession, sandbox: RunningSandbox, url: str, cms_ids: Sequence[str], repeats: int = 5
) -> QueryRun:
    """The `children` query for a whole list: median latency, and the upstream requests of one run."""
    times = []
    requests: dict[str, int] = {}
    for _ in range(repeats):
        await sandbox.reset_stats()
        started = time.perf_counter()
        async with session.post(
            f"{url}/graphql", json={"query": CHILDREN_QUERY, "variables": {"cmsIds": list(cms_ids)}}, headers=PURPOSE
        ) as response:
            body = await response.json()
        times.append(time.perf_counter() - started)
        if body.get("errors"):
            raise RuntimeError(f"children answered errors: {[e['extensions'] for e in body['errors']]}")
        requests = await upstream_counts(sandbox)
    members = sum(len(c["household"]["members"]) for c in body["data"]["children"])
    return QueryRun(statistics.median(times), members, requests)


async def measure_throughput(
    session: aiohttp.ClientSession, url: str, cms_ids: Sequence[str], concurrency: int, total: int
) -> float:
    queue = [cms_ids[i % len(cms_ids)] for i in range(total)]

    async def worker() -> None:
        while queue:
            await run_query(session, url, queue.pop())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started)


async def _level_time(calls: Sequence[Callable[[], Awaitable[Any]]], repeats: int) -> float:
    """The median wall time of running a level's calls together: the slowest call of the level."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await asyncio.gather(*(call() for call in calls))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@dataclass(frozen=True)
class UpstreamCall:
    """One request a simulated system received, as it recorded it (`sandbox/faults.py`, `/_sandbox/record`)."""

    base_url: str
    method: str
    path: str
    body: str
    content_type: str | None
    arrived: float  # the machine's monotonic clock
    answered: float


def levels_of(calls: Sequence[UpstreamCall]) -> list[list[UpstreamCall]]:
    """The recorded calls in the levels that had to wait for each other, by when each arrived and was answered
    (`benchmarks.stats.in_levels`, the rule `benchmarks/timeline.py` groups the gateway's own spans by)."""
    return in_levels(calls, lambda c: c.arrived, lambda c: c.answered)


async def recorded_calls(
    session: aiohttp.ClientSession, urls: Mapping[str, str], query: Callable[[], Awaitable[object]]
) -> list[UpstreamCall]:
    """Every request the simulated HTTP systems at `urls` received while `query` ran."""
    for base in urls.values():
        await _post(session, f"{base}/_sandbox/record", {})
    try:
        await query()
    finally:
        calls = []
        for base in urls.values():
            async with session.get(f"{base}/_sandbox/recorded") as r:
                r.raise_for_status()
                recorded = (await r.json())["requests"]
            calls += [
                UpstreamCall(
                    base_url=base,
                    method=c["method"],
                    path=c["path"],
                    body=c["body"],
                    content_type=c["contentType"],
                    arrived=c["arrived"],
                    answered=c["answered"],
                )
                for c in recorded
            ]
    return calls


async def critical_path_floor(
    session: aiohttp.ClientSession,
    urls: Mapping[str, str],
    query: Callable[[], Awaitable[object]],
    repeats: int = 3,
) -> dict[str, float]:
    """The critical path of one query without the gateway: the upstream calls the gateway made for it (recorded by
    the simulated systems while `query` ran, `recorded_calls`), grouped into the levels that waited for each other
    (`levels_of`), and each level's calls sent again together, directly, with the same method, path and body. Each
    level's time is the median of `repeats`. So the floor is made of exactly the query's calls, whichever services
    the configuration connects and whatever the age rules spare; the police extract and the school database are
    local reads and take no requests."""

    def replay(call: UpstreamCall) -> Callable[[], Awaitable[None]]:
        async def send() -> None:
            headers = {"Content-Type": call.content_type} if call.content_type else None
            data = call.body.encode() if call.body else None
            async with session.request(call.method, call.base_url + call.path, data=data, headers=headers) as r:
                r.raise_for_status()
                await r.read()

        return send

    levels = levels_of(await recorded_calls(session, urls, query))
    return {
        f"level {k}": await _level_time([replay(call) for call in level], repeats)
        for k, level in enumerate(levels, start=1)
    }


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with session.post(url, json=body) as r:
        r.raise_for_status()
        return await r.json()


@contextlib.asynccontextmanager
async def gateway_process(config_path: Path) -> AsyncIterator[str]:
    """`family-context serve` in its own process, as deployed: the simulated systems do not share its core."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "serve", "--config", str(config_path), "--port", str(port),
        "--log-level", "WARNING",
        cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{url}/healthz") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("the gateway did not start")
        yield url
    finally:
        process.terminate()
        await process.wait()


async def bench_mode(
    *, batching: bool, latency_ms: int, households: int, queries: int, concurrencies: Sequence[int]
) -> dict[str, Any]:
    workdir = WORKDIR / ("batched" if batching else "unbatched")
    workdir.mkdir(parents=True, exist_ok=True)
    async with start_sandbox(workdir, households=households, latency_ms=latency_ms) as sandbox:
        config = demo_config(sandbox, auth=development_auth(), timeout_s=10.0)  # served on loopback only
        config["limits"] = dict(RATE_LIMITS_OUT_OF_REACH)
        if not batching:
            config["tuning"] = {"batching": False}
        config_path = write_config(config, workdir / "authority.toml")
        async with (
            gateway_process(config_path) as url,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session,
        ):
            cms_ids = [f"C{i:06d}" for i in range(1, queries + 1)]
            for cms_id in cms_ids[:10]:  # warm-up: connections, the police extract, document caches
                await run_query(session, url, cms_id)
            runs = await measure_sequential(session, sandbox, url, cms_ids)
            floors = [
                await critical_path_floor(session, sandbox.urls, functools.partial(run_query, session, url, cms_id))
                for cms_id in cms_ids
            ]
            mash = await measure_children(session, sandbox, url, [f"C{i:06d}" for i in range(1, MASH_LIST_SIZE + 1)])
            throughput = {c: await measure_throughput(session, url, cms_ids, c, max(20, 4 * c)) for c in concurrencies}
    return {"runs": runs, "floors": floors, "throughput": throughput, "mash": mash}


def summarise(name: str, result: dict[str, Any]) -> list[str]:
    runs: list[QueryRun] = result["runs"]
    seconds = [r.seconds for r in runs]
    p50, p95 = statistics.median(seconds), percentile(seconds, 0.95)
    floors = [sum(f.values()) for f in result["floors"]]
    floor = statistics.median(floors)
    ratios = [r.seconds / f for r, f in zip(runs, floors, strict=True)]
    depth = statistics.median_high(len(f) for f in result["floors"])  # the usual number of levels
    same = [f for f in result["floors"] if len(f) == depth]
    level_medians = {k: statistics.median(f[k] for f in same) for k in same[0]}
    lines = [f"### {name}", ""]
    lines.append("| household members | queries | " + " | ".join(f"{s} requests/query" for s in HTTP_SYSTEMS) + " |")
    lines.append("|---|---|" + "---|" * len(HTTP_SYSTEMS))
    by_size: dict[int, list[QueryRun]] = {}
    for run in runs:
        by_size.setdefault(run.members, []).append(run)
    for size in sorted(by_size):
        group = by_size[size]
        cells = []
        for system in HTTP_SYSTEMS:
            counts = Counter(r.requests[system] for r in group)
            cells.append(", ".join(f"{n}" for n in sorted(counts)))
        lines.append(f"| {size} | {len(group)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"- latency: p50 **{p50 * 1000:.1f} ms**, p95 {p95 * 1000:.1f} ms over {len(runs)} sequential queries",
        "- critical-path floor (each child's upstream calls, as the gateway made them, replayed directly level by "
        "level; median): **{:.1f} ms** ({} of the {} queries with the usual {} levels: {})".format(
            floor * 1000,
            len(same),
            len(result["floors"]),
            depth,
            ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in level_medians.items()),
        ),
        f"- p50 / floor: **{p50 / floor:.3f}**; per query, latency / its own floor: median "
        f"**{statistics.median(ratios):.3f}**, p95 {percentile(ratios, 0.95):.3f}",
        "- throughput: " + ", ".join(f"{q:.1f} queries/s at concurrency {c}" for c, q in result["throughput"].items()),
        f"- `children` for {MASH_LIST_SIZE} children ({result['mash'].members} household members), each with its "
        f"household and everyone's checks: p50 **{result['mash'].seconds * 1000:.0f} ms**, upstream requests: "
        + ", ".join(f"{system} {n}" for system, n in result["mash"].requests.items()),
        "",
    ]
    return lines


async def main_async(args: argparse.Namespace) -> str:
    concurrencies = (1, 4, 16)
    batched = await bench_mode(
        batching=True,
        latency_ms=args.latency_ms,
        households=args.households,
        queries=args.queries,
        concurrencies=concurrencies,
    )
    unbatched = await bench_mode(
        batching=False,
        latency_ms=args.latency_ms,
        households=args.households,
        queries=args.queries,
        concurrencies=concurrencies,
    )
    b50 = statistics.median(r.seconds for r in batched["runs"])
    u50 = statistics.median(r.seconds for r in unbatched["runs"])
    b_req = statistics.mean(sum(r.requests.values()) for r in batched["runs"])
    u_req = statistics.mean(sum(r.requests.values()) for r in unbatched["runs"])
    lines = [
        "# Benchmarks",
        "",
        "## The family-context query",
        "",
        f"Run on {datetime.date.today().isoformat()} by `make bench` (`python -m benchmarks.family_context`), on "
        f"{platform.machine()} with {_cpus()} CPUs, Python {platform.python_version()}. "
        f"{args.latency_ms} ms injected into every simulated HTTP request; {args.households} households; "
        f"the first {args.queries} children (C000001...), each queried once in order, then again under concurrency. "
        "The gateway runs as `family-context serve` in its own process; the simulated systems and the load run in "
        "another. The query: the child with its own service checks, its household, and every member's service "
        "checks with involvements (`STANDARD_QUERY` in the benchmark). Upstream requests are counted by the "
        "simulated systems themselves. The police extract and the school database are local files: they take no "
        "requests.",
        "",
        "Requests per query, per source: the CMS twice (the child and its relationships, together at level 1); "
        "adult social care at most three times, whatever the household size (at level 2, the residents at the "
        "child's address, and one batch for the child's own check with the checks of every member the CMS records; "
        "at level 3, one batch for the members found only at the address, if any); housing, which has no batch "
        "endpoint, once for the address and once per person checked (the child and each member), in parallel. "
        "With batching off, adult social care gets one request per person instead.",
        "",
        *summarise("Batched (the gateway as shipped)", batched),
        *summarise("Batching off (baseline: `[tuning] batching = false`)", unbatched),
        "### Batched against the baseline",
        "",
        f"- upstream HTTP requests per query: {b_req:.1f} batched vs {u_req:.1f} unbatched "
        f"({u_req / b_req:.1f}x fewer)",
        f"- p50 latency: {b50 * 1000:.1f} ms batched vs {u50 * 1000:.1f} ms unbatched ({u50 / b50:.2f}x)",
        "",
    ]
    return "\n".join(lines)


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--no-write", action="store_true", help="print the report without writing docs/")
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    publish(REPORT, report, write=not args.no_write)


if __name__ == "__main__":
    main()
