"""The audit trail over real HTTP: what each request leaves, whatever shape it has, read back through
`auditEvents`, and nothing returned when the trail cannot be written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from auth.principal import Role
from gateway.audit.open_trail import open_audit_trail
from resolvers import ids
from tests.e2e.access_stack import AccessStack, access_stack, errors_by_code, find_detailed_child
from tests.e2e.audit_reading import EVENTS, by_action, events_of, people_in
from tests.e2e.audit_reading import fresh_actor as actor

pytestmark = pytest.mark.asyncio(loop_scope="module")

FAMILY = """query($cmsId: ID!) { child(cmsId: $cmsId) {
  id name { full }
  serviceChecks { service outcome }
  household { members { individual { id name { full }
    serviceChecks { service outcome involvements {
      status practitioner { name }
      ... on HousingInvolvement { rentArrears antiSocialBehaviour }
      ... on PoliceInvolvement { safeguardingOffences { category } }
    } }
  } } }
} }"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AccessStack]:
    workdir = Path(tmp_path_factory.mktemp("audit"))
    async with access_stack(workdir, households=60, extra={"operations": {"metrics": True}}) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def detailed_child(stack: AccessStack) -> str:
    return await find_detailed_child(stack)


async def test_a_family_look_up_leaves_basic_details_and_each_service_s_details(
    stack: AccessStack, detailed_child: str
) -> None:
    worker = actor()
    token = stack.token(Role.SOCIAL_WORKER, sub=worker, name="Sam Worker", team="Assessment Team 1")
    status, body, headers = await stack.post(
        FAMILY,
        {"cmsId": detailed_child},
        token=token,
        headers={"X-Purpose": "CHILD_PROTECTION_ENQUIRY", "X-Case-Reference": "CR-000777"},
    )
    assert status == 200 and "errors" not in body, body
    child = body["data"]["child"]
    events = by_action(await events_of(stack, worker))
    assert set(events) == {"VIEWED_BASIC_DETAILS", "VIEWED_SERVICE_DETAILS"}
    basic = events["VIEWED_BASIC_DETAILS"][0]
    assert set(basic["subjectIds"]) == {p["id"] for p in people_in(child)}
    assert {"ADULT_SOCIAL_CARE", "POLICE", "HOUSING", "SCHOOL"} <= set(basic["services"])
    assert dict(basic) | {"subjectIds": None, "services": None, "id": None, "at": None} == {
        "id": None,
        "at": None,
        "actorId": worker,
        "actorName": "Sam Worker",
        "roles": ["SOCIAL_WORKER"],
        "team": "Assessment Team 1",
        "clientId": None,
        "purpose": "CHILD_PROTECTION_ENQUIRY",
        "caseReference": "CR-000777",
        "action": "VIEWED_BASIC_DETAILS",
        "subjectIds": None,
        "services": None,
        "searchTerms": None,
        "reason": None,
        "requestId": headers["X-Request-Id"],
    }
    # One event per service whose details were returned, naming the people they were returned for.
    expected: dict[str, set[str]] = {}
    for person in people_in(child):
        for check in person["serviceChecks"]:
            if check.get("involvements") and check["service"] in ("HOUSING", "POLICE"):
                expected.setdefault(check["service"], set()).add(person["id"])
    details = {e["services"][0]: set(e["subjectIds"]) for e in events["VIEWED_SERVICE_DETAILS"]}
    assert details == expected
    assert {"HOUSING", "POLICE"} <= set(details)


async def test_flags_alone_leave_no_details_event(stack: AccessStack, detailed_child: str) -> None:
    worker = actor()
    body = await stack.query(
        stack.token(Role.SOCIAL_WORKER, sub=worker),
        "query($c: ID!) { child(cmsId: $c) { household { members { individual { serviceChecks { service "
        "outcome involvements { status organisation } } } } } } }",
        {"c": detailed_child},
    )
    assert "errors" not in body
    assert [e["action"] for e in await events_of(stack, worker)] == ["VIEWED_BASIC_DETAILS"]


async def test_a_search_leaves_its_terms_and_the_people_listed(stack: AccessStack) -> None:
    worker = actor()
    person = next(p for p in stack.sandbox.population.cms.people.values() if not p.is_child).identity
    body = await stack.query(
        stack.token(Role.SOCIAL_WORKER, sub=worker),
        "query($f: String!, $d: Date) { searchPeople(input: {familyName: $f, dateOfBirth: $d}) { "
        "matches { individual { id name { full } } } } }",
        {"f": person.family_name, "d": person.date_of_birth.isoformat() if person.date_of_birth else None},
    )
    listed = [m["individual"]["id"] for m in body["data"]["searchPeople"]["matches"]]
    assert listed
    events = by_action(await events_of(stack, worker))
    assert set(events) == {"SEARCHED", "VIEWED_RESULTS"}
    assert f"familyName={person.family_name}" in events["SEARCHED"][0]["searchTerms"]
    assert events["VIEWED_RESULTS"][0]["subjectIds"] == listed


SHAPES = {
    "aliases and fragments": (
        "query($c: ID!) { a: child(cmsId: $c) { ...F } } fragment F on Child { me: id h: household { "
        "m: members { i: individual { ... on Individual { x: id checks: serviceChecks { service "
        "involvements { ... on HousingInvolvement { r: rentArrears } } } } } } } }",
        lambda detailed: {"c": detailed},
    ),
    "node": (
        "query($id: ID!) { node(id: $id) { ... on Child { id household { members { individual { id "
        "serviceChecks { involvements { ... on ServiceInvolvement { status } ... on HousingInvolvement "
        "{ eviction } } } } } } } } }",
        lambda detailed: {"id": ids.child_id(detailed)},
    ),
    "children": (
        "query($ids: [ID!]!) { children(cmsIds: $ids) { id household { members { individual { id "
        "serviceChecks { involvements { ... on HousingInvolvement { noticeSeekingPossession } } } } } } } }",
        lambda detailed: {"ids": [detailed]},
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_every_shape_of_query_leaves_the_same_events(stack: AccessStack, detailed_child: str, shape: str) -> None:
    """The events follow what was resolved: the same people and the same services' details, however asked."""
    plain, shaped = actor(), actor()
    await stack.query(stack.token(Role.SOCIAL_WORKER, sub=plain), FAMILY, {"cmsId": detailed_child})
    query, variables = SHAPES[shape]
    body = await stack.query(stack.token(Role.SOCIAL_WORKER, sub=shaped), query, variables(detailed_child))
    assert "errors" not in body, body
    expected, found = by_action(await events_of(stack, plain)), by_action(await events_of(stack, shaped))
    assert set(found["VIEWED_BASIC_DETAILS"][0]["subjectIds"]) == set(expected["VIEWED_BASIC_DETAILS"][0]["subjectIds"])
    housing = [e for e in found["VIEWED_SERVICE_DETAILS"] if e["services"] == ["HOUSING"]]
    expected_housing = [e for e in expected["VIEWED_SERVICE_DETAILS"] if e["services"] == ["HOUSING"]]
    assert housing and set(housing[0]["subjectIds"]) == set(expected_housing[0]["subjectIds"])
    assert all(e["services"] == ["HOUSING"] for e in found["VIEWED_SERVICE_DETAILS"])  # only housing was asked


async def test_withheld_details_leave_an_access_denied_event_and_no_details_event(
    stack: AccessStack, detailed_child: str
) -> None:
    client = actor()
    body = await stack.query(
        stack.token(Role.INTEGRATION, sub="svc", azp=client, name=None), FAMILY, {"cmsId": detailed_child}
    )
    assert "FORBIDDEN" in errors_by_code(body)
    events = by_action(await events_of(stack, client))
    assert set(events) == {"VIEWED_BASIC_DETAILS", "ACCESS_DENIED"}
    denied = events["ACCESS_DENIED"]
    assert all(e["clientId"] == client for e in denied)
    assert any(e["reason"].startswith("detail withheld (FORBIDDEN)") for e in denied)


async def test_reading_the_trail_is_recorded_and_scoped(stack: AccessStack, detailed_child: str) -> None:
    north, south = actor(), actor()
    for worker, team in ((north, "Team North"), (south, "Team South")):
        await stack.query(stack.token(Role.SOCIAL_WORKER, sub=worker, team=team), FAMILY, {"cmsId": detailed_child})
    manager = actor()
    mine = await stack.query(
        stack.token(Role.TEAM_MANAGER, sub=manager, team="Team North"),
        EVENTS,
        {"filter": {"subjectId": ids.child_id(detailed_child)}, "first": 500},
        purpose="AUDIT",
    )
    actors = {e["actorId"] for e in mine["data"]["auditEvents"]["edges"]}
    assert north in actors and south not in actors
    assert all(e["team"] == "Team North" for e in mine["data"]["auditEvents"]["edges"])
    refused = await stack.query(stack.token(Role.SOCIAL_WORKER, sub=actor()), EVENTS, {"filter": None})
    assert refused["data"]["auditEvents"] is None
    assert errors_by_code(refused) == {"FORBIDDEN": [["auditEvents"]]}
    reads = by_action(await events_of(stack, manager))["READ_AUDIT"]
    assert f"subjectId={ids.child_id(detailed_child)}" in reads[0]["searchTerms"]
    assert "team=Team North" in reads[0]["searchTerms"]


async def test_paging_through_the_trail(stack: AccessStack, detailed_child: str) -> None:
    worker = actor()
    token = stack.token(Role.SOCIAL_WORKER, sub=worker)
    for _ in range(3):
        await stack.query(token, FAMILY, {"cmsId": detailed_child})
    auditor = stack.token(Role.AUDITOR, sub="auditor-2")
    seen: list[str] = []
    after = None
    while True:
        body = await stack.query(
            auditor,
            "query($a: ID!, $after: String) { auditEvents(filter: {actorId: $a}, first: 2, after: $after) { "
            "totalCount endCursor edges { id } } }",
            {"a": worker, "after": after},
            purpose="AUDIT",
        )
        page = body["data"]["auditEvents"]
        seen += [e["id"] for e in page["edges"]]
        after = page["endCursor"]
        if after is None:
            break
    assert len(seen) == len(set(seen)) == page["totalCount"] == 9  # basic details, housing, police: three times


async def test_first_null_serves_the_default_page(stack: AccessStack, detailed_child: str) -> None:
    """The contract's `first: Int = 50`: null, as a nullable variable left empty sends, is the default page."""
    worker = actor()
    await stack.query(stack.token(Role.SOCIAL_WORKER, sub=worker), FAMILY, {"cmsId": detailed_child})
    auditor = stack.token(Role.AUDITOR, sub="auditor-3")
    asked = {"filter": {"actorId": worker}}
    body = await stack.query(auditor, EVENTS, {**asked, "first": None}, purpose="AUDIT")
    left_out = await stack.query(auditor, EVENTS, asked, purpose="AUDIT")
    assert "errors" not in body, body
    assert body["data"]["auditEvents"]["edges"], body
    assert body["data"] == left_out["data"]


async def test_when_the_trail_cannot_be_written_nothing_personal_is_returned(
    stack: AccessStack, detailed_child: str
) -> None:
    worker = actor()
    token = stack.token(Role.SOCIAL_WORKER, sub=worker)
    failed_before, ok_before = await appends(stack, "failed"), await appends(stack, "ok")
    lock = sqlite3.connect(stack.settings.audit.path, timeout=0, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        status, body, _ = await stack.post(
            FAMILY, {"cmsId": detailed_child}, token=token, headers={"X-Purpose": "ASSESSMENT"}
        )
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert status == 200
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "The audit trail could not be written, so no personal data was returned. Please try again.",
                "extensions": {"code": "AUDIT_UNAVAILABLE"},
            }
        ],
    }
    # The failed append is counted as such in the metrics, and the recovered one as committed.
    assert await appends(stack, "failed") == failed_before + 1
    assert await appends(stack, "ok") == ok_before
    assert await events_of(stack, worker) == []
    ok_before = await appends(stack, "ok")
    recovered = await stack.query(token, FAMILY, {"cmsId": detailed_child})
    assert recovered["data"]["child"]["name"]["full"]
    assert await appends(stack, "ok") == ok_before + 1
    assert "VIEWED_BASIC_DETAILS" in {e["action"] for e in await events_of(stack, worker)}


async def appends(stack: AccessStack, outcome: str) -> float:
    """Appends the gateway has timed with this outcome (`family_context_audit_append_seconds`)."""
    async with stack.http.get(f"{stack.url}/metrics") as response:
        text = await response.text()
    sample = f'family_context_audit_append_seconds_count{{outcome="{outcome}"}} '
    return next(float(line.removeprefix(sample)) for line in text.splitlines() if line.startswith(sample))


async def test_a_request_that_returns_nothing_personal_leaves_no_event(stack: AccessStack) -> None:
    worker = actor()
    await stack.query(stack.token(Role.SOCIAL_WORKER, sub=worker), "{ me { id purpose } }")
    assert await events_of(stack, worker) == []


async def test_the_chain_verifies_after_everything_above(stack: AccessStack) -> None:
    async with open_audit_trail(stack.settings.audit) as trail:
        report = await trail.verify()
    assert report.ok, report.describe()
    assert report.checked > 10
