"""Look-ups started before the fields that want them run (`schema/lookahead.py`): a family query asks the CMS for
the child's relationships in the same round trip as the child, and starts the recorded members' checks while the
residents at the child's address are still being looked up. Shown with systems held mid-request (the sandbox's
`slow` fault answers nothing until it is lifted), so what the test sees is order, not timing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from resolvers import ids
from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Long enough that nothing held here times out before the test lifts the fault.
TIMEOUT_S = 20.0
WAIT_S = 10.0

HOUSING_ONLY = """
query($cmsId: ID!) {
  child(cmsId: $cmsId) {
    household { members { basis { kind } individual { serviceChecks(services: [HOUSING]) { service outcome } } } }
  }
}
"""
# The social worker's page's own operation: named fragments, every service.
PAGE = (Path(__file__).resolve().parents[2] / "webapp" / "operations" / "FamilyContext.graphql").read_text()
QUERIES = {"housing only": HOUSING_ONLY, "the page's": PAGE}
NO_HOUSEHOLD = "query($cmsId: ID!) { child(cmsId: $cmsId) { name { full } serviceChecks { outcome } } }"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    # No age rule on housing: every recorded member is searched there, whatever their age.
    config = {"display_rules": {"housing": {"min_age": 0}}}
    async with running_stack(
        Path(tmp_path_factory.mktemp("lookahead")), households=60, config_changes=config, timeout_s=TIMEOUT_S
    ) as running:
        yield running


def searched(person: dict[str, Any]) -> bool:
    """Whether a person's housing check needed the source (it is in the answer and not out of age)."""
    checks = person.get("serviceChecks") or []
    return any(c["service"] == "HOUSING" and c["outcome"] != "NOT_APPLICABLE" for c in checks)


async def requests(stack: Stack, system: str) -> dict[str, int]:
    counted: dict[str, int] = (await stack.sandbox.stats(system))["requests"]
    return counted


async def until(stack: Stack, system: str, seen: Callable[[Mapping[str, int]], bool]) -> dict[str, int]:
    """The system's request counts, once `seen` holds of them (or after WAIT_S, whatever they are)."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:
        counted = await requests(stack, system)
        if seen(counted) or asyncio.get_running_loop().time() > deadline:
            return counted
        await asyncio.sleep(0.01)


def at_least(**counts: int) -> Callable[[Mapping[str, int]], bool]:
    """Every named request counted at least so often. Requests sent in one round may arrive in either order, so a
    test waits for all it expects (or for WAIT_S) before it asserts what arrived."""
    return lambda counted: all(counted.get(route, 0) >= n for route, n in counts.items())


async def held(stack: Stack, systems: tuple[str, ...], query: str, cms_id: str) -> asyncio.Task[Any]:
    """The query, sent while `systems` answer nothing."""
    await stack.sandbox.reset_stats()
    for system in systems:
        await stack.sandbox.set_fault(system, "slow")
    return asyncio.ensure_future(stack.query(query, {"cmsId": cms_id}))


async def released(stack: Stack, systems: tuple[str, ...], task: asyncio.Task[Any]) -> dict[str, Any]:
    for system in systems:
        stack.sandbox.clear_fault(system)
    body: dict[str, Any] = await asyncio.wait_for(task, WAIT_S)
    return body


@pytest.mark.parametrize("query", list(QUERIES))
async def test_the_relationships_are_asked_for_with_the_child(stack: Stack, query: str) -> None:
    task = await held(stack, ("cms",), QUERIES[query], "C000003")
    try:
        counted = await until(stack, "cms", at_least(children_batch=1, relationships_batch=1))
        # The child's look-up is still held, and the relationships are already asked for.
        assert counted.get("children_batch") == 1, counted
        assert counted.get("relationships_batch") == 1, counted
    finally:
        body = await released(stack, ("cms",), task)
    assert "errors" not in body, body["errors"]
    # Asked once: the household's resolver found them under way.
    assert (await requests(stack, "cms")).get("relationships_batch") == 1


async def test_a_query_without_the_household_asks_for_no_relationships(stack: Stack) -> None:
    await stack.sandbox.reset_stats()
    body = await stack.query(NO_HOUSEHOLD, {"cmsId": "C000003"})
    assert "errors" not in body, body["errors"]
    assert "relationships_batch" not in await requests(stack, "cms")


@pytest.mark.parametrize("query", list(QUERIES))
async def test_recorded_members_are_checked_while_the_residents_are_looked_up(stack: Stack, query: str) -> None:
    # Housing and adult social care hold every request, the residents at the address among them: the recorded
    # members' housing searches go out all the same, before any resident is known.
    systems = ("housing", "adult_social_care")
    for number in range(1, 30):
        cms_id = f"C{number:06d}"
        await stack.sandbox.reset_stats()
        probe = await stack.query(QUERIES[query], {"cmsId": cms_id})
        members = probe["data"]["child"]["household"]["members"]
        recorded = [m for m in members if any(b["kind"] == "recorded relationship" for b in m["basis"])]
        if recorded:
            break
    else:
        pytest.fail("no child with recorded household members in the sandbox")
    task = await held(stack, systems, QUERIES[query], cms_id)
    try:
        # Searched now: the child (when the query asks its own checks) and every recorded member.
        child = probe["data"]["child"]
        expected = len([p for p in [child, *(m["individual"] for m in recorded)] if searched(p)])
        counted = await until(stack, "housing", at_least(tenancies_at_address=1, tenants_search=expected))
        assert counted.get("tenancies_at_address") == 1, counted  # still held: no resident is known yet
        assert counted.get("tenants_search", 0) == expected, counted
    finally:
        body = await released(stack, systems, task)
    assert "errors" not in body, body["errors"]
    assert body["data"] == probe["data"]  # the same answer as without the systems held


BY_NODE = {
    "a household's id": (
        "query($id: ID!) { node(id: $id) { ... on Household { members { basis { kind } "
        "individual { serviceChecks(services: [HOUSING]) { outcome } } } } } }",
        ids.household_id,
    ),
    "a child's id": (
        "query($id: ID!) { node(id: $id) { ... on Child { household { members { basis { kind } "
        "individual { serviceChecks(services: [HOUSING]) { outcome } } } } } } }",
        ids.child_id,
    ),
}


@pytest.mark.parametrize("way", list(BY_NODE))
async def test_node_looks_ahead_as_child_does(stack: Stack, way: str) -> None:
    query, global_id = BY_NODE[way]
    await stack.sandbox.reset_stats()
    await stack.sandbox.set_fault("cms", "slow")
    task = asyncio.ensure_future(stack.query(query, {"id": global_id("C000003")}))
    try:
        counted = await until(stack, "cms", at_least(children_batch=1, relationships_batch=1))
        assert counted.get("children_batch") == 1 and counted.get("relationships_batch") == 1, counted
    finally:
        body = await released(stack, ("cms",), task)
    assert "errors" not in body, body["errors"]
    assert body["data"]["node"]
