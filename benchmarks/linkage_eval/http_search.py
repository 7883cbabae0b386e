"""`searchPeople` end to end: the search workload as GraphQL POSTs to a real gateway on loopback over the sandbox."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import linkage
from benchmarks.linkage_eval.search_workload import search_workload
from resolvers.ids import decode
from sandbox.population import Population

WARM_UP_SEARCHES = 10  # connections, the police extract and school database opened
PAGE = 20  # searchPeople's default page: what a user sees first

SEARCH_PEOPLE = """
query($input: PersonSearchInput!) {
  searchPeople(input: $input) { totalCount matches { match { score level } individual { id } } }
}
"""


@dataclass
class HttpSearchReport:
    """Latencies and result counts of `searchPeople` over HTTP, and the size of the sandbox behind it."""

    households: int
    population: int
    searches: int
    latencies_ms: list[float]
    by_kind_ms: dict[str, list[float]]
    total_counts: list[int]
    startup_seconds: float
    found: dict[str, tuple[int, int]]  # kind -> (sought person on the first page, searches for someone held)


def search_input(terms: linkage.Demographics) -> dict[str, Any]:
    """The GraphQL variables of a search for `terms`."""
    search: dict[str, Any] = {"familyName": terms.family_name}
    if terms.given_name:
        search["givenName"] = terms.given_name
    if terms.date_of_birth:
        search["dateOfBirth"] = terms.date_of_birth.isoformat()
    if terms.postcode:
        search["postcode"] = terms.postcode
    return {"input": search}


async def evaluate_http_search(seed: int, households: int, searches: int, workdir: Path) -> HttpSearchReport:
    """`searchPeople` end to end: a real gateway on loopback over the sandbox (HTTP systems, extract, database)."""
    import aiohttp

    from gateway.demo import demo_stack

    started = time.perf_counter()
    async with (
        demo_stack(workdir, seed=seed, households=households, timeout_s=30.0) as (sandbox, served),
        aiohttp.ClientSession() as session,
    ):
        startup = time.perf_counter() - started
        population = sandbox.population
        cases = search_workload(population.people, searches + WARM_UP_SEARCHES, seed)
        latencies: list[float] = []
        counts: list[int] = []
        by_kind: dict[str, list[float]] = defaultdict(list)
        found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for number, case in enumerate(cases):
            variables = search_input(case.terms)
            began = time.perf_counter()
            async with session.post(
                f"{served.url}/graphql", json={"query": SEARCH_PEOPLE, "variables": variables}
            ) as r:
                body = await r.json()
            elapsed = (time.perf_counter() - began) * 1000
            if body.get("errors"):
                raise RuntimeError(f"searchPeople answered errors: {[e.get('message') for e in body['errors']]}")
            if number < WARM_UP_SEARCHES:
                continue
            latencies.append(elapsed)
            by_kind[case.kind].append(elapsed)
            result = body["data"]["searchPeople"]
            counts.append(int(result["totalCount"]))
            held = _record_ids(population, case.person_id)
            if held:  # a relative no system holds cannot be found
                found[case.kind][1] += 1
                found[case.kind][0] += _lists(result, held)
        return HttpSearchReport(
            households=households,
            population=len(population.people),
            searches=len(latencies),
            latencies_ms=latencies,
            by_kind_ms=dict(by_kind),
            total_counts=counts,
            startup_seconds=startup,
            found={kind: (hits, total) for kind, (hits, total) in found.items()},
        )


def _record_ids(population: Population, person_id: str) -> set[str]:
    """Every record id the systems hold for a true person (CMS, and each service system's)."""
    return {record_id for ids in population.ground_truth.people[person_id].records.values() for record_id in ids}


def _lists(result: dict[str, Any], record_ids: set[str]) -> bool:
    """Whether one of the page's people is one of the sought person's records."""
    return any(decode(match["individual"]["id"]).key in record_ids for match in result["matches"])
