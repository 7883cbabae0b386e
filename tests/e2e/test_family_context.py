"""The family-context query end to end: real gateway, real simulated systems, real HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from resolvers.household import RECORDED_RELATIONSHIP
from sources.model import Service
from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

FAMILY_CONTEXT = """
query FamilyContext($cmsId: ID!) {
  child(cmsId: $cmsId) {
    id cmsId name { given family full } dateOfBirth age gender
    addresses { line1 postcode current system }
    allocatedWorker { name team phone email }
    serviceChecks { service outcome explanation }
    household {
      id
      address { line1 postcode }
      members {
        relationshipToChild livesWithChild basis { system kind }
        individual {
          __typename id name { full } dateOfBirth age
          ... on Child { cmsId }
          serviceChecks {
            service outcome explanation asOf coverage { area }
            involvements {
              __typename service status organisation practitioner { name role team phone email }
              startDate endDate lastContact
              source { system recordId match { level score reasons } }
              ... on AdultSocialCareInvolvement { lastContact }
              ... on PoliceInvolvement {
                policeArea safeguardingOffences { date category involvement } hasNonSafeguardingRecords
              }
              ... on HousingInvolvement {
                tenancyStart antiSocialBehaviour eviction noticeSeekingPossession rentArrears
              }
              ... on SchoolInvolvement { schoolName admissionType }
            }
          }
        }
      }
    }
  }
}
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    # An admin role too: `sources` (health) is operational information.
    async with running_stack(Path(tmp_path_factory.mktemp("family")), roles=("SOCIAL_WORKER", "ADMIN")) as running:
        yield running


async def family_context(stack: Stack, cms_id: str) -> dict[str, Any]:
    body = await stack.query(FAMILY_CONTEXT, {"cmsId": cms_id})
    assert "errors" not in body, body.get("errors")
    child: dict[str, Any] = body["data"]["child"]
    return child


async def test_the_child_comes_from_the_cms(stack: Stack) -> None:
    child = await family_context(stack, "C000001")
    record = stack.sandbox.population.cms.people["C000001"]
    assert child["cmsId"] == "C000001"
    assert child["name"]["family"] == record.identity.family_name
    assert child["name"]["given"] == record.identity.given_name
    assert record.identity.date_of_birth is not None
    assert child["dateOfBirth"] == record.identity.date_of_birth.isoformat()
    assert child["age"] is not None and 0 <= child["age"] < 18
    assert any(a["current"] for a in child["addresses"])
    if record.allocated_worker is not None:
        assert child["allocatedWorker"]["name"] == record.allocated_worker.name


async def test_every_service_is_in_every_check_and_unconnected_ones_say_so(stack: Stack) -> None:
    child = await family_context(stack, "C000001")
    people = [child] + [m["individual"] for m in child["household"]["members"]]
    for person in people:
        services = [c["service"] for c in person["serviceChecks"]]
        assert services == [s.value for s in Service]
        for check in person["serviceChecks"]:
            connected = check["service"] in {"ADULT_SOCIAL_CARE", "POLICE", "HOUSING", "SCHOOL", "YOUTH_OFFENDING"}
            if connected:
                assert check["outcome"] in {"INVOLVED", "NOT_KNOWN", "NOT_APPLICABLE"}, check
            else:
                assert check["outcome"] == "NOT_CONNECTED"
                assert "no connection" in check["explanation"]
            assert check["explanation"]


async def test_the_household_holds_every_recorded_relationship_with_its_basis(stack: Stack) -> None:
    population = stack.sandbox.population
    for number in range(1, 11):
        cms_id = f"C{number:06d}"
        child = await family_context(stack, cms_id)
        recorded = population.cms.relationships.get(cms_id, ())
        members = child["household"]["members"]
        from_cms = [m for m in members if any(b["kind"] == RECORDED_RELATIONSHIP for b in m["basis"])]
        assert len(from_cms) == len(recorded)
        assert sorted(m["relationshipToChild"] for m in from_cms) == sorted(r.relationship for r in recorded)
        for member in members:
            assert member["basis"], "every member says why it is there"


async def test_co_residents_from_other_sources_join_the_household(stack: Stack) -> None:
    """Somewhere in the population an adult at the child's address is known to housing or adult social care only."""
    found = []
    for number in range(1, 41):
        child = await family_context(stack, f"C{number:06d}")
        for member in child["household"]["members"]:
            kinds = {b["kind"] for b in member["basis"]}
            if RECORDED_RELATIONSHIP not in kinds:
                found.append(member)
                assert kinds <= {"same address", "same tenancy"}
                assert member["livesWithChild"] is True
                assert member["individual"]["__typename"] == "Person"
    assert found, "no co-resident found in 40 households"


async def test_involvements_carry_who_to_call_and_the_match_evidence(stack: Stack) -> None:
    involved = []
    for number in range(1, 41):
        child = await family_context(stack, f"C{number:06d}")
        for member in child["household"]["members"]:
            for check in member["individual"]["serviceChecks"]:
                if check["outcome"] == "INVOLVED":
                    involved.append(check)
                    assert check["involvements"]
                    for involvement in check["involvements"]:
                        assert involvement["service"] == check["service"]
                        match = involvement["source"]["match"]
                        assert match["level"] in {"CERTAIN", "PROBABLE"}
                        assert match["reasons"]
    services = {c["service"] for c in involved}
    assert {"ADULT_SOCIAL_CARE", "HOUSING", "POLICE", "SCHOOL"} <= services, services


async def test_police_shows_at_most_three_safeguarding_offences(stack: Stack) -> None:
    for number in range(1, 41):
        child = await family_context(stack, f"C{number:06d}")
        for member in child["household"]["members"]:
            for check in member["individual"]["serviceChecks"]:
                for involvement in check["involvements"] or ():
                    if involvement["__typename"] == "PoliceInvolvement":
                        offences = involvement["safeguardingOffences"]
                        assert len(offences) <= 3
                        dates = [o["date"] for o in offences]
                        assert dates == sorted(dates, reverse=True)


async def test_display_rules_say_why_a_check_does_not_apply(stack: Stack) -> None:
    child = await family_context(stack, "C000001")
    checks = {c["service"]: c for c in child["serviceChecks"]}
    if child["age"] < 18:
        assert checks["POLICE"]["outcome"] == "NOT_APPLICABLE"
        assert "18" in checks["POLICE"]["explanation"]


async def test_unknown_and_malformed_child_ids_get_clear_errors(stack: Stack) -> None:
    body = await stack.query('{ child(cmsId: "C999999") { name { full } } }')
    assert body["data"]["child"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await stack.query('{ child(cmsId: "C0 OR 1=1; --") { name { full } } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_node_resolves_children_households_and_people(stack: Stack) -> None:
    child = await family_context(stack, "C000002")
    node = await stack.query("query($id: ID!) { node(id: $id) { id ... on Child { cmsId } } }", {"id": child["id"]})
    assert node["data"]["node"] == {"id": child["id"], "cmsId": "C000002"}
    household = await stack.query(
        "query($id: ID!) { node(id: $id) { ... on Household { members { individual { id } } } } }",
        {"id": child["household"]["id"]},
    )
    assert len(household["data"]["node"]["members"]) == len(child["household"]["members"])
    for member in child["household"]["members"]:
        person = await stack.query(
            "query($id: ID!) { node(id: $id) { id ... on Person { name { full } } ... on Child { name { full } } } }",
            {"id": member["individual"]["id"]},
        )
        assert "errors" not in person, person
        assert person["data"]["node"]["name"]["full"] == member["individual"]["name"]["full"]


@pytest.mark.parametrize(
    ("node_id", "code"),
    [("not-an-id", "BAD_USER_INPUT"), ("Q2hpbGQ6Q01TOkM5OTk5OTk", "NOT_FOUND"), ("UGVyc29uOlBFVFM6eA", "NOT_FOUND")],
)
async def test_node_with_a_bad_or_unknown_id(stack: Stack, node_id: str, code: str) -> None:
    body = await stack.query("query($id: ID!) { node(id: $id) { id } }", {"id": node_id})
    assert body["data"]["node"] is None
    assert body["errors"][0]["extensions"]["code"] == code


async def test_sources_lists_every_service_with_health(stack: Stack) -> None:
    body = await stack.query("{ sources { service system connected health coverage { area } asOf } }")
    sources = {s["service"]: s for s in body["data"]["sources"]}
    assert list(sources) == [s.value for s in Service]
    for name in ("ADULT_SOCIAL_CARE", "POLICE", "HOUSING", "SCHOOL"):
        assert sources[name]["connected"] is True
        assert sources[name]["health"] == "UP"
    assert sources["POLICE"]["asOf"] is not None  # the extract's own timestamp
    assert sources["PROBATION"] == {
        "service": "PROBATION",
        "system": None,
        "connected": False,
        "health": "NOT_CONNECTED",
        "coverage": None,
        "asOf": None,
    }


async def test_logs_hold_no_personal_data(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    record = stack.sandbox.population.cms.people["C000003"]
    with caplog.at_level(logging.DEBUG):
        await family_context(stack, "C000003")
        await stack.query('{ child(cmsId: "C000003") { name { fulll } } }')  # an error path too
    text = caplog.text
    assert record.identity.family_name not in text
    assert record.identity.date_of_birth is not None
    assert record.identity.date_of_birth.isoformat() not in text


async def test_a_possible_match_is_shown_as_such_and_never_counted(stack: Stack) -> None:
    query = """
    query($cmsId: ID!) {
      child(cmsId: $cmsId) {
        household { members { individual {
          links { service system recordId match { level } }
          serviceChecks { service outcome explanation involvements { source { recordId } } }
        } } }
      }
    }"""
    seen = 0
    for number in range(1, 121):
        body = await stack.query(query, {"cmsId": f"C{number:06d}"})
        for member in body["data"]["child"]["household"]["members"]:
            person = member["individual"]
            checks = {c["service"]: c for c in person["serviceChecks"]}
            for link in person["links"]:
                if link["match"]["level"] != "POSSIBLE":
                    continue
                seen += 1
                check = checks[link["service"]]
                counted = {i["source"]["recordId"] for i in check["involvements"] or ()}
                assert link["recordId"] not in counted
                if check["outcome"] in ("INVOLVED", "NOT_KNOWN"):
                    assert "possible match" in check["explanation"], check
    assert seen, "no possible match among 120 households"
