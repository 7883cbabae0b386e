"""Benchmark: the standard family-context query against the simulated systems, batched and not.

    python -m benchmarks.family_context [--latency-ms 50] [--households 300] [--queries 60]

Starts the sandbox with a fixed latency injected into every simulated HTTP request, and a real gateway on
loopback, then reports (and writes to docs/benchmarks.md):

* upstream requests per query, per source, and how they grow with household size;
* p50/p95 latency of the query, sequentially;
* the critical-path floor: the sum, over the query's dependent levels, of the slowest upstream call at that
  level, each measured directly against the same sandbox (no gateway in between);
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
from benchmarks.stats import percentile
from gateway.demo import demo_config, development_auth, write_config
from gateway.graphiql import EXAMPLE_QUERY
from linkage import Demographics, candidate_keys
from resolvers.household import RECORDED_RELATIONSHIP
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


def _candidate_query(ref: str, person: Mapping[str, Any]) -> dict[str, Any]:
    dob = datetime.date.fromisoformat(person["dateOfBirth"]) if person.get("dateOfBirth") else None
    keys = candidate_keys(Demographics(given_name=person["forename"], family_name=person["surname"], date_of_birth=dob))
    return {"ref": ref, **keys.to_json()}


def _housing_params(person: Mapping[str, Any]) -> list[tuple[str, str]]:
    query = _candidate_query("0", person)
    params = [("surname", name) for name in query["surnames"]]
    params += [("dob", datetime.date.fromisoformat(d).strftime("%d/%m/%Y")) for d in query["datesOfBirth"]]
    params += [("birthYear", str(y)) for y in query["birthYears"]]
    return params


# The household as the gateway links it: who is there only because a source places them at the child's address.
HOUSEHOLD_BASIS_QUERY = """
query($cmsId: ID!) {
  child(cmsId: $cmsId) {
    household { members { basis { kind } individual { name { given family } dateOfBirth } } }
  }
}
"""


async def address_only_members(session: aiohttp.ClientSession, url: str, cms_id: str) -> list[dict[str, Any]]:
    """The child's household members that no CMS relationship records (`forename`, `surname`, `dateOfBirth`), as
    the gateway at `url` links them: found only at the child's address, so their checks can start only once the
    address look-ups have answered."""
    async with session.post(
        f"{url}/graphql", json={"query": HOUSEHOLD_BASIS_QUERY, "variables": {"cmsId": cms_id}}, headers=PURPOSE
    ) as r:
        body = await r.json(content_type=None)
    household = ((body.get("data") or {}).get("child") or {}).get("household") or {}
    found = []
    for member in household.get("members") or ():
        if any(b["kind"] == RECORDED_RELATIONSHIP for b in member["basis"]):
            continue
        individual = member["individual"] or {}
        name = individual.get("name") or {}
        found.append(
            {
                "forename": name.get("given") or "",
                "surname": name.get("family") or "",
                "dateOfBirth": individual.get("dateOfBirth"),
            }
        )
    return found


async def critical_path_floor(
    session: aiohttp.ClientSession,
    sandbox: RunningSandbox,
    cms_id: str,
    address_only: Sequence[Mapping[str, Any]] = (),
    repeats: int = 3,
) -> dict[str, float]:
    """The child's critical path without the gateway: each level's upstream calls, made together, directly, as
    the data depend on each other.

    Level 1: the CMS child and the child's CMS relationships (they need only the child's id). Level 2: residents at
    the child's address (adult social care, housing), the child's own checks, and the checks of every member the
    CMS records: one adult social care batch and one housing request per member, as the gateway makes them (same
    candidate keys, so the same answers). Level 3, only for a household with `address_only` members (found only at
    the address, `address_only_members`): their checks. The police extract and the school database are local
    reads, so the HTTP sources bound each level.
    """
    urls = sandbox.urls
    cms, asc, housing = urls["cms"], urls["adult_social_care"], urls["housing"]
    child = (await _post(session, f"{cms}/api/v1/children/batch", {"ids": [cms_id]}))["children"][0]
    relationships = await _post(session, f"{cms}/api/v1/relationships/batch", {"childIds": [cms_id]})
    members = relationships["relationships"][cms_id]
    address = child["address"]

    def post(url: str, body: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        return lambda: _post(session, url, body)

    def get(url: str, params: Sequence[tuple[str, str]]) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            async with session.get(url, params=list(params)) as response:
                return await response.read()

        return call

    def checks(people: Sequence[Mapping[str, Any]]) -> list[Callable[[], Awaitable[Any]]]:
        queries = [_candidate_query(str(i), p) for i, p in enumerate(people)]
        return [
            post(f"{asc}/api/clients/match", {"queries": queries}),
            *(get(f"{housing}/api/tenants/search", _housing_params(p)) for p in people),
        ]

    at_address = [("postcode", address["postcode"]), ("line1", address["line1"])]
    level1 = [
        post(f"{cms}/api/v1/children/batch", {"ids": [cms_id]}),
        post(f"{cms}/api/v1/relationships/batch", {"childIds": [cms_id]}),
    ]
    level2 = [
        post(f"{asc}/api/clients/at-addresses", {"addresses": [{"ref": "0", **dict(at_address)}]}),
        get(f"{housing}/api/tenancies/at-address", at_address),
        *checks([child]),
        *(checks(members) if members else ()),
    ]
    return {
        "level 1": await _level_time(level1, repeats),
        "level 2": await _level_time(level2, repeats),
        "level 3": await _level_time(checks(address_only), repeats) if address_only else 0.0,
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
                await critical_path_floor(session, sandbox, cms_id, await address_only_members(session, url, cms_id))
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
    level_medians = {k: statistics.median(f[k] for f in result["floors"]) for k in result["floors"][0]}
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
        "- critical-path floor (each child's levels replayed directly; median): **{:.1f} ms** ({})".format(
            floor * 1000, ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in level_medians.items())
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
