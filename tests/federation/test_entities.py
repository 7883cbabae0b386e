"""`_entities` over real HTTP is `node(id:)` by another name: same reach, purpose, field classes and audit; an
entity reference grants nothing. And a list of representations costs one upstream request per source."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from auth.principal import Role
from resolvers import ids
from tests.e2e.access_stack import AccessStack, access_stack, errors_by_code, values_under
from tests.e2e.audit_reading import by_action, events_of, fresh_actor
from tests.e2e.test_case_linked import REASON, Caseload, pick

pytestmark = pytest.mark.asyncio(loop_scope="module")

ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  __typename
  ... on Child { id cmsId name { full } }
  ... on Person { id name { full } }
  ... on Household { id members { individual { id } } }
} }"""


def child(cms_id: str) -> dict[str, str]:
    return {"__typename": "Child", "id": ids.child_id(cms_id)}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AccessStack]:
    async with access_stack(Path(tmp_path_factory.mktemp("fed")), access_mode="case_linked", households=60) as s:
        yield s


@pytest.fixture(scope="module")
def caseload(stack: AccessStack) -> Caseload:
    return pick(stack.sandbox.population.cms)


def worker_token(stack: AccessStack, caseload: Caseload, sub: str = "worker-fed") -> str:
    return stack.token(Role.SOCIAL_WORKER, sub=sub, email=caseload.worker_email, team="Nobody Else's Team")


async def test_entities_resolve_as_node_does(stack: AccessStack, caseload: Caseload) -> None:
    token = worker_token(stack, caseload)
    relative = ids.person_id("CMS", caseload.own_relative)
    body = await stack.query(
        token,
        ENTITIES,
        {
            "r": [
                child(caseload.own_child),
                {"__typename": "Child", "cmsId": caseload.own_child},
                {"__typename": "Individual", "id": relative},
                {"__typename": "Person", "id": relative},
                {"__typename": "Household", "id": ids.household_id(caseload.own_child)},
            ]
        },
    )
    assert "errors" not in body, body
    found = body["data"]["_entities"]
    assert [e["__typename"] for e in found] == ["Child", "Child", "Person", "Person", "Household"]
    assert found[0]["cmsId"] == found[1]["cmsId"] == caseload.own_child
    assert found[2]["id"] == relative and found[2]["name"]["full"]
    node = await stack.query(
        token, "query($id: ID!) { node(id: $id) { ... on Person { name { full } } } }", {"id": relative}
    )
    assert node["data"]["node"]["name"] == found[2]["name"]
    assert found[4]["members"]


async def test_an_entity_reference_is_not_a_permission(stack: AccessStack, caseload: Caseload) -> None:
    """Out of reach, unknown, hand-made, mistyped or malformed: each refused at its own index, nothing shown."""
    token = worker_token(stack, caseload)
    body = await stack.query(
        token,
        ENTITIES,
        {
            "r": [
                child(caseload.own_child),
                child(caseload.other_child),
                {"__typename": "Child", "cmsId": caseload.other_child},
                {"__typename": "Household", "id": ids.household_id(caseload.other_child)},
                {"__typename": "Person", "id": ids.person_id("CMS", caseload.other_relative)},
                {"__typename": "Person", "id": ids.person_id("POLICE", "PN-000001")},  # hand-made
                {"__typename": "Child", "id": ids.household_id(caseload.own_child)},  # a household's id as a child's
                {"__typename": "AuditEvent", "id": ids.audit_event_id(1)},
                {"__typename": "Child", "id": "not an id"},
                {"id": ids.child_id(caseload.own_child)},
            ]
        },
    )
    found = body["data"]["_entities"]
    assert found[0]["cmsId"] == caseload.own_child
    assert found[1:] == [None] * 9, found
    codes = errors_by_code(body)
    assert codes["FORBIDDEN"] == [["_entities", i] for i in (1, 2, 3, 4, 5)], body
    assert codes["BAD_USER_INPUT"] == [["_entities", i] for i in (6, 7, 8, 9)], body
    assert "X-Break-Glass-Reason" in next(e for e in body["errors"] if e["path"] == ["_entities", 1])["message"]


async def test_aliases_and_fragments_change_nothing(stack: AccessStack, caseload: Caseload) -> None:
    token = worker_token(stack, caseload)
    query = """query($r: [_Any!]!) { a: _entities(representations: $r) { ...C } b: _entities(representations: $r) {
      ... on Individual { dob: dateOfBirth } } } fragment C on Child { x: name { full } }"""
    body = await stack.query(token, query, {"r": [child(caseload.other_child)]})
    assert body["data"] == {"a": [None], "b": [None]}
    assert errors_by_code(body) == {"FORBIDDEN": [["a", 0], ["b", 0]]}


async def test_purpose_and_field_classes_apply(stack: AccessStack, caseload: Caseload) -> None:
    """Without a purpose, details are withheld; an integration client sees no links; an auditor opens nobody."""
    checks = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Child {
      serviceChecks { service outcome involvements { ... on HousingInvolvement { tenancyStart } } } } } }"""
    manager = stack.token(Role.TEAM_MANAGER, sub="manager-fed", team=caseload.worker_team)
    no_purpose = await stack.query(manager, checks, {"r": [child(caseload.own_child)]}, purpose=None)
    assert no_purpose["data"]["_entities"][0]["serviceChecks"], no_purpose
    assert set(errors_by_code(no_purpose)) <= {"PURPOSE_REQUIRED"}, no_purpose
    assert not list(values_under(no_purpose["data"], frozenset({"tenancyStart"})))
    integration = stack.token(Role.INTEGRATION, azp="mash")
    links = await stack.query(
        integration,
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Child { cmsId links { system } } } }",
        {"r": [child(caseload.own_child)]},
    )
    assert links["data"]["_entities"] == [{"cmsId": caseload.own_child, "links": None}]
    assert errors_by_code(links) == {"FORBIDDEN": [["_entities", 0, "links"]]}
    auditor = stack.token(Role.AUDITOR, sub="auditor-fed")
    refused = await stack.query(auditor, ENTITIES, {"r": [child(caseload.own_child)]}, purpose="AUDIT")
    assert refused["data"] is None or refused["data"]["_entities"] in (None, [None])
    assert "FORBIDDEN" in errors_by_code(refused) or "PURPOSE_REQUIRED" in errors_by_code(refused)


async def test_entities_are_audited_as_node_is(stack: AccessStack, caseload: Caseload) -> None:
    actor = fresh_actor()
    token = worker_token(stack, caseload, sub=actor)
    await stack.query(token, ENTITIES, {"r": [child(caseload.own_child), child(caseload.other_child)]})
    events = by_action(await events_of(stack, actor))
    assert ids.child_id(caseload.own_child) in events["VIEWED_BASIC_DETAILS"][0]["subjectIds"]
    assert ids.child_id(caseload.other_child) not in events["VIEWED_BASIC_DETAILS"][0]["subjectIds"]
    assert ids.child_id(caseload.other_child) in events["ACCESS_DENIED"][0]["subjectIds"]
    glass = fresh_actor()
    body = await stack.query(
        worker_token(stack, caseload, sub=glass), ENTITIES, {"r": [child(caseload.other_child)]}, headers=REASON
    )
    assert body["data"]["_entities"][0]["cmsId"] == caseload.other_child
    broke = by_action(await events_of(stack, glass))
    assert broke["BREAK_GLASS"][0]["subjectIds"] == [ids.child_id(caseload.other_child)]


async def test_many_representations_cost_one_request_per_source(stack: AccessStack) -> None:
    manager = stack.token(Role.INTEGRATION, azp="mash-batch")
    cms_ids = sorted(stack.sandbox.population.cms.people)[:40]
    children = [i for i in cms_ids if stack.sandbox.population.cms.people[i].is_child][:10]
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Child { cmsId
      serviceChecks { service outcome } } } }"""
    counts: list[dict[str, int]] = []
    for size in (1, len(children)):
        await stack.sandbox.reset_stats()
        body = await stack.query(manager, query, {"r": [child(c) for c in children[:size]]})
        assert "errors" not in body, body
        counts.append(await upstream(stack))
    # At most one batched request per source, whether one child or ten (a source whose age range none of the
    # children is in is not asked at all; housing is asked per address, not per person, and never here).
    assert counts[1]["cms"] == counts[0]["cms"] == 1, counts
    assert all(n <= 1 for c in counts for n in c.values()), counts


async def upstream(stack: AccessStack) -> dict[str, int]:
    return {s: int((await stack.sandbox.stats(s))["total"]) for s in ("cms", "adult_social_care", "housing")}


async def test_the_cost_model_prices_each_representation(stack: AccessStack, caseload: Caseload) -> None:
    manager = stack.token(Role.INTEGRATION, azp="mash-cost")
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Child {
      household { members { individual { serviceChecks { outcome involvements { organisation } } } } } } } }"""
    body: dict[str, Any] = await stack.query(manager, query, {"r": [child(caseload.own_child)] * 500})
    assert body.get("data") is None and set(errors_by_code(body)) == {"QUERY_TOO_COMPLEX"}, body
    one = await stack.query(manager, query, {"r": [child(caseload.own_child)]})
    assert "errors" not in one, one


async def test_too_many_representations_are_refused_before_anything_runs(
    stack: AccessStack, caseload: Caseload
) -> None:
    manager = stack.token(Role.INTEGRATION, azp="mash-many")
    query = """query($r: [_Any!]!) { a: _entities(representations: $r) { __typename }
      b: _entities(representations: $r) { __typename } }"""
    await stack.sandbox.reset_stats()
    body = await stack.query(manager, query, {"r": [child(caseload.own_child)] * 251})
    assert body.get("data") is None and set(errors_by_code(body)) == {"BAD_USER_INPUT"}, body
    assert "at most 500 representations" in body["errors"][0]["message"]
    assert (await upstream(stack))["cms"] == 0
