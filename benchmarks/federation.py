"""`make bench-federation`: the router's overhead, and `_entities` batching; written to docs/benchmarks.md.

1. The family-context query for one child (the child, its household, everyone's service checks), sent alternately
   to authority A's gateway directly and through Hive Gateway (which then calls that same gateway once: the query
   touches only authority A's subgraph), `ROUNDS` times each, same children, one run: p50 of each and the ratio.
2. The cross-authority query (`gateway.federation_demo.FAMILY_QUERY`) for the planted child, through the router.
3. `_entities` with 1, 10 and 100 `Child` representations (each with its service checks), sent to the gateway
   directly: upstream requests per source, counted by the simulated systems. Flat means batched.
"""

from __future__ import annotations

import asyncio
import datetime
import platform
import statistics
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import aiohttp

from benchmarks.report_file import write_sections
from gateway.federation_demo import FAMILY_QUERY, FederationStack, federation_stack
from resolvers import ids

ROUNDS = 40
HOUSEHOLDS = 150
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TITLE = "## Federation: the router's overhead and `_entities` batching"

FAMILY = """query FamilyContext($cmsId: ID!) { child(cmsId: $cmsId) { name { full } serviceChecks { service outcome }
  household { members { relationshipToChild individual { name { full } serviceChecks { service outcome } } } } } }"""
ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Individual { id
  serviceChecks { service outcome } } } }"""
SYSTEMS = ("cms", "adult_social_care", "housing")


async def _post(http: aiohttp.ClientSession, url: str, query: str, variables: dict[str, Any], token: str) -> float:
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "ASSESSMENT"}
    started = time.perf_counter()
    async with http.post(url, json={"query": query, "variables": variables}, headers=headers) as response:
        body = await response.json()
    elapsed = time.perf_counter() - started
    if response.status != 200 or body.get("errors"):
        raise RuntimeError(f"benchmark query failed: {response.status} {str(body)[:300]}")
    return elapsed


async def _measure(stack: FederationStack) -> str:
    token = stack.token()
    children = sorted(i for i in stack.sandbox_a.population.cms.people if i.startswith("C"))
    direct: list[float] = []
    routed: list[float] = []
    async with aiohttp.ClientSession() as http:
        for warm in children[:5]:  # warm both paths (document caches, the router's query planner)
            await _post(http, f"{stack.gateway_a}/graphql", FAMILY, {"cmsId": warm}, token)
            await _post(http, f"{stack.router_url}/graphql", FAMILY, {"cmsId": warm}, token)
        for cms_id in children[:ROUNDS]:
            direct.append(await _post(http, f"{stack.gateway_a}/graphql", FAMILY, {"cmsId": cms_id}, token))
            routed.append(await _post(http, f"{stack.router_url}/graphql", FAMILY, {"cmsId": cms_id}, token))
        planted = {"cmsId": stack.family.child_cms_id}
        across = [await _post(http, f"{stack.router_url}/graphql", FAMILY_QUERY, planted, token) for _ in range(ROUNDS)]
        adults = sorted(i for i in stack.sandbox_a.population.cms.people if i.startswith("P"))
        rows = []
        for kind, make, pool in (
            ("Child", ids.child_id, children),
            ("Person", lambda key: ids.person_id("CMS", key), adults),
        ):
            for size in (1, 10, 100):
                representations = [{"__typename": kind, "id": make(key)} for key in pool[:size]]
                await stack.sandbox_a.reset_stats()
                await _post(http, f"{stack.gateway_a}/graphql", ENTITIES, {"r": representations}, token)
                counts = [int((await stack.sandbox_a.stats(s))["total"]) for s in SYSTEMS]
                rows.append(f"| {size} {kind} | " + " | ".join(str(n) for n in counts) + " |")
    p50_direct = statistics.median(direct) * 1000
    p50_routed = statistics.median(routed) * 1000
    today = datetime.date.today().isoformat()
    return "\n".join(
        [
            TITLE,
            "",
            f"Run on {today} by `make bench-federation` (`python -m benchmarks.federation`), on {platform.machine()} "
            f"with Python {platform.python_version()}, one run on a shared machine (other jobs running); no latency "
            "injected into the simulated systems "
            f"({HOUSEHOLDS} households per authority). The stack is `make federation-demo`'s: two authorities' "
            "gateways and the early-help subgraph in this process, Hive Gateway (Node) in its own.",
            "",
            f"The family-context query (the child, its household, everyone's service checks), {ROUNDS} children, "
            "sent alternately straight to authority A's gateway and through Hive Gateway:",
            "",
            f"- direct: p50 **{p50_direct:.1f} ms**; through the router: p50 **{p50_routed:.1f} ms**",
            f"- router overhead: **{p50_routed - p50_direct:.1f} ms** at p50 (ratio {p50_routed / p50_direct:.2f})",
            f"- the cross-authority query (docs/federation.md: the same, plus early help and authority B's checks for "
            f"the planted child's parent; five subgraph requests), {ROUNDS} times through the router: p50 "
            f"**{statistics.median(across) * 1000:.1f} ms**",
            "",
            "`_entities` with N `Child` or `Person` (adults the CMS records) representations, each with its service "
            "checks, sent to the gateway: upstream requests per source. The CMS and adult social care get one "
            "batched request whatever N (none when nobody is in a source's age range; adult social care's batches "
            "hold at most 50, its `max_batch_size`, so 100 people are two requests, sent in parallel); housing has "
            "no batch endpoint, so it gets one request per person in its age range:",
            "",
            "| representations | " + " | ".join(f"{system} requests" for system in SYSTEMS) + " |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )


async def main() -> None:
    with TemporaryDirectory() as workdir:
        async with federation_stack(Path(workdir), households=HOUSEHOLDS) as stack:
            section = await _measure(stack)
    print(section)
    write_sections(DOC, section)
    print(f"wrote {DOC}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
