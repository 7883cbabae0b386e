"""One upstream request per source per resolution level, whatever the household size; only what is asked."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from sources.model import Address, SourceRecord
from sources.school import SchoolSqlAdapter
from sources.services.housing.adapter import HousingAdapter
from sources.services.police.adapter import PoliceCsvAdapter
from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

MEMBERS_CHECKS = """
query($cmsId: ID!) {
  child(cmsId: $cmsId) {
    household { members { basis { kind } individual { serviceChecks { service outcome } } } }
  }
}
"""

SCHOOL_ONLY = """
query($cmsId: ID!) {
  child(cmsId: $cmsId) {
    household { members { individual { serviceChecks(services: [SCHOOL]) { service outcome } } } }
  }
}
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    # Every age rule off: this module counts batching, so every person is asked about at every service here (the
    # age rules, which spare the sources people outside their range, are tests/e2e/test_age_rules_first.py's).
    no_age_rules = {s: {"min_age": 0} for s in ("adult_social_care", "housing", "police", "school")}
    no_age_rules["school"]["max_age"] = 200
    config = {"display_rules": no_age_rules}
    async with running_stack(
        Path(tmp_path_factory.mktemp("batching")), households=150, config_changes=config
    ) as running:
        yield running


async def counted(stack: Stack, query: str, cms_id: str) -> tuple[int, dict[str, int]]:
    members, requests, _ = await counted_members(stack, query, cms_id)
    return len(members), requests


async def counted_members(stack: Stack, query: str, cms_id: str) -> tuple[list[Any], dict[str, int], dict[str, Any]]:
    await stack.sandbox.reset_stats()
    body = await stack.query(query, {"cmsId": cms_id})
    assert "errors" not in body, body["errors"]
    return body["data"]["child"]["household"]["members"], await stack.upstream(), body


def recorded(member: dict[str, Any]) -> bool:
    return any(b["kind"] == "recorded relationship" for b in member["basis"])


async def test_requests_per_query_do_not_grow_with_the_household(stack: Stack) -> None:
    seen: dict[int, dict[str, int]] = {}
    mixed = 0
    for number in range(1, 61):
        members, requests, _ = await counted_members(stack, MEMBERS_CHECKS, f"C{number:06d}")
        seen.setdefault(len(members), requests)
        on_record = sum(map(recorded, members))
        at_address_only = len(members) - on_record
        mixed += bool(on_record and at_address_only)
        # Level 1: the child and its relationships (CMS). Level 2: the residents at the address (ASC, housing) and
        # the checks of the members the CMS records. Level 3: the checks of members found only at the address.
        assert requests["cms"] == 2, requests
        expected_asc = 1 + bool(on_record) + bool(at_address_only)
        assert requests["adult_social_care"] == expected_asc, (on_record, at_address_only, requests)
        # Housing has no batch endpoint: one request for the address, then one per member.
        assert requests["housing"] == 1 + len(members), (len(members), requests)
    assert len(seen) >= 3, f"too few household sizes to show anything: {sorted(seen)}"
    assert mixed, "no household with members both on record and found only at the address"


async def test_a_check_asks_only_the_services_it_names(stack: Stack) -> None:
    before = await stack.metric("family_context_upstream_requests_total", source="Synergy (simulated)")
    members, requests = await counted(stack, SCHOOL_ONLY, "C000004")
    assert members > 0
    # Residents at the address are still looked up (that is how the household is found); no service is checked.
    assert requests["adult_social_care"] == 1
    assert requests["housing"] == 1
    after = await stack.metric("family_context_upstream_requests_total", source="Synergy (simulated)")
    assert after - before == 1


async def test_sources_that_place_nobody_at_an_address_are_not_asked_who_lives_there(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The police extract and the school database cannot place people at an address (`places_residents = False`
    on their adapters): a household asks only the sources that can, here housing (and the case systems)."""
    asked: list[str] = []

    def spy(adapter_class: type[Any]) -> None:
        original = adapter_class.residents_at

        async def residents_at(self: Any, addresses: Sequence[Address]) -> list[list[SourceRecord]]:
            asked.append(adapter_class.__name__)
            answer: list[list[SourceRecord]] = await original(self, addresses)
            return answer

        monkeypatch.setattr(adapter_class, "residents_at", residents_at)

    for adapter_class in (PoliceCsvAdapter, SchoolSqlAdapter, HousingAdapter):
        spy(adapter_class)
    members, requests = await counted(stack, MEMBERS_CHECKS, "C000004")
    assert members > 0
    assert asked == ["HousingAdapter"]
    assert requests["housing"] == 1 + members  # the address, then each member


async def test_a_query_without_household_or_checks_asks_only_the_cms(stack: Stack) -> None:
    await stack.sandbox.reset_stats()
    body = await stack.query('{ child(cmsId: "C000005") { name { full } allocatedWorker { name } } }')
    assert "errors" not in body
    assert await stack.upstream() == {"cms": 1, "adult_social_care": 0, "housing": 0}


async def test_children_batches_every_level_and_splits_at_the_batch_size(stack: Stack) -> None:
    ids = [f"C{n:06d}" for n in range(1, 151)]
    await stack.sandbox.reset_stats()
    body = await stack.query(
        "query($ids: [ID!]!) { children(cmsIds: $ids) { cmsId serviceChecks(services: [ADULT_SOCIAL_CARE]) "
        "{ outcome } } }",
        {"ids": ids},
    )
    assert "errors" not in body, body.get("errors")
    assert [c["cmsId"] for c in body["data"]["children"]] == ids
    requests = await stack.upstream()
    assert requests["cms"] == math.ceil(150 / 100)  # the CMS takes 100 ids a request
    assert requests["adult_social_care"] == math.ceil(150 / 50)  # adult social care takes 50 queries a request
    assert requests["housing"] == 0


async def test_children_with_unknown_ids_gives_nulls_in_place(stack: Stack) -> None:
    body = await stack.query('{ children(cmsIds: ["C000001", "C999999", "C000002"]) { cmsId } }')
    assert body["data"]["children"] == [{"cmsId": "C000001"}, None, {"cmsId": "C000002"}]


async def test_children_is_bounded(stack: Stack) -> None:
    ids = [f"C{n:06d}" for n in range(1, 502)]
    await stack.sandbox.reset_stats()
    body = await stack.query("query($ids: [ID!]!) { children(cmsIds: $ids) { cmsId } }", {"ids": ids})
    assert body["data"] is None  # refused before it runs
    assert sum((await stack.upstream()).values()) == 0
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "at most 500" in error["message"]
