"""Fault knobs and request counters on every HTTP system, at start-up and at run time."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
import pytest

from sandbox.population import Population
from sandbox.runner import RunningSandbox, start_sandbox

HTTP_SYSTEMS = ("cms", "adult_social_care", "housing")
SHORT = aiohttp.ClientTimeout(total=0.3)


async def test_requests_are_counted_by_route(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    url = sandbox.urls["cms"]
    for _ in range(3):
        async with http.post(f"{url}/api/v1/children/batch", json={"ids": ["C000001"]}):
            pass
    async with http.get(f"{url}/health") as response:
        assert await response.json() == {"status": "ok"}

    assert await sandbox.stats("cms") == {"requests": {"children_batch": 3, "health": 1}, "total": 4}
    async with http.get(f"{url}/_sandbox/stats") as response:
        assert await response.json() == {"requests": {"children_batch": 3, "health": 1}, "total": 4}

    async with http.post(f"{url}/_sandbox/reset") as response:
        assert response.status == 200
    assert await sandbox.stats("cms") == {"requests": {}, "total": 0}


async def test_reset_stats_zeroes_every_system(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    for system in HTTP_SYSTEMS:
        async with http.get(f"{sandbox.urls[system]}/health"):
            pass

    await sandbox.reset_stats()

    for system in HTTP_SYSTEMS:
        assert (await sandbox.stats(system))["total"] == 0


@pytest.mark.parametrize("system", HTTP_SYSTEMS)
async def test_down_answers_503(sandbox: RunningSandbox, http: aiohttp.ClientSession, system: str) -> None:
    await sandbox.set_fault(system, "down")

    async with http.get(f"{sandbox.urls[system]}/health") as response:
        assert response.status == 503
        assert response.content_type == "text/plain"

    sandbox.clear_fault(system)
    async with http.get(f"{sandbox.urls[system]}/health") as response:
        assert response.status == 200
    assert (await sandbox.stats(system))["requests"]["health"] == 2  # faulty requests are counted too


@pytest.mark.parametrize("system", HTTP_SYSTEMS)
async def test_slow_never_answers(sandbox: RunningSandbox, http: aiohttp.ClientSession, system: str) -> None:
    await sandbox.set_fault(system, "slow")

    with pytest.raises(asyncio.TimeoutError):
        await http.get(f"{sandbox.urls[system]}/health", timeout=SHORT)


async def test_garbage_is_not_the_promised_json(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    await sandbox.set_fault("cms", "garbage")
    bodies = []
    for _ in range(2):
        async with http.post(f"{sandbox.urls['cms']}/api/v1/children/batch", json={"ids": ["C000001"]}) as r:
            assert r.status == 200
            bodies.append((r.content_type, await r.text()))

    assert {content_type for content_type, _ in bodies} == {"application/json", "text/html"}
    for _, text in bodies:
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)


async def test_throttle_asks_to_retry_later(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    await sandbox.set_fault("housing", "throttle")

    async with http.get(f"{sandbox.urls['housing']}/api/tenants/H0000001") as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "1"


async def test_error_rate_fails_that_fraction_reproducibly(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    async def statuses() -> list[int]:
        result = []
        for _ in range(60):
            async with http.get(f"{sandbox.urls['adult_social_care']}/health") as response:
                result.append(response.status)
        return result

    await sandbox.set_fault("adult_social_care", "error_rate", error_rate=0.3)
    first = await statuses()
    await sandbox.set_fault("adult_social_care", "error_rate", error_rate=0.3)
    second = await statuses()

    assert set(first) == {200, 500}
    assert 5 < first.count(500) < 35
    assert first == second


async def test_latency_is_added_to_every_request(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    await sandbox.set_fault("cms", "none", latency_ms=150)

    started = time.perf_counter()
    async with http.get(f"{sandbox.urls['cms']}/health") as response:
        assert response.status == 200

    assert time.perf_counter() - started >= 0.15


async def test_recording_keeps_each_request_until_handed_over(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    url = sandbox.urls["cms"]
    async with http.get(f"{url}/health"):
        pass  # before recording: not kept
    await sandbox.set_fault("cms", "none", latency_ms=60)
    async with http.post(f"{url}/_sandbox/record") as response:
        assert response.status == 200
    body = {"ids": ["C000001"]}
    async with http.post(f"{url}/api/v1/children/batch", json=body) as response:
        assert response.status == 200
        assert (await response.json())["children"][0]["id"] == "C000001"  # the handler still read the body
    async with http.get(f"{url}/health?probe=1") as response:
        assert response.status == 200

    async with http.get(f"{url}/_sandbox/recorded") as response:
        recorded = (await response.json())["requests"]
    assert [(r["method"], r["path"]) for r in recorded] == [
        ("POST", "/api/v1/children/batch"),
        ("GET", "/health?probe=1"),
    ]
    assert json.loads(recorded[0]["body"]) == body
    assert recorded[0]["contentType"] == "application/json"
    assert recorded[1]["body"] == "" and recorded[1]["contentType"] is None
    assert all(r["answered"] - r["arrived"] >= 0.06 for r in recorded)  # the latency falls between the two
    assert recorded[0]["answered"] <= recorded[1]["arrived"]

    async with http.get(f"{url}/health"):
        pass  # handed over: recording stopped
    async with http.get(f"{url}/_sandbox/recorded") as response:
        assert (await response.json())["requests"] == []


async def test_faults_are_set_over_http_too(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    url = sandbox.urls["housing"]
    async with http.post(f"{url}/_sandbox/faults", json={"mode": "down", "latency_ms": 0}) as response:
        assert await response.json() == {"mode": "down", "latency_ms": 0, "error_rate": 0.0}
    async with http.get(f"{url}/health") as response:
        assert response.status == 503
    async with http.get(f"{url}/_sandbox/stats") as response:
        assert response.status == 200  # the sandbox's own routes ignore faults
    async with http.post(f"{url}/_sandbox/faults", json={"mode": "sideways"}) as response:
        assert response.status == 400
    async with http.post(f"{url}/_sandbox/faults", json={"mode": "none"}) as response:
        assert response.status == 200
    async with http.get(f"{url}/health") as response:
        assert response.status == 200


async def test_faults_and_latency_at_start_up(tmp_path: Path, population: Population) -> None:
    async with (
        start_sandbox(
            tmp_path, population=population, latency_ms=50, faults={"cms": "down", "housing": "slow"}
        ) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        async with http.get(f"{sandbox.urls['cms']}/health") as response:
            assert response.status == 503
        with pytest.raises(asyncio.TimeoutError):
            await http.get(f"{sandbox.urls['housing']}/health", timeout=SHORT)
        started = time.perf_counter()
        async with http.get(f"{sandbox.urls['adult_social_care']}/health") as response:
            assert response.status == 200
        assert time.perf_counter() - started >= 0.05
        sandbox.clear_fault("cms")
        async with http.get(f"{sandbox.urls['cms']}/health") as response:
            assert response.status == 200


async def test_shutdown_releases_a_request_still_held(tmp_path: Path, population: Population) -> None:
    async with aiohttp.ClientSession() as http:
        async with start_sandbox(tmp_path, population=population, faults={"cms": "slow"}) as sandbox:
            held = asyncio.create_task(http.get(f"{sandbox.urls['cms']}/health"))
            await asyncio.sleep(0.1)
            started = time.perf_counter()
        assert time.perf_counter() - started < 2
        response = await held
        assert response.status == 503
        response.release()


async def test_unknown_systems_and_modes_are_refused(tmp_path: Path, population: Population) -> None:
    with pytest.raises(ValueError, match="unknown systems"):
        async with start_sandbox(tmp_path, population=population, faults={"probation": "down"}):
            pass
    async with start_sandbox(tmp_path, population=population) as sandbox:
        with pytest.raises(ValueError):
            await sandbox.set_fault("cms", "sideways")
        with pytest.raises(ValueError):
            await sandbox.set_fault("police", "throttle")
        with pytest.raises(ValueError):
            await sandbox.stats("police")
