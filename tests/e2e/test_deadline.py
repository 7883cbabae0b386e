"""The request deadline end to end: one hanging source costs one timeout, not one per level of the query; a
deadline shorter than a source's timeout cuts the request off with a partial answer and one DEADLINE_EXCEEDED
error; and healthy sources' breakers stay closed however long calls queue for the gateway's own slots."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.conftest import TEST_TIMEOUT_S, Stack, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUERY = """
query($cmsId: ID!) {
  child(cmsId: $cmsId) {
    name { full }
    serviceChecks { service outcome explanation }
    household {
      incomplete unavailableSources
      members { basis { kind } individual { name { full } serviceChecks { service outcome explanation } } }
    }
  }
}
"""
SERVICES = ("ADULT_SOCIAL_CARE", "HOUSING", "POLICE", "SCHOOL")
SERVICE_OF = {"adult_social_care": "ADULT_SOCIAL_CARE", "housing": "HOUSING", "school": "SCHOOL"}
SYSTEM_OF = {"housing": "Demo Homes (simulated)"}
# Room for a loaded machine on top of the figures asserted, less than a second timeout would take.
SLACK_S = 0.45
SHORT_DEADLINE_S = 0.4
HOUSING_SLOTS = 16  # housing's max_concurrency here (the demo's own is sized for bulk requests: calls never queue)
PER_REQUEST = 12  # of them, one request's share (three quarters, the default)
LATENCY_MS = 150  # shorter than every source's timeout (TEST_TIMEOUT_S)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(
        Path(tmp_path_factory.mktemp("deadline")),
        roles=("SOCIAL_WORKER", "ADMIN"),
        source_changes={"HOUSING": {"max_concurrency": HOUSING_SLOTS, "max_concurrency_per_request": PER_REQUEST}},
    ) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hurried(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    limits = {"request_timeout_s": SHORT_DEADLINE_S}
    async with running_stack(
        Path(tmp_path_factory.mktemp("hurried")), roles=("SOCIAL_WORKER", "ADMIN"), config_changes={"limits": limits}
    ) as running:
        yield running


async def timed(stack: Stack, cms_id: str = "C000001") -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    body = await stack.query(QUERY, {"cmsId": cms_id})
    return time.perf_counter() - started, body


def checks(child: dict[str, Any], service: str) -> list[dict[str, Any]]:
    people = [child] + [m["individual"] for m in child["household"]["members"]]
    return [next(c for c in p["serviceChecks"] if c["service"] == service) for p in people]


def outcomes(child: dict[str, Any], service: str) -> list[str]:
    return [c["outcome"] for c in checks(child, service)]


def asked(child: dict[str, Any], service: str) -> list[dict[str, Any]]:
    """The checks that needed the source (a check that does not apply to a person needs no source)."""
    return [c for c in checks(child, service) if c["outcome"] != "NOT_APPLICABLE"]


@pytest.mark.parametrize("system", ["adult_social_care", "housing", "school"])
async def test_one_hanging_source_costs_one_timeout_not_one_per_level(stack: Stack, system: str) -> None:
    healthy_s, healthy = await timed(stack)
    await stack.sandbox.reset_stats()
    await stack.sandbox.set_fault(system, "slow")
    try:
        elapsed, body = await timed(stack)
        upstream = await stack.upstream()
    finally:
        stack.sandbox.clear_fault(system)
    # The child, then the household with the checks of the child and of the members the CMS records, then the
    # checks of members found only at the address: levels that ask the source. Within one timeout plus the healthy
    # levels, not one timeout per level.
    assert elapsed < TEST_TIMEOUT_S + healthy_s + SLACK_S, f"{system}: {elapsed:.2f}s (healthy {healthy_s:.2f}s)"
    child = body["data"]["child"]
    service = SERVICE_OF[system]
    assert asked(child, service) and {c["outcome"] for c in asked(child, service)} == {"UNAVAILABLE"}
    for other in set(SERVICES) - {service}:
        assert outcomes(child, other) == outcomes(healthy["data"]["child"], other)
    codes = [e["extensions"]["code"] for e in body["errors"]]
    assert codes == ["SOURCE_UNAVAILABLE"]  # the source's own timeout: its fault, not the request's deadline
    if system in upstream:
        # Asked at the second level only (the residents at the address, the checks of the child and of the members
        # the CMS records), never again.
        assert 1 <= upstream[system] <= second_level(healthy["data"]["child"], SERVICE_OF[system]), upstream


def second_level(child: dict[str, Any], service: str) -> int:
    """The requests a healthy source gets at the second level: one for the residents at the address, and the
    look-ups of the child and of the members the CMS records that need the source (housing: one per person; adult
    social care: one batch)."""
    on_record = [
        m["individual"]
        for m in child["household"]["members"]
        if any(b["kind"] == "recorded relationship" for b in m["basis"])
    ]
    needing = [
        p
        for p in [child, *on_record]
        if next(c for c in p["serviceChecks"] if c["service"] == service)["outcome"] != "NOT_APPLICABLE"
    ]
    return 1 + (len(needing) if service == "HOUSING" else min(len(needing), 1))


async def test_healthy_breakers_stay_closed_however_long_calls_queue_for_a_slot(stack: Stack) -> None:
    """Many requests at once against a slowish source: calls wait for the gateway's slots far longer than the
    source's timeout, yet every answer is whole and the breaker never opens (it once opened for everyone)."""
    children = [p.id for p in stack.sandbox.population.cms.people.values() if p.is_child][:48]
    # The premise: at one level, every child's candidates and residents (two calls each) queue for housing's
    # slots; the last of them wait longer for a slot than the source's timeout.
    assert len(children) == 48 and 2 * len(children) / HOUSING_SLOTS * LATENCY_MS / 1000 > TEST_TIMEOUT_S
    timeouts_before = await stack.metric("family_context_upstream_requests_total", outcome="timeout")
    calls_before = await stack.metric("family_context_upstream_requests_total", source=SYSTEM_OF["housing"])
    await stack.sandbox.set_fault("housing", "none", latency_ms=LATENCY_MS)
    try:
        started = time.perf_counter()
        bodies = await asyncio.gather(*(stack.query(QUERY, {"cmsId": cms_id}) for cms_id in children))
        elapsed = time.perf_counter() - started
    finally:
        stack.sandbox.clear_fault("housing")
    housing_calls = await stack.metric("family_context_upstream_requests_total", source=SYSTEM_OF["housing"])
    housing_calls -= calls_before
    assert housing_calls >= 2 * len(children), housing_calls
    assert elapsed > TEST_TIMEOUT_S
    assert all("errors" not in body for body in bodies), [b.get("errors") for b in bodies if "errors" in b][:1]
    assert all(body["data"]["child"] is not None for body in bodies)
    assert await stack.metric("family_context_upstream_requests_total", outcome="timeout") == timeouts_before
    assert await stack.metric("family_context_upstream_requests_total", outcome="circuit_open") == 0
    health = await stack.query("{ sources { service health } }")
    assert {s["service"]: s["health"] for s in health["data"]["sources"]}["HOUSING"] == "UP"


async def test_a_deadline_shorter_than_a_sources_timeout_cuts_the_request_off(hurried: Stack) -> None:
    _, healthy = await timed(hurried)
    assert "errors" not in healthy, healthy.get("errors")
    await hurried.sandbox.set_fault("housing", "slow")
    try:
        elapsed, body = await timed(hurried)
    finally:
        hurried.sandbox.clear_fault("housing")
    assert elapsed < SHORT_DEADLINE_S + SLACK_S / 2 < TEST_TIMEOUT_S + SLACK_S / 2, f"{elapsed:.2f}s"
    child, before = body["data"]["child"], healthy["data"]["child"]
    assert child["name"] == before["name"]
    housing = asked(child, "HOUSING")
    assert housing and all(c["outcome"] == "UNAVAILABLE" and "deadline exceeded" in c["explanation"] for c in housing)
    # What resolved before the deadline is kept: the child's own checks. The household came only when housing's
    # calls were cut off, at the deadline: the members' checks that needed a source could no longer be made.
    for other in set(SERVICES) - {"HOUSING"}:
        assert outcomes(child, other)[0] == outcomes(before, other)[0]
        for now, then in zip(checks(child, other)[1:], checks(before, other)[1:], strict=True):
            assert now["outcome"] == then["outcome"] or "deadline exceeded" in now["explanation"]
    [error] = body["errors"]  # one error for the request, none blaming a source
    assert error["extensions"]["code"] == "DEADLINE_EXCEEDED"
    assert error["extensions"]["systems"][0] == SYSTEM_OF["housing"]
    assert "ran out of time" in error["message"]
    # Cut off by the deadline, not timed out: nothing charged to the source, whose breaker stays closed.
    assert await hurried.metric("family_context_upstream_requests_total", outcome="timeout") == 0
    assert await hurried.metric("family_context_upstream_requests_total", outcome="deadline") >= 1
    health = await hurried.query("{ sources { service health } }")
    assert {s["service"]: s["health"] for s in health["data"]["sources"]}["HOUSING"] == "UP"
