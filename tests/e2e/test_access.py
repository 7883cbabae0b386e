"""Who may see what, over real HTTP with real signed tokens: every role against every field class, purposes,
narrowing per service, and the shapes of query that must not route around any of it.

The gateway signs callers in against a test issuer whose JWKS is served on loopback (`tests/auth/issuer.py`);
case-linked access and break-glass are in `test_case_linked.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from auth.principal import Role
from linkage import Demographics
from resolvers import ids
from sources.model import SourceRecord
from sources.school import SchoolSqlAdapter
from tests.auth.issuer import new_key
from tests.e2e.access_stack import (
    DETAIL_FIELDS,
    LINKAGE_FIELDS,
    AccessStack,
    access_stack,
    errors_by_code,
    find_detailed_child,
    values_under,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Police details only when enquiring or triaging; housing flags only for team managers: the narrowing this
# module's authority configures, next to the default table.
ACCESS = {
    "services": {
        "POLICE": {"detail": {"purposes": ["CHILD_PROTECTION_ENQUIRY", "MASH_TRIAGE"]}},
        "SCHOOL": {"flag": {"roles": ["TEAM_MANAGER", "INTEGRATION"]}},
    }
}

INVOLVEMENTS = """
  service status organisation practitioner { name phone }
  startDate endDate lastContact
  source { system recordId match { level } }
  ... on PoliceInvolvement { policeArea safeguardingOffences { date category } hasNonSafeguardingRecords }
  ... on HousingInvolvement { tenancyStart antiSocialBehaviour eviction noticeSeekingPossession rentArrears }
  ... on SchoolInvolvement { schoolName admissionType }
"""

EVERYTHING = f"""
query Everything($cmsId: ID!) {{
  me {{ id roles purpose }}
  sources {{ service health }}
  child(cmsId: $cmsId) {{
    id name {{ full }} dateOfBirth
    allocatedWorker {{ name }}
    links {{ service recordId match {{ level }} }}
    serviceChecks {{ service outcome explanation involvements {{ {INVOLVEMENTS} }} }}
    household {{
      members {{
        relationshipToChild
        individual {{
          id name {{ full }}
          links {{ service recordId }}
          serviceChecks {{ service outcome explanation involvements {{ {INVOLVEMENTS} }} }}
        }}
      }}
    }}
  }}
}}
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AccessStack]:
    async with access_stack(Path(tmp_path_factory.mktemp("access")), access=ACCESS, households=60) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def detailed_child(stack: AccessStack) -> str:
    return await find_detailed_child(stack)


def _checks(child: dict[str, Any]) -> list[dict[str, Any]]:
    members = child["household"]["members"]
    return [*child["serviceChecks"], *(c for m in members for c in m["individual"]["serviceChecks"])]


# ---------------------------------------------------------------- signing in


TOKEN_FAILURES = {
    "expired": lambda s: s.issuer.mint(issued_at=1_000_000_000, expires_in=300),
    "wrong audience": lambda s: s.issuer.mint(aud="another-service"),
    "wrong issuer": lambda s: s.issuer.mint(iss="https://impostor.example/"),
    "bad signature": lambda s: s.issuer.mint(key=new_key().private, kid=s.issuer.current.kid),
    "unknown key": lambda s: s.issuer.mint(key=new_key().private, kid="never-published"),
    "unsigned": lambda s: s.issuer.mint(alg="none", key=b""),
    "public key as HMAC secret": lambda s: s.issuer.mint(key=s.issuer.current.public_pem, alg="HS256"),
}


@pytest.mark.parametrize("failure", list(TOKEN_FAILURES))
async def test_a_bad_token_is_refused_before_anything_is_touched(stack: AccessStack, failure: str) -> None:
    before = await stack.upstream_total()
    status, body, headers = await stack.post(
        '{ child(cmsId: "C000001") { name { full } } }', token=TOKEN_FAILURES[failure](stack)
    )
    assert status == 401
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert headers["WWW-Authenticate"].startswith('Bearer realm="family-context", error="invalid_token"')
    assert await stack.upstream_total() == before


async def test_no_token_is_a_challenge_without_an_error(stack: AccessStack) -> None:
    status, body, headers = await stack.post("{ me { id } }", token=None)
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Bearer realm="family-context"'
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_a_key_rotated_after_start_up_is_fetched_and_accepted(stack: AccessStack) -> None:
    fetches = stack.issuer.fetches
    rotated = stack.issuer.rotate()
    body = await stack.query(
        stack.issuer.mint(key=rotated, roles=["SOCIAL_WORKER"], sub="after-rotation"), "{ me { id } }"
    )
    assert body["data"]["me"] == {"id": "after-rotation"}
    assert stack.issuer.fetches == fetches + 1
    again = await stack.query(stack.issuer.mint(key=rotated, roles=["SOCIAL_WORKER"]), "{ me { id } }")
    assert again["data"]["me"]["id"]
    assert stack.issuer.fetches == fetches + 1  # cached once fetched


async def test_a_machine_client_is_recorded_by_its_client_id(stack: AccessStack) -> None:
    token = stack.token(Role.INTEGRATION, sub="0b5e-service-principal", azp="mash-triage-system", name=None, email=None)
    body = await stack.query(token, "{ me { id name roles clientId } }", purpose="MASH_TRIAGE")
    assert body["data"]["me"] == {
        "id": "mash-triage-system",
        "name": None,
        "roles": ["INTEGRATION"],
        "clientId": "mash-triage-system",
    }


# ---------------------------------------------------------------- every role against every class


async def test_a_social_worker_sees_basic_flags_details_and_links_but_not_operations(
    stack: AccessStack, detailed_child: str
) -> None:
    body = await stack.query(stack.token(Role.SOCIAL_WORKER), EVERYTHING, {"cmsId": detailed_child})
    child = body["data"]["child"]
    assert child["name"]["full"] and child["dateOfBirth"]
    assert child["links"] is not None
    assert any(values_under(child, frozenset({"rentArrears", "antiSocialBehaviour"})))
    assert any(values_under(child, frozenset({"recordId"})))
    assert body["data"]["sources"] is None
    assert set(errors_by_code(body)) == {"FORBIDDEN"}
    # Police details need an enquiry or triage purpose in this authority: withheld, said once per field.
    police = [c for c in _checks(child) if c["service"] == "POLICE" and c["involvements"]]
    assert police and all(i["safeguardingOffences"] is None for c in police for i in c["involvements"])
    withheld = [e for e in body["errors"] if e["path"] != ["sources"]]
    assert withheld and all(
        e["extensions"] == {"code": "FORBIDDEN", "fieldClass": "detail", "service": "POLICE"} for e in withheld
    )
    assert {e["path"][-1] for e in withheld} >= {"safeguardingOffences", "hasNonSafeguardingRecords"}
    forbidden_paths = {tuple(p for p in e["path"] if isinstance(p, str)) for e in withheld}
    assert len(forbidden_paths) == len(withheld)  # one error per field path, not per list item


async def test_a_team_manager_with_an_enquiry_purpose_sees_police_details(
    stack: AccessStack, detailed_child: str
) -> None:
    body = await stack.query(
        stack.token(Role.TEAM_MANAGER), EVERYTHING, {"cmsId": detailed_child}, purpose="CHILD_PROTECTION_ENQUIRY"
    )
    child = body["data"]["child"]
    assert any(values_under(child, frozenset({"safeguardingOffences"})))
    assert errors_by_code(body) == {"FORBIDDEN": [["sources"]]}


async def test_an_integration_client_gets_basic_details_and_flags_only(stack: AccessStack, detailed_child: str) -> None:
    token = stack.token(Role.INTEGRATION, sub="svc-mash", azp="mash-triage", name=None, email=None)
    body = await stack.query(token, EVERYTHING, {"cmsId": detailed_child})
    child = body["data"]["child"]
    assert body["data"]["me"]["id"] == "mash-triage"
    assert child["name"]["full"]
    assert any(c["outcome"] == "INVOLVED" for c in _checks(child))
    assert any(values_under(child, frozenset({"practitioner"})))
    assert not list(values_under(child, DETAIL_FIELDS | LINKAGE_FIELDS))
    errors = errors_by_code(body)
    assert set(errors) == {"FORBIDDEN"}
    withheld = {path[-1] for path in errors["FORBIDDEN"]}
    assert {"links", "rentArrears", "recordId", "match", "sources"} <= withheld
    # Possible matches are linkage evidence: not even counted in an explanation.
    assert not any("possible match" in c["explanation"] for c in _checks(child))


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN, None])
async def test_roles_without_casework_see_no_one(stack: AccessStack, detailed_child: str, role: Role | None) -> None:
    token = stack.token(role) if role else stack.token()
    before = await stack.upstream_total()
    body = await stack.query(token, EVERYTHING, {"cmsId": detailed_child})
    assert body["data"]["child"] is None
    assert ["child"] in errors_by_code(body)["FORBIDDEN"]
    assert body["data"]["me"]["roles"] == ([role.value] if role else [])
    if role is Role.ADMIN:
        assert len(body["data"]["sources"]) == 13
    else:
        assert body["data"]["sources"] is None
        assert await stack.upstream_total() == before  # refused before any source was asked


# ---------------------------------------------------------------- purposes


async def test_details_without_a_purpose_are_withheld_with_purpose_required(
    stack: AccessStack, detailed_child: str
) -> None:
    body = await stack.query(stack.token(Role.SOCIAL_WORKER), EVERYTHING, {"cmsId": detailed_child}, purpose=None)
    child = body["data"]["child"]
    assert not list(values_under(child, DETAIL_FIELDS))
    assert any(c["outcome"] == "INVOLVED" for c in _checks(child))  # flags still shown
    assert any(values_under(child, frozenset({"recordId"})))  # linkage needs no purpose by default
    required = errors_by_code(body)["PURPOSE_REQUIRED"]
    assert {p[-1] for p in required} >= {"rentArrears", "startDate"}
    assert all("X-Purpose" in e["message"] for e in body["errors"] if e["extensions"]["code"] == "PURPOSE_REQUIRED")
    assert body["data"]["me"]["purpose"] is None


async def test_me_echoes_the_purpose_and_case_reference(stack: AccessStack) -> None:
    body = await stack.query(
        stack.token(Role.SOCIAL_WORKER, sub="w-42", name="Sam Worker", team="Assessment Team 1"),
        "{ me { id name roles team purpose caseReference breakGlass } }",
        purpose="mash_triage",
        headers={"X-Case-Reference": "CR-000123"},
    )
    assert body["data"]["me"] == {
        "id": "w-42",
        "name": "Sam Worker",
        "roles": ["SOCIAL_WORKER"],
        "team": "Assessment Team 1",
        "purpose": "MASH_TRIAGE",
        "caseReference": "CR-000123",
        "breakGlass": False,
    }


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"X-Purpose": "curiosity"}, "X-Purpose must be one of"),
        ({"X-Case-Reference": "<script>"}, "X-Case-Reference must be"),
        ({"X-Break-Glass-Reason": "because"}, "at least 20 characters"),
    ],
)
async def test_malformed_purpose_headers_are_refused(stack: AccessStack, headers: dict[str, str], message: str) -> None:
    before = await stack.upstream_total()
    status, body, _ = await stack.post(
        '{ child(cmsId: "C000001") { name { full } } }', token=stack.token(Role.SOCIAL_WORKER), headers=headers
    )
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in body["errors"][0]["message"]
    assert await stack.upstream_total() == before


# ---------------------------------------------------------------- a service narrowed to some roles


async def test_a_service_a_role_may_not_see_is_not_permitted_and_leaves_no_trace(stack: AccessStack) -> None:
    """School flags are for team managers and integrators here: a social worker's check says NOT_PERMITTED, and
    no pupil record shows through links, search results or a hand-made id."""
    manager_view = await stack.query(
        stack.token(Role.TEAM_MANAGER),
        "query($ids: [ID!]!) { children(cmsIds: $ids) { cmsId links { service recordId } } }",
        {"ids": [c.id for c in stack.sandbox.population.cms.people.values() if c.is_child]},
    )
    pupil, cms_id = next(
        (link, child["cmsId"])
        for child in manager_view["data"]["children"]
        for link in child["links"]
        if link["service"] == "SCHOOL"
    )
    worker = stack.token(Role.SOCIAL_WORKER)
    body = await stack.query(
        worker,
        "query($c: ID!) { child(cmsId: $c) { links { service } serviceChecks { service outcome involvements "
        "{ status } } } }",
        {"c": cms_id},
    )
    school = next(c for c in body["data"]["child"]["serviceChecks"] if c["service"] == "SCHOOL")
    assert school == {"service": "SCHOOL", "outcome": "NOT_PERMITTED", "involvements": None}
    assert all(link["service"] != "SCHOOL" for link in body["data"]["child"]["links"])
    by_id = await stack.query(
        worker, "query($id: ID!) { node(id: $id) { id } }", {"id": ids.person_id("SCHOOL", pupil["recordId"])}
    )
    assert by_id["data"]["node"] is None
    assert errors_by_code(by_id) == {"FORBIDDEN": [["node"]]}
    child = stack.sandbox.population.cms.people[cms_id].identity
    found = await stack.query(
        worker,
        "query($name: String!) { searchPeople(input: {familyName: $name}) { matches { individual { addresses "
        "{ system } } } } }",
        {"name": child.family_name},
    )
    systems = {a["system"] for m in found["data"]["searchPeople"]["matches"] for a in m["individual"]["addresses"]}
    assert not any("Synergy" in (s or "") for s in systems)


async def test_look_ups_started_ahead_ask_no_source_the_role_may_not_see(
    stack: AccessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A single child's household look-ups start as soon as the child is opened (`resolvers/household.py`
    `start`), before any field of the household runs: through the same policy. A social worker may not see school
    flags here, so the school database is not read for anyone in the household; a team manager's same query reads
    it."""
    read: list[int] = []
    original = SchoolSqlAdapter.find_people

    async def find_people(self: SchoolSqlAdapter, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        read.append(len(people))
        return await original(self, people)

    monkeypatch.setattr(SchoolSqlAdapter, "find_people", find_people)
    query = (
        "query($c: ID!) { child(cmsId: $c) { serviceChecks { service outcome } links { service } household { "
        "members { individual { serviceChecks { service outcome } links { service } } } } } }"
    )
    worker = await stack.query(stack.token(Role.SOCIAL_WORKER), query, {"c": "C000001"})
    assert "errors" not in worker, worker["errors"]
    assert read == []
    checks = [worker["data"]["child"]["serviceChecks"]] + [
        m["individual"]["serviceChecks"] for m in worker["data"]["child"]["household"]["members"]
    ]
    assert all(c["outcome"] == "NOT_PERMITTED" for person in checks for c in person if c["service"] == "SCHOOL")
    manager = await stack.query(stack.token(Role.TEAM_MANAGER), query, {"c": "C000001"})
    assert "errors" not in manager, manager["errors"]
    assert read, "the team manager's query did not read the school database: the spy sees nothing"


# ---------------------------------------------------------------- shapes that must not route around the policy

BYPASSES = {
    "aliases": """query($cmsId: ID!) { c: child(cmsId: $cmsId) { h: household { m: members { i: individual {
        checks: serviceChecks { involvements { __typename
        ... on HousingInvolvement { arrears2: rentArrears asb: antiSocialBehaviour start: startDate }
        ids: source { rid: recordId } } } } } } } }""",
    "named fragments": """query($cmsId: ID!) { child(cmsId: $cmsId) { ...C } }
        fragment C on Child { household { members { individual { ...I } } } }
        fragment I on Individual { links { recordId } serviceChecks { involvements { ...Inv } } }
        fragment Inv on ServiceInvolvement { startDate lastContact source { recordId match { score } }
          ... on HousingInvolvement { rentArrears eviction } }""",
    "inline fragments on interfaces": """query($cmsId: ID!) { child(cmsId: $cmsId) { ... on Individual {
        ... on Child { household { members { individual { ... on Person { links { recordId } }
        ... on Individual { serviceChecks { involvements { ... on ServiceInvolvement { endDate }
        ... on HousingInvolvement { tenancyStart } } } } } } } } } } }""",
}


@pytest.mark.parametrize("shape", list(BYPASSES))
async def test_no_shape_of_query_shows_an_integrator_details_or_links(
    stack: AccessStack, detailed_child: str, shape: str
) -> None:
    body = await stack.query(stack.token(Role.INTEGRATION, azp="mash"), BYPASSES[shape], {"cmsId": detailed_child})
    assert "data" in body and body["data"] is not None, body
    names = DETAIL_FIELDS | LINKAGE_FIELDS | {"arrears2", "asb", "start", "rid", "ids"}
    leaked = [path for path in values_under(body["data"], names) if path[-1] != "ids"]
    assert not leaked, leaked
    assert "FORBIDDEN" in errors_by_code(body)


async def test_every_way_in_to_a_person_withholds_the_same_details(stack: AccessStack, detailed_child: str) -> None:
    """The same involvement, reached through `child`, `children`, `node` (child, household, person) and
    `searchPeople`: an integrator never sees its details."""
    integrator = stack.token(Role.INTEGRATION, azp="mash")
    manager = stack.token(Role.TEAM_MANAGER)
    household = await stack.query(
        manager,
        "query($cmsId: ID!) { child(cmsId: $cmsId) { id household { id members { individual { id "
        "name { family } dateOfBirth } } } } }",
        {"cmsId": detailed_child},
    )
    child = household["data"]["child"]
    member = child["household"]["members"][0]["individual"]
    checks = f"serviceChecks {{ involvements {{ {INVOLVEMENTS} }} }} links {{ recordId }}"
    ways = [
        (f"query($id: ID!) {{ children(cmsIds: [$id]) {{ {checks} }} }}", {"id": detailed_child}),
        (f"query($id: ID!) {{ node(id: $id) {{ ... on Child {{ {checks} }} }} }}", {"id": child["id"]}),
        (
            f"query($id: ID!) {{ node(id: $id) {{ ... on Household {{ members {{ individual {{ {checks} }} }} }} }} }}",
            {"id": child["household"]["id"]},
        ),
        (f"query($id: ID!) {{ node(id: $id) {{ ... on Individual {{ {checks} }} }} }}", {"id": member["id"]}),
        (
            f"query($n: String!, $d: Date) {{ searchPeople(input: {{familyName: $n, dateOfBirth: $d}}) {{ "
            f"matches {{ individual {{ {checks} }} }} }} }}",
            {"n": member["name"]["family"], "d": member["dateOfBirth"]},
        ),
    ]
    for query, variables in ways:
        body = await stack.query(integrator, query, variables)
        assert body["data"] is not None and any(v is not None for v in body["data"].values()), (query, body)
        assert not list(values_under(body["data"], DETAIL_FIELDS | LINKAGE_FIELDS)), query


async def test_a_hand_made_id_grants_nothing_to_a_role_without_people(stack: AccessStack) -> None:
    auditor = stack.token(Role.AUDITOR)
    for node_id in (
        ids.child_id("C000001"),
        ids.household_id("C000001"),
        ids.person_id("CMS", "P000001"),
        ids.person_id("POLICE", "PN-000001"),
    ):
        body = await stack.query(
            auditor, "query($id: ID!) { node(id: $id) { id ... on Individual { name { full } } } }", {"id": node_id}
        )
        assert body["data"]["node"] is None
        assert errors_by_code(body) == {"FORBIDDEN": [["node"]]}


async def test_children_reports_each_bad_id_at_its_index(stack: AccessStack) -> None:
    body = await stack.query(
        stack.token(Role.SOCIAL_WORKER),
        '{ children(cmsIds: ["C000001", "C999999", "not an id!", "C000002"]) { cmsId } }',
    )
    assert [c and c["cmsId"] for c in body["data"]["children"]] == ["C000001", None, None, "C000002"]
    assert errors_by_code(body) == {"NOT_FOUND": [["children", 1]], "BAD_USER_INPUT": [["children", 2]]}
