"""Age rules before a source is asked: a person outside a service's age range is NOT_APPLICABLE there without that
source being called, whether it is up or down; links still look the person up; members found through another source
keep their other checks when a source that places people at the address is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHECKS = """
query($cmsId: ID!) {
  child(cmsId: $cmsId) {
    age
    serviceChecks { service outcome explanation }
    household {
      incomplete unavailableSources
      members { basis { kind } individual { id age serviceChecks { service outcome explanation } } }
    }
  }
}
"""
CHILD_CHECKS = "query($cmsId: ID!) { child(cmsId: $cmsId) { age serviceChecks(services: [HOUSING]) { outcome } } }"
CHILD_LINKS = "query($cmsId: ID!) { child(cmsId: $cmsId) { age links { service } } }"
CHILD_BOTH = "query($cmsId: ID!) { child(cmsId: $cmsId) { age links { service } serviceChecks { outcome } } }"

HOUSING_FROM, ASC_FROM = 16, 15  # Stockport's default display rules
OUT_OF_AGE = "Not applicable: housing records are shown from age 16"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(Path(tmp_path_factory.mktemp("ages")), households=40) as running:
        yield running


async def counted(stack: Stack, query: str, cms_id: str) -> tuple[dict[str, Any], dict[str, int]]:
    await stack.sandbox.reset_stats()
    body = await stack.query(query, {"cmsId": cms_id})
    assert "errors" not in body, body["errors"]
    child: dict[str, Any] = body["data"]["child"]
    return child, await stack.upstream()


def in_range(age: int | None, from_age: int) -> bool:
    """Whether the source is asked about a person: of age, or of unknown age (then each record's own DOB decides)."""
    return age is None or age >= from_age


def recorded(member: dict[str, Any]) -> bool:
    return any(b["kind"] == "recorded relationship" for b in member["basis"])


def check(person: dict[str, Any], service: str) -> dict[str, Any]:
    return next(c for c in person["serviceChecks"] if c["service"] == service)


async def young_households(stack: Stack, wanted: int = 6) -> list[str]:
    """Children under 16 whose household also holds adults: each asks housing about some people but not others."""
    found = []
    for number in range(1, 41):
        cms_id = f"C{number:06d}"
        body = await stack.query(CHECKS, {"cmsId": cms_id})
        child = body["data"]["child"]
        ages = [m["individual"]["age"] for m in child["household"]["members"]]
        if child["age"] is not None and child["age"] < HOUSING_FROM and any(in_range(a, HOUSING_FROM) for a in ages):
            found.append(cms_id)
        if len(found) == wanted:
            break
    assert len(found) >= min(wanted, 3), "too few households with young children in the sandbox"
    return found


async def test_no_housing_or_adult_social_care_calls_for_the_under_age(stack: Stack) -> None:
    for cms_id in await young_households(stack):
        child, requests = await counted(stack, CHECKS, cms_id)
        members = [m["individual"] for m in child["household"]["members"]]
        people = [child, *members]
        # Housing has no batch endpoint: one request for the address, then one per person it may be asked about.
        assert requests["housing"] == 1 + sum(in_range(p["age"], HOUSING_FROM) for p in people), (cms_id, requests)
        # Adult social care batches: the address; the child with the members the CMS records (asked together, once
        # their relationships are back), if any of them is 15 or over; the members found only at the address.
        on_record = [m["individual"] for m in child["household"]["members"] if recorded(m)]
        at_address_only = [m["individual"] for m in child["household"]["members"] if not recorded(m)]
        expected_asc = (
            1
            + any(in_range(p["age"], ASC_FROM) for p in [child, *on_record])
            + any(in_range(p["age"], ASC_FROM) for p in at_address_only)
        )
        assert requests["adult_social_care"] == expected_asc, (cms_id, requests)
        for person in people:
            if not in_range(person["age"], HOUSING_FROM):
                assert check(person, "HOUSING") == {
                    "service": "HOUSING",
                    "outcome": "NOT_APPLICABLE",
                    "explanation": OUT_OF_AGE,
                }


async def test_links_still_ask_but_do_not_make_the_check_ask(stack: Stack) -> None:
    """Links are linkage evidence, not a display rule: an under-age child's links look housing up; the housing
    check alone does not; both together ask once (the request's DataLoader)."""
    cms_id = (await young_households(stack, wanted=1))[0]
    child, requests = await counted(stack, CHILD_CHECKS, cms_id)
    assert child["serviceChecks"] == [{"outcome": "NOT_APPLICABLE"}] and requests["housing"] == 0
    child, requests = await counted(stack, CHILD_LINKS, cms_id)
    assert child["links"] is not None and requests["housing"] == 1
    child, requests = await counted(stack, CHILD_BOTH, cms_id)
    assert requests["housing"] == 1


async def test_with_housing_down_the_young_are_not_applicable_and_others_keep_their_checks(stack: Stack) -> None:
    """Runs last in the module: housing's circuit breaker may stay open after it."""
    cms_ids = await young_households(stack, wanted=3)
    compared = unavailable = 0
    healthy = {cms_id: (await counted(stack, CHECKS, cms_id))[0] for cms_id in cms_ids}
    await stack.sandbox.set_fault("housing", "down")
    try:
        broken = {cms_id: (await stack.query(CHECKS, {"cmsId": cms_id})) for cms_id in cms_ids}
    finally:
        stack.sandbox.clear_fault("housing")
    for cms_id in cms_ids:
        body, before = broken[cms_id], healthy[cms_id]
        child = body["data"]["child"]
        assert check(child, "HOUSING")["outcome"] == "NOT_APPLICABLE"  # the child is under 16: not "try again later"
        assert check(child, "HOUSING")["explanation"] == OUT_OF_AGE
        assert child["household"]["incomplete"] is True and child["household"]["unavailableSources"] == ["HOUSING"]
        assert [e["extensions"]["code"] for e in body["errors"]] == ["SOURCE_UNAVAILABLE"]

        kept = {m["individual"]["id"]: m["individual"] for m in child["household"]["members"]}
        for member in before["household"]["members"]:
            person = member["individual"]
            placed_by_others = any(b["kind"] != "same tenancy" for b in member["basis"])
            if not placed_by_others:
                continue  # known only through the tenancy: housing being down hides them, and the answer says so
            now = kept[person["id"]]  # everyone found through another source is still there ...
            for service in ("ADULT_SOCIAL_CARE", "POLICE", "SCHOOL"):  # ... with every other check as before
                assert check(now, service) == check(person, service), (cms_id, service)
            expected = "UNAVAILABLE" if in_range(person["age"], HOUSING_FROM) else "NOT_APPLICABLE"
            assert check(now, "HOUSING")["outcome"] == expected
            compared += 1
            unavailable += expected == "UNAVAILABLE"
        for service in ("ADULT_SOCIAL_CARE", "POLICE", "SCHOOL"):
            assert check(child, service) == check(before, service)
    assert compared > unavailable > 0  # both kinds of member were seen
