"""Youth offending, the service added in one folder plus configuration, end to end: the real gateway over HTTP
with real tokens, the simulated YOT case system in the sandbox seeded from the same population.

Involved (with the YOT case worker to call), not applicable by age (without the source being asked), the source
down (UNAVAILABLE for youth offending only), who sees the interventions (aliases, fragments, node ids, hand-made
ids), and no personal data in any log.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from auth.principal import Role
from resolvers import ids
from sandbox.population import Population
from sources.services.youth_offending.simulation import YoungPerson, young_people
from tests.e2e.access_stack import AccessStack, access_stack, errors_by_code
from tests.e2e.test_no_personal_data_in_logs import EveryRecord, Forbidden

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Interventions only when enquiring or triaging, as an authority might configure for youth justice records.
ACCESS = {"services": {"YOUTH_OFFENDING": {"detail": {"purposes": ["CHILD_PROTECTION_ENQUIRY", "MASH_TRIAGE"]}}}}

CHECKS = """
query($cmsId: ID!) {
  child(cmsId: $cmsId) {
    id dateOfBirth
    serviceChecks { service outcome explanation coverage { area }
      involvements { status organisation practitioner { name role team phone email } startDate
        source { system recordId }
        ... on YouthOffendingInvolvement { interventions { kind status startDate endDate } }
      }
    }
  }
}
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AccessStack]:
    async with access_stack(
        Path(tmp_path_factory.mktemp("youth_offending")), access=ACCESS, households=200, seed=1
    ) as running:
        yield running


def age_of(dob: datetime.date, today: datetime.date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def known_children(population: Population) -> list[tuple[str, YoungPerson]]:
    """(CMS id, YOT record) of each child the case system knows under their exact details, with a case worker to
    call, open work first."""
    found = []
    for young in young_people(population):
        cms_ids = population.ground_truth.people[young.person_id].records.get("cms", ())
        person = population.person(young.person_id)
        faithful = (young.identity.given_name, young.identity.family_name, young.identity.date_of_birth) == (
            person.given_name,
            person.family_name,
            person.date_of_birth,
        )
        lead = next((i for i in young.interventions if i.status == "Open"), young.interventions[0])
        if cms_ids and faithful and cms_ids[0].startswith("C") and lead.case_worker is not None:
            found.append((cms_ids[0], young))
    found.sort(key=lambda item: not any(i.status == "Open" for i in item[1].interventions))
    return found


def check_of(body: dict[str, Any], service: str = "YOUTH_OFFENDING") -> dict[str, Any]:
    return next(c for c in body["data"]["child"]["serviceChecks"] if c["service"] == service)


async def test_a_young_person_known_to_the_yot_is_involved_with_their_case_worker(stack: AccessStack) -> None:
    population = stack.sandbox.population
    cms_id, young = known_children(population)[0]
    worker = stack.token(Role.SOCIAL_WORKER, sub="worker-yot")
    body = await stack.query(worker, CHECKS, {"cmsId": cms_id}, purpose="CHILD_PROTECTION_ENQUIRY")
    assert "errors" not in body, body
    check = check_of(body)
    assert check["outcome"] == "INVOLVED"
    assert check["explanation"].endswith(
        (
            "Demo Borough Youth Justice Service: an intervention still running",
            "Demo Borough Youth Justice Service: an intervention that ended in the last 2 years, none open now",
        )
    )
    assert check["coverage"] == {"area": "Demo Borough"}
    (involvement,) = check["involvements"]
    assert involvement["organisation"] == "Demo Borough Youth Justice Service"
    assert involvement["source"]["recordId"] == young.yp_id
    lead = next((i for i in young.interventions if i.status == "Open"), young.interventions[0])
    assert involvement["status"] == ("CURRENT" if lead.status == "Open" else "HISTORIC")
    assert lead.case_worker is not None
    assert involvement["practitioner"]["name"] == lead.case_worker.name
    assert involvement["practitioner"]["phone"] == lead.case_worker.phone
    assert involvement["interventions"][0]["status"] == ("OPEN" if lead.status == "Open" else "CLOSED")
    assert involvement["interventions"][0]["startDate"] == lead.start_date.isoformat()


async def test_outside_ages_10_to_17_is_not_applicable_without_asking_the_source(stack: AccessStack) -> None:
    population = stack.sandbox.population
    today = population.reference_date
    worker = stack.token(Role.SOCIAL_WORKER, sub="worker-yot")
    young_child = next(
        c.id
        for c in population.cms.people.values()
        if c.is_child and c.identity.date_of_birth and age_of(c.identity.date_of_birth, today) < 9
    )
    await stack.sandbox.reset_stats()
    body = await stack.query(worker, CHECKS, {"cmsId": young_child})
    check = check_of(body)
    assert check["outcome"] == "NOT_APPLICABLE"
    assert check["involvements"] is None or check["involvements"] == []
    assert check["explanation"] == "Not applicable: youth offending records are shown for ages 10 to 17"
    stats = await stack.sandbox.stats("youth_offending")
    assert stats["requests"].get("young_people_match", 0) == 0  # the age rule answered first


async def test_the_yot_system_down_is_unavailable_for_youth_offending_only(stack: AccessStack) -> None:
    cms_id, _ = known_children(stack.sandbox.population)[0]
    worker = stack.token(Role.SOCIAL_WORKER, sub="worker-yot")
    healthy = await stack.query(worker, CHECKS, {"cmsId": cms_id})
    await stack.sandbox.set_fault("youth_offending", "down")
    try:
        broken = await stack.query(worker, CHECKS, {"cmsId": cms_id})
    finally:
        stack.sandbox.clear_fault("youth_offending")
    check = check_of(broken)
    assert check["outcome"] == "UNAVAILABLE"
    assert check["explanation"].startswith("Not checked: ChildView YOT (simulated) did not answer")
    for before, after in zip(
        healthy["data"]["child"]["serviceChecks"], broken["data"]["child"]["serviceChecks"], strict=True
    ):
        if after["service"] != "YOUTH_OFFENDING":
            assert (after["service"], after["outcome"]) == (before["service"], before["outcome"])
    unavailable = [e for e in broken["errors"] if e["extensions"]["code"] == "SOURCE_UNAVAILABLE"]
    assert [e["extensions"]["service"] for e in unavailable] == ["YOUTH_OFFENDING"]
    assert "Traceback" not in str(broken)
    recovered = await stack.query(worker, CHECKS, {"cmsId": cms_id})
    assert check_of(recovered)["outcome"] == check_of(healthy)["outcome"]


FAMILY = """query($cmsId: ID!) { child(cmsId: $cmsId) { serviceChecks(services: [YOUTH_OFFENDING]) { outcome }
  household { members { individual { serviceChecks(services: [YOUTH_OFFENDING]) { outcome } } } } } }"""


async def test_one_request_per_level_whatever_the_household(stack: AccessStack) -> None:
    """The child's check, the residents at the address and every member's check: one batch request each."""
    worker = stack.token(Role.SOCIAL_WORKER, sub="worker-yot")
    sizes: dict[int, int] = {}
    children = sorted(c.id for c in stack.sandbox.population.cms.people.values() if c.is_child)[:40]
    for cms_id in children:
        await stack.sandbox.reset_stats()
        body = await stack.query(worker, FAMILY, {"cmsId": cms_id})
        assert "errors" not in body, body
        requests = (await stack.sandbox.stats("youth_offending"))["requests"]
        assert requests.get("young_people_match", 0) <= 2 and requests.get("young_people_at_addresses", 0) <= 1
        members = len(body["data"]["child"]["household"]["members"])
        sizes[members] = max(sizes.get(members, 0), sum(requests.values()))
    assert len(sizes) >= 3 and max(sizes.values()) <= 3, sizes


# ---------------------------------------------------------------- who sees the interventions

SHAPES = {
    "aliases": """query($cmsId: ID!) { child(cmsId: $cmsId) {
        checks: serviceChecks(services: [YOUTH_OFFENDING]) { outcome
          involvements { who: practitioner { name }
            ... on YouthOffendingInvolvement { orders: interventions { kind } } }
        } } }""",
    "named fragments": """query($cmsId: ID!) { child(cmsId: $cmsId) { ...Checks } }
        fragment Checks on Child { serviceChecks(services: [YOUTH_OFFENDING]) { outcome involvements { ...Yot } } }
        fragment Yot on ServiceInvolvement { practitioner { name } ... on YouthOffendingInvolvement {
          interventions { kind status } } }""",
    "node id": """query($nodeId: ID!) { node(id: $nodeId) { ... on Child {
        serviceChecks(services: [YOUTH_OFFENDING]) { outcome involvements { practitioner { name }
          ... on YouthOffendingInvolvement { interventions { kind } } } } } } }""",
}


def _variables(cms_id: str) -> dict[str, str]:
    return {"cmsId": cms_id, "nodeId": ids.child_id(cms_id)}


def _involvements(data: Any) -> list[dict[str, Any]]:
    """Every youth offending involvement in an answer, whatever the aliases."""
    found: list[dict[str, Any]] = []
    if isinstance(data, dict):
        if any(k in data for k in ("practitioner", "who")):
            found.append(data)
        for value in data.values():
            found.extend(_involvements(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_involvements(item))
    return found


@pytest.mark.parametrize("shape", sorted(SHAPES))
async def test_interventions_are_withheld_without_the_purpose_in_every_shape(stack: AccessStack, shape: str) -> None:
    cms_id, _ = known_children(stack.sandbox.population)[0]
    worker = stack.token(Role.SOCIAL_WORKER, sub="worker-yot")
    refused = await stack.query(worker, SHAPES[shape], _variables(cms_id), purpose="ASSESSMENT")
    involvements = _involvements(refused["data"])
    assert involvements, refused
    for involvement in involvements:
        # The flag (who to call) is shown; the interventions are a detail this purpose does not reach.
        assert (involvement.get("practitioner") or involvement.get("who") or {}).get("name")
        assert involvement.get("interventions", involvement.get("orders")) is None
    assert "FORBIDDEN" in errors_by_code(refused), refused
    granted = await stack.query(worker, SHAPES[shape], _variables(cms_id), purpose="CHILD_PROTECTION_ENQUIRY")
    assert "errors" not in granted, granted
    assert all(i.get("interventions", i.get("orders")) for i in _involvements(granted["data"]))


async def test_a_role_without_details_sees_the_flag_but_never_the_interventions(stack: AccessStack) -> None:
    cms_id, _ = known_children(stack.sandbox.population)[0]
    integration = stack.token(Role.INTEGRATION, sub="system-yot")
    for shape in SHAPES.values():
        body = await stack.query(integration, shape, _variables(cms_id), purpose="CHILD_PROTECTION_ENQUIRY")
        involvements = _involvements(body["data"])
        assert involvements and all(i.get("interventions", i.get("orders")) is None for i in involvements), body
        assert "FORBIDDEN" in errors_by_code(body)


async def test_hand_made_ids_reach_nothing_more(stack: AccessStack) -> None:
    _, young = known_children(stack.sandbox.population)[0]
    worker = stack.token(Role.SOCIAL_WORKER, sub="worker-yot")
    query = """query($id: ID!) { node(id: $id) { id ... on Individual {
        serviceChecks(services: [YOUTH_OFFENDING]) { outcome involvements { practitioner { name }
          ... on YouthOffendingInvolvement { interventions { kind } } } } } } }"""
    person = ids.person_id("YOUTH_OFFENDING", young.yp_id)  # the YOT's own record, by an id made by hand
    body = await stack.query(worker, query, {"id": person}, purpose="ASSESSMENT")
    involvements = _involvements(body["data"])
    assert involvements, body
    assert all(i["interventions"] is None for i in involvements)
    assert "FORBIDDEN" in errors_by_code(body)
    made_up = ids.person_id("YOUTH_OFFENDING", "YP999999")
    missing = await stack.query(worker, query, {"id": made_up}, purpose="CHILD_PROTECTION_ENQUIRY")
    assert missing["data"]["node"] is None


async def test_no_log_record_holds_the_young_persons_details(
    stack: AccessStack, caplog: pytest.LogCaptureFixture
) -> None:
    population = stack.sandbox.population
    caplog.set_level(logging.DEBUG)
    handler = EveryRecord()
    handler.attach()
    forbidden = Forbidden()
    try:
        worker = stack.token(Role.SOCIAL_WORKER, sub="worker-yot")
        for cms_id, young in known_children(population)[:3]:
            forbidden.identity(young.identity, f"{young.yp_id} (the YOT's copy)")
            for intervention in young.interventions:
                if intervention.case_worker is not None:
                    forbidden.name(intervention.case_worker.name, "a YOT case worker")
            body = await stack.query(worker, CHECKS, {"cmsId": cms_id}, purpose="CHILD_PROTECTION_ENQUIRY")
            forbidden.answer(body)
            for mode in ("garbage", "down"):
                await stack.sandbox.set_fault("youth_offending", mode)
                try:
                    await stack.query(worker, CHECKS, {"cmsId": cms_id})
                finally:
                    stack.sandbox.clear_fault("youth_offending")
    finally:
        handler.detach()
    assert forbidden.terms
    assert handler.lines, "nothing was logged: the capture is not working"
    assert forbidden.found_in(handler.lines) == []
