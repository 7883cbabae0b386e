"""Admission control: a bound on GraphQL requests running and queued per process; beyond it, 503 at once.

First the wrapper alone around a small ASGI app (queue full, queue wait beyond the deadline, first come first
served), then the real stack: a burst against a gateway admitting one request and queueing one.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from starlette.types import Message, Receive, Scope, Send

from gateway.admission import AdmissionControl
from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUERY = """
query($cmsId: ID!) {
  child(cmsId: $cmsId) { name { full } household { members { individual { serviceChecks { service outcome } } } } }
}
"""


class SlowApp:
    """An ASGI app that answers 200 after `seconds`, noting the order requests started in."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.started.append(scope["path"])
        await asyncio.sleep(self.seconds)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def call(app: AdmissionControl, path: str = "/graphql") -> tuple[int, dict[str, str], Any, float]:
    """One request through the wrapper: status, headers, JSON body and the seconds it took."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": path, "headers": [], "state": {}}
    started = time.perf_counter()
    await app(scope, receive, send)
    elapsed = time.perf_counter() - started
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, json.loads(body), elapsed


async def test_beyond_the_queue_the_answer_is_503_at_once() -> None:
    inner = SlowApp(0.3)
    refused: list[tuple[int, float]] = []
    app = AdmissionControl(
        inner, max_concurrent=1, max_queued=1, queue_timeout_s=5.0, on_refused=lambda *r: refused.append(r)
    )
    results = await asyncio.gather(*(call(app, f"/graphql/{i}") for i in range(5)))
    statuses = [status for status, *_ in results]
    assert sorted(statuses) == [200, 200, 503, 503, 503]
    for status, headers, body, elapsed in results:
        if status == 503:
            assert elapsed < 0.1  # at once, not after a timeout
            assert headers["retry-after"] == "1"
            assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "OVERLOADED"
    assert inner.started == ["/graphql/0", "/graphql/1"]  # first come, first served
    assert [status for status, _ in refused] == [503, 503, 503]
    assert app.running == 0 and app.queued == 0


async def test_a_request_queued_longer_than_the_deadline_is_answered_503() -> None:
    inner = SlowApp(0.5)
    app = AdmissionControl(inner, max_concurrent=1, max_queued=4, queue_timeout_s=0.2)
    first, second = await asyncio.gather(call(app), call(app))
    assert first[0] == 200
    status, headers, body, elapsed = second
    assert status == 503 and "retry-after" in headers
    assert body["errors"][0]["extensions"]["code"] == "OVERLOADED"
    assert 0.15 < elapsed < 0.5
    assert app.running == 0 and app.queued == 0
    inner.seconds = 0.0
    assert (await call(app))[0] == 200  # the slot given back


async def test_within_the_bounds_every_request_runs() -> None:
    app = AdmissionControl(SlowApp(0.05), max_concurrent=2, max_queued=8, queue_timeout_s=5.0)
    results = await asyncio.gather(*(call(app) for _ in range(10)))
    assert [status for status, *_ in results] == [200] * 10


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    limits = {"max_concurrent_requests": 1, "max_queued_requests": 1}
    workdir = Path(tmp_path_factory.mktemp("admission"))
    async with running_stack(workdir, households=40, config_changes={"limits": limits}) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def slow_housing(stack: Stack) -> AsyncIterator[Stack]:
    """Housing answers after 300 ms (within its timeout): a family-context request takes over half a second."""
    await stack.sandbox.set_fault("housing", "none", latency_ms=300)
    yield stack
    stack.sandbox.clear_fault("housing")


async def post(stack: Stack, cms_id: str) -> tuple[int, dict[str, Any], str | None, float]:
    started = time.perf_counter()
    async with stack.http.post(
        f"{stack.url}/graphql",
        json={"query": QUERY, "variables": {"cmsId": cms_id}},
        headers={"X-Purpose": "ASSESSMENT"},
    ) as response:
        body: dict[str, Any] = await response.json()
        return response.status, body, response.headers.get("Retry-After"), time.perf_counter() - started


async def test_a_burst_gets_503s_at_once_while_admitted_requests_complete_and_healthz_answers(
    slow_housing: Stack,
) -> None:
    stack = slow_housing
    children = [p.id for p in stack.sandbox.population.cms.people.values() if p.is_child][:6]
    refused_before = await stack.metric("family_context_graphql_requests_total", status="503")
    burst = [asyncio.create_task(post(stack, cms_id)) for cms_id in children]
    await asyncio.sleep(0.1)  # the burst is in: one request running, one queued
    started = time.perf_counter()
    async with stack.http.get(f"{stack.url}/healthz") as health:
        assert health.status == 200
    healthz_s = time.perf_counter() - started
    results = await asyncio.gather(*burst)

    statuses = sorted(status for status, *_ in results)
    assert statuses == [200, 200, 503, 503, 503, 503], statuses
    for status, body, retry_after, elapsed in results:
        if status == 200:
            assert "errors" not in body and body["data"]["child"] is not None
        else:
            assert elapsed < 0.25, f"503 after {elapsed:.2f}s"  # refused at once, not after a timeout
            assert retry_after == "1"
            assert body == {
                "data": None,
                "errors": [{"message": body["errors"][0]["message"], "extensions": {"code": "OVERLOADED"}}],
            }
    assert healthz_s < 0.1, f"/healthz took {healthz_s:.2f}s"
    assert await stack.metric("family_context_graphql_requests_total", status="503") == refused_before + 4
    # And afterwards the gateway answers as usual.
    assert (await post(stack, children[0]))[0] == 200


async def test_healthz_and_readyz_are_never_queued(slow_housing: Stack) -> None:
    stack = slow_housing
    busy = [asyncio.create_task(post(stack, cms_id)) for cms_id in ("C000001", "C000002")]  # one runs, one waits
    await asyncio.sleep(0.1)
    try:
        async with aiohttp.ClientSession() as other:
            for path in ("/healthz", "/readyz"):
                async with other.get(f"{stack.url}{path}") as response:
                    assert response.status == 200, path
                # Answered while the GraphQL requests still run and wait (/readyz probes housing: 0.3 s).
                assert not all(task.done() for task in busy), path
    finally:
        results = await asyncio.gather(*busy)
    assert [status for status, *_ in results] == [200, 200]
