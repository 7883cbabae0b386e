"""Case-linked access over real HTTP: a social worker opens only the children allocated to them or their team and
the people in those children's households, on every path, unless they break the glass (and say why).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from auth.principal import Role
from resolvers import ids
from sandbox.cms_records import CmsRecords
from tests.e2e.access_stack import AccessStack, access_stack, errors_by_code
from tests.e2e.audit_reading import by_action, events_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

REASON = {"X-Break-Glass-Reason": "Police called about an immediate risk to this child tonight"}
HOUSEHOLD = """query($cmsId: ID!) { child(cmsId: $cmsId) { id household { id members {
  basis { kind } individual { __typename id ... on Child { cmsId } } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Individual { name { full } } } }"


@dataclass(frozen=True)
class Caseload:
    """Children and people picked from the sandbox for one worker, and others outside their reach."""

    own_child: str
    worker_email: str
    worker_team: str
    other_child: str  # allocated to another worker in another team
    other_team: str
    own_relative: str  # a CMS person recorded around own_child
    other_relative: str  # a CMS person recorded only around children outside the worker's reach


def pick(records: CmsRecords) -> Caseload:
    children = [p for p in records.people.values() if p.is_child and p.allocated_worker is not None]
    own = children[0]
    worker = own.allocated_worker
    assert worker is not None and worker.email
    mine = {c.id for c in children if c.allocated_worker and c.allocated_worker.email == worker.email}
    other = next(
        c for c in children if c.allocated_worker and c.allocated_worker.team != worker.team and c.id not in mine
    )
    assert other.allocated_worker is not None
    related_to_mine = {r.person_id for c in mine for r in records.relationships.get(c, ())}
    own_relative = next(r.person_id for r in records.relationships[own.id] if r.person_id.startswith("P"))
    other_relative = next(
        r.person_id
        for c in children
        if c.id not in mine
        for r in records.relationships.get(c.id, ())
        if r.person_id.startswith("P") and r.person_id not in related_to_mine
    )
    return Caseload(
        own_child=own.id,
        worker_email=worker.email,
        worker_team=worker.team,
        other_child=other.id,
        other_team=other.allocated_worker.team,
        own_relative=own_relative,
        other_relative=other_relative,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AccessStack]:
    async with access_stack(Path(tmp_path_factory.mktemp("leeds")), access_mode="case_linked", households=60) as s:
        yield s


@pytest.fixture(scope="module")
def caseload(stack: AccessStack) -> Caseload:
    return pick(stack.sandbox.population.cms)


@pytest.fixture(scope="module")
def worker(stack: AccessStack, caseload: Caseload) -> str:
    """The allocated worker of `own_child`, known by e-mail, in a team of their own (so only their own cases)."""
    return stack.token(Role.SOCIAL_WORKER, email=caseload.worker_email.upper(), team="Nobody Else's Team")


def _nothing_shown(body: dict[str, Any]) -> bool:
    return all(value is None for value in (body.get("data") or {}).values())


async def test_the_worker_opens_their_own_child_its_household_and_its_people(
    stack: AccessStack, caseload: Caseload, worker: str
) -> None:
    body = await stack.query(worker, HOUSEHOLD, {"cmsId": caseload.own_child})
    child = body["data"]["child"]
    assert "errors" not in body, body
    members = child["household"]["members"]
    assert members
    for node_id in (child["id"], child["household"]["id"], *(m["individual"]["id"] for m in members)):
        opened = await stack.query(worker, "query($id: ID!) { node(id: $id) { id } }", {"id": node_id})
        assert opened["data"]["node"] == {"id": node_id}, opened
    relative = await stack.query(worker, NODE, {"id": ids.person_id("CMS", caseload.own_relative)})
    assert relative["data"]["node"]["name"]["full"]


OUTSIDE = {
    "child": ("query($c: ID!) { child(cmsId: $c) { name { full } } }", "c"),
    "alias and fragment": ("query($c: ID!) { x: child(cmsId: $c) { ...F } } fragment F on Child { dateOfBirth }", "c"),
    "node of the child": (NODE, "child_id"),
    "node of the household": (
        "query($id: ID!) { node(id: $id) { ... on Household { members { relationshipToChild } } } }",
        "household_id",
    ),
    "node of a relative": (NODE, "relative_id"),
    "hand-made police id": (NODE, "police_id"),
    "unknown case id": ("query($c: ID!) { child(cmsId: $c) { name { full } } }", "unknown"),
}


@pytest.mark.parametrize("way", list(OUTSIDE))
async def test_a_record_outside_reach_is_refused_on_every_path(
    stack: AccessStack, caseload: Caseload, worker: str, way: str
) -> None:
    values = {
        "c": caseload.other_child,
        "child_id": ids.child_id(caseload.other_child),
        "household_id": ids.household_id(caseload.other_child),
        "relative_id": ids.person_id("CMS", caseload.other_relative),
        "police_id": ids.person_id("POLICE", "PN-000001"),
        "unknown": "C999999",
    }
    query, variable = OUTSIDE[way]
    name = "c" if variable in ("c", "unknown") else "id"
    body = await stack.query(worker, query, {name: values[variable]})
    assert _nothing_shown(body), body
    codes = errors_by_code(body)
    assert set(codes) == {"FORBIDDEN"}, body
    assert "X-Break-Glass-Reason" in body["errors"][0]["message"]


async def test_children_refuses_each_child_outside_reach_at_its_index(
    stack: AccessStack, caseload: Caseload, worker: str
) -> None:
    body = await stack.query(
        worker,
        "query($ids: [ID!]!) { children(cmsIds: $ids) { cmsId } }",
        {"ids": [caseload.own_child, caseload.other_child, "C999999", "no such id!"]},
    )
    assert body["data"]["children"] == [{"cmsId": caseload.own_child}, None, None, None]
    assert errors_by_code(body) == {
        "FORBIDDEN": [["children", 1], ["children", 2]],
        "BAD_USER_INPUT": [["children", 3]],
    }


async def test_search_is_refused(stack: AccessStack, worker: str) -> None:
    body = await stack.query(worker, '{ searchPeople(input: {familyName: "Smith"}) { totalCount } }')
    assert body["data"]["searchPeople"] is None
    assert errors_by_code(body) == {"FORBIDDEN": [["searchPeople"]]}


async def test_a_colleague_and_a_team_manager_reach_their_team_s_children(
    stack: AccessStack, caseload: Caseload
) -> None:
    colleague = stack.token(Role.SOCIAL_WORKER, email="someone.else@example.test", team=caseload.worker_team)
    manager = stack.token(Role.TEAM_MANAGER, email="manager@example.test", team=caseload.other_team)
    own = await stack.query(colleague, HOUSEHOLD, {"cmsId": caseload.own_child})
    assert own["data"]["child"]["household"]["members"]
    other = await stack.query(manager, HOUSEHOLD, {"cmsId": caseload.other_child})
    assert other["data"]["child"]["id"] == ids.child_id(caseload.other_child)
    refused = await stack.query(manager, HOUSEHOLD, {"cmsId": caseload.own_child})
    assert refused["data"]["child"] is None  # another team's child


async def test_an_integration_client_has_no_caseload_to_be_held_to(stack: AccessStack, caseload: Caseload) -> None:
    body = await stack.query(stack.token(Role.INTEGRATION, azp="mash"), HOUSEHOLD, {"cmsId": caseload.other_child})
    assert body["data"]["child"]["household"]["members"] is not None


async def test_breaking_the_glass_opens_a_record_outside_reach_and_is_marked(
    stack: AccessStack, caseload: Caseload, worker: str
) -> None:
    body = await stack.query(
        worker,
        "query($c: ID!, $p: ID!) { me { breakGlass } child(cmsId: $c) { name { full } household { id } } "
        "relative: node(id: $p) { id } }",
        {"c": caseload.other_child, "p": ids.person_id("CMS", caseload.other_relative)},
        headers=REASON,
    )
    assert "errors" not in body, body
    assert body["data"]["me"] == {"breakGlass": True}
    assert body["data"]["child"]["name"]["full"]
    assert body["data"]["relative"]["id"]
    unknown = await stack.query(worker, '{ child(cmsId: "C999999") { id } }', headers=REASON)
    assert errors_by_code(unknown) == {"NOT_FOUND": [["child"]]}


async def test_a_co_resident_known_only_to_a_service_is_reached_through_the_household(stack: AccessStack) -> None:
    """Someone only housing or adult social care places at a child's address is in the household: in reach of the
    child's team, out of reach of everyone else, whatever id is used."""
    everyone = [c.id for c in stack.sandbox.population.cms.people.values() if c.is_child]
    body = await stack.query(
        stack.token(Role.INTEGRATION, azp="mash"),
        "query($ids: [ID!]!) { children(cmsIds: $ids) { allocatedWorker { team } household { members { "
        "basis { kind } individual { id } } } } }",
        {"ids": everyone},
    )
    team, co_resident = next(
        (child["allocatedWorker"]["team"], member["individual"]["id"])
        for child in body["data"]["children"]
        if child["allocatedWorker"]
        for member in child["household"]["members"]
        if "recorded relationship" not in {b["kind"] for b in member["basis"]}
    )
    assert ids.decode(co_resident).home != "CMS"
    colleague = stack.token(Role.SOCIAL_WORKER, email="team.member@example.test", team=team)
    opened = await stack.query(colleague, NODE, {"id": co_resident})
    assert opened["data"]["node"]["id"] == co_resident
    stranger = stack.token(Role.SOCIAL_WORKER, email="stranger@example.test", team="A Team With No Cases")
    refused = await stack.query(stranger, NODE, {"id": co_resident})
    assert refused["data"]["node"] is None
    assert errors_by_code(refused) == {"FORBIDDEN": [["node"]]}


async def test_breaking_the_glass_and_being_refused_are_both_on_the_trail(
    stack: AccessStack, caseload: Caseload
) -> None:
    glass, refused = "worker-breaking-glass", "worker-refused"
    other = ids.child_id(caseload.other_child)
    for sub, headers in ((glass, REASON), (refused, {})):
        token = stack.token(Role.SOCIAL_WORKER, sub=sub, email=caseload.worker_email, team="Nobody Else's Team")
        await stack.query(
            token, "query($c: ID!) { child(cmsId: $c) { name { full } } }", {"c": caseload.other_child}, headers=headers
        )
    broke = by_action(await events_of(stack, glass))
    (event,) = broke["BREAK_GLASS"]
    assert (event["subjectIds"], event["reason"]) == ([other], REASON["X-Break-Glass-Reason"])
    assert other in broke["VIEWED_BASIC_DETAILS"][0]["subjectIds"]
    denied = by_action(await events_of(stack, refused))
    assert set(denied) == {"ACCESS_DENIED"}
    assert denied["ACCESS_DENIED"][0]["subjectIds"] == [other]
    assert "not linked to a child allocated to you" in denied["ACCESS_DENIED"][0]["reason"]


@pytest.mark.parametrize("way", ["child", "node of the household"])
async def test_nothing_about_a_child_outside_reach_is_asked_for_ahead(
    stack: AccessStack, caseload: Caseload, worker: str, way: str
) -> None:
    """A query for a household has the relationships asked for with the child (`resolvers/people_queries.py`), but
    not for a worker held to a caseload: the child must first be found within reach."""
    await stack.sandbox.reset_stats()
    if way == "child":
        body = await stack.query(worker, HOUSEHOLD, {"cmsId": caseload.other_child})
    else:
        query, _ = OUTSIDE["node of the household"]
        body = await stack.query(worker, query, {"id": ids.household_id(caseload.other_child)})
    assert _nothing_shown(body) and set(errors_by_code(body)) == {"FORBIDDEN"}, body
    asked = (await stack.sandbox.stats("cms"))["requests"]
    assert asked.get("children_batch") == 1 and "relationships_batch" not in asked, asked
