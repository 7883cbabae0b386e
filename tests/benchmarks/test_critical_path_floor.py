"""benchmarks/family_context.py's critical-path floor: a query's upstream calls, recorded by the simulated systems,
grouped into levels and sent again directly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from benchmarks.family_context import UpstreamCall, critical_path_floor, levels_of, recorded_calls
from sandbox.population import Population, generate
from sandbox.runner import RunningSandbox, start_sandbox

LATENCY_MS = 40


def call(path: str, arrived: float, answered: float) -> UpstreamCall:
    return UpstreamCall("http://s", "POST", path, "{}", "application/json", arrived, answered)


def test_a_call_sent_before_its_level_has_answered_joins_it() -> None:
    calls = [
        call("/b", 0.2, 50.0),
        call("/a", 0.0, 51.0),
        call("/d", 53.0, 104.0),  # after both answers: the next level
        call("/c", 52.0, 103.0),
        call("/e", 103.5, 150.0),  # before /d answered: still the second level
        call("/f", 160.0, 210.0),
    ]
    assert [[c.path for c in level] for level in levels_of(calls)] == [["/a", "/b"], ["/c", "/d", "/e"], ["/f"]]
    assert levels_of([]) == []


@pytest.fixture(scope="module")
def population() -> Population:
    return generate(7, 40)


@pytest.fixture
async def sandbox(tmp_path: Path, population: Population) -> AsyncIterator[RunningSandbox]:
    async with start_sandbox(tmp_path, seed=7, population=population, latency_ms=LATENCY_MS) as running:
        yield running


async def test_the_floor_replays_each_level_of_the_calls_a_query_made(sandbox: RunningSandbox) -> None:
    cms, asc = sandbox.urls["cms"], sandbox.urls["adult_social_care"]

    async with aiohttp.ClientSession() as session:

        async def post(url: str, body: dict[str, object]) -> object:
            async with session.post(url, json=body) as response:
                response.raise_for_status()
                return await response.json()

        async def query() -> None:
            # Two calls together, then one that needed their answers: two levels.
            await asyncio.gather(
                post(f"{cms}/api/v1/children/batch", {"ids": ["C000001"]}),
                post(f"{cms}/api/v1/relationships/batch", {"childIds": ["C000001"]}),
            )
            address = {"ref": "0", "postcode": "X1 1XX", "line1": "1 High Street"}
            await post(f"{asc}/api/clients/at-addresses", {"addresses": [address]})

        calls = await recorded_calls(session, sandbox.urls, query)
        assert sorted(c.path for c in calls) == [
            "/api/clients/at-addresses",
            "/api/v1/children/batch",
            "/api/v1/relationships/batch",
        ]
        await sandbox.reset_stats()

        floor = await critical_path_floor(session, sandbox.urls, query, repeats=2)

    assert list(floor) == ["level 1", "level 2"]
    assert all(LATENCY_MS / 1000 <= seconds < 1.0 for seconds in floor.values())
    # The query ran once more (recorded), then each level was sent twice: the same routes, directly.
    assert (await sandbox.stats("cms"))["requests"] == {"children_batch": 3, "relationships_batch": 3}
    assert (await sandbox.stats("adult_social_care"))["requests"] == {"clients_at_addresses": 3}
    assert (await sandbox.stats("housing"))["total"] == 0
