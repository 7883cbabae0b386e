"""Property: whatever the shape of a query, no value of a class withheld from the caller is in the answer.

Hypothesis draws queries over the real schema (`tests/e2e/query_shapes.py`: random fields, aliases, repeated
fields, named and inline fragments on types and interfaces, `__typename`, within the gateway's limits) from every
root field, and runs them over HTTP, with real tokens, for every role and with and without a purpose. The checker
reads each answer against the query it came from: every value whose class the default access table withholds
from that caller must be null (an empty list is a value), every error must carry one of the gateway's codes, and
the answer's `data` is never null as a whole.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import given, settings
from hypothesis import strategies as st

from auth.field_classes import FieldClass
from auth.principal import Purpose, Role
from resolvers import ids
from tests.e2e.access_stack import RATE_LIMITS_OUT_OF_REACH, AccessStack, access_stack
from tests.e2e.query_shapes import GeneratedQuery, Roots, leaks, queries, validation_errors, withheld_classes

GATEWAY_CODES = frozenset(
    {"FORBIDDEN", "PURPOSE_REQUIRED", "NOT_FOUND", "BAD_USER_INPUT", "QUERY_TOO_COMPLEX", "SOURCE_UNAVAILABLE"}
)
CALLERS: list[tuple[Role, ...]] = [
    (Role.SOCIAL_WORKER,),
    (Role.TEAM_MANAGER,),
    (Role.INTEGRATION,),
    (Role.AUDITOR,),
    (Role.ADMIN,),
    (),  # signed in, with no role
]
PURPOSES: list[Purpose | None] = [Purpose.ASSESSMENT, None]


def every_caller(test: Callable[..., Any]) -> Callable[..., Any]:
    """The test once per caller (`roles`) and purpose: CALLERS x PURPOSES, with readable ids."""
    by_purpose = pytest.mark.parametrize("purpose", PURPOSES, ids=lambda p: p.value if p else "no purpose")
    by_roles = pytest.mark.parametrize("roles", CALLERS, ids=lambda r: "+".join(x.value for x in r) or "no role")
    return by_roles(by_purpose(test))


HOUSEHOLDS = """query($ids: [ID!]!) { children(cmsIds: $ids) {
  id cmsId ...Known household { id members { individual { ...Known } } } } }
fragment Known on Individual { id name { given family } serviceChecks { outcome } links { service recordId } }"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AccessStack]:
    workdir = Path(tmp_path_factory.mktemp("properties"))
    async with access_stack(workdir, households=40, extra=RATE_LIMITS_OUT_OF_REACH) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def roots(stack: AccessStack) -> Roots:
    """Ids and names seen once by a team manager stating a purpose, and hand-made ones that point nowhere.

    The children are those whose households most services are involved with: the answers about them hold the
    most values of every class.
    """
    children = [p.id for p in stack.sandbox.population.cms.people.values() if p.is_child]
    body = await stack.query(stack.token(Role.TEAM_MANAGER), HOUSEHOLDS, {"ids": children})
    found = sorted(body["data"]["children"], key=lambda c: -_involved(c))[:3]
    members = [m["individual"] for child in found for m in child["household"]["members"]]
    hand_made = [
        ids.person_id("POLICE", "PN-000001"),
        ids.person_id("CMS", "P999999"),
        ids.child_id("C999999"),
        ids.household_id("C999999"),
        base64.urlsafe_b64encode(b"Person:NOWHERE:1").decode().rstrip("="),
        "not-an-id",
    ]
    families = sorted({c["name"]["family"] for c in found} | {m["name"]["family"] for m in members[:4]} - {None})
    # Ids of the same people's records in other systems, made by hand from their linked record ids, and of people
    # only another system places in a child's household.
    elsewhere = {link["service"]: ids.person_id(link["service"], link["recordId"]) for link in _links(found)}
    for child in body["data"]["children"]:
        for member in child["household"]["members"]:
            elsewhere.setdefault(f"member {ids.decode(member['individual']['id']).home}", member["individual"]["id"])
    return Roots(
        cms_ids=(*(c["cmsId"] for c in found), "C999999", "not an id!"),
        node_ids=(
            *(c["id"] for c in found),
            *(c["household"]["id"] for c in found),
            *dict.fromkeys(m["id"] for m in members),
            *elsewhere.values(),
            *hand_made,
        ),
        family_names=(*families, f"{families[0].upper()}, {members[0]['name']['given']}", "Zzyzx"),
    )


def _links(children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    people = [p for child in children for p in (child, *(m["individual"] for m in child["household"]["members"]))]
    return [link for person in people for link in person["links"]]


def _involved(child: Mapping[str, Any]) -> int:
    people = [child, *(m["individual"] for m in child["household"]["members"])]
    return sum(c["outcome"] == "INVOLVED" for person in people for c in person["serviceChecks"])


def problems_with(query: str, status: int, body: Mapping[str, Any], withheld: frozenset[FieldClass]) -> list[str]:
    """Everything wrong with one answer: withheld values shown, errors without a gateway code, a null answer."""
    problems = [f"leaked {leak}" for leak in leaks(query, body.get("data"), withheld)]
    if status != 200:
        problems.append(f"HTTP {status} for a valid query within the limits")
    errors = body.get("errors") or []
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        if code not in GATEWAY_CODES:
            problems.append(f"error with code {code!r}: {error}")
    if body.get("data") is None and not any(len(e.get("path") or []) == 1 for e in errors):
        problems.append(f"data is null, yet no root field was refused: {errors}")
    return problems


class Gateway:
    """The module's gateway, as the property test asks it.

    Hypothesis prints a failing test's arguments; given the `AccessStack` itself (a dataclass holding the sandbox's
    whole population) it reported `FlakyStrategyDefinition` instead of the failure (hypothesis 6.170): the test
    gets this small object instead.
    """

    def __init__(self, stack: AccessStack, roots: Roots) -> None:
        self._stack = stack
        self.roots = roots

    def __repr__(self) -> str:
        return f"Gateway({self._stack.url})"

    async def ask(self, query: str, roles: tuple[Role, ...], purpose: Purpose | None) -> tuple[int, dict[str, Any]]:
        headers = {"X-Purpose": purpose.value} if purpose else {}
        status, body, _ = await self._stack.post(query, token=self._stack.token(*roles), headers=headers)
        return status, body


@pytest.fixture(scope="module")
def gateway(stack: AccessStack, roots: Roots) -> Gateway:
    return Gateway(stack, roots)


@pytest.mark.asyncio(loop_scope="module")
@every_caller
@settings(max_examples=15, deadline=None)
@given(data=st.data())
async def test_no_query_shows_a_value_of_a_class_withheld_from_the_caller(
    gateway: Gateway, roles: tuple[Role, ...], purpose: Purpose | None, data: st.DataObject
) -> None:
    query = data.draw(queries(gateway.roots), label="query")
    status, body = await gateway.ask(query.text, roles, purpose)
    withheld = withheld_classes(roles, purpose)
    problems = problems_with(query.text, status, body, withheld)
    caller = "+".join(r.value for r in roles) or "no role"
    assert not problems, (
        f"\ncaller: {caller}, purpose: {purpose and purpose.value}, withheld: {sorted(c.value for c in withheld)}"
        f"\nquery:\n{query.text}\n" + "\n".join(problems)
    )


# ---------------------------------------------------------------- the generator and the checker themselves

SAMPLE_ROOTS = Roots(
    cms_ids=("C000001", "C999999"),
    node_ids=(ids.child_id("C000001"), ids.person_id("POLICE", "PN-000001")),
    family_names=("Smith",),
)


@settings(max_examples=30, deadline=None)
@given(query=queries(SAMPLE_ROOTS))
def test_the_generator_draws_valid_queries_within_the_gateway_s_limits(query: GeneratedQuery) -> None:
    assert validation_errors(query.text) == [], query.text


INVOLVEMENTS = """{ child(cmsId: "C000001") { serviceChecks { involvements {
  ... on HousingInvolvement { arrears: rentArrears source { recordId } } } } } }"""


def test_the_checker_reports_a_detail_shown_to_an_integrator() -> None:
    shown = {"child": {"serviceChecks": [{"involvements": [{"arrears": "OPEN", "source": {"recordId": None}}]}]}}
    found = leaks(INVOLVEMENTS, shown, withheld_classes([Role.INTEGRATION], Purpose.ASSESSMENT))
    assert [(leak.path, leak.fields, leak.field_class) for leak in found] == [
        ("child.serviceChecks[0].involvements[0].arrears", ("HousingInvolvement.rentArrears",), FieldClass.DETAIL)
    ]


def test_the_checker_counts_an_empty_list_as_shown_and_a_null_as_withheld() -> None:
    query = """{ node(id: "x") { ...P } } fragment P on Individual { ... on Person { l: links { recordId } } }"""
    integrator = withheld_classes([Role.INTEGRATION], None)
    assert [leak.path for leak in leaks(query, {"node": {"l": []}}, integrator)] == ["node.l"]
    assert leaks(query, {"node": {"l": None}}, integrator) == []
    assert leaks(query, {"node": {"l": []}}, withheld_classes([Role.SOCIAL_WORKER], None)) == []


def test_the_checker_gives_a_held_field_its_holder_s_class() -> None:
    query = """{ child(cmsId: "C000001") { links { match { score } } serviceChecks { involvements {
      source { system match { reasons } } } } } me { roles } }"""
    answer = {
        "child": {
            "links": None,
            "serviceChecks": [{"involvements": [{"source": {"system": "Synergy", "match": {"reasons": []}}}]}],
        },
        "me": {"roles": []},
    }
    found = leaks(query, answer, withheld_classes([Role.INTEGRATION], None))
    assert [leak.path for leak in found] == ["child.serviceChecks[0].involvements[0].source.match"]
    assert leaks(query, {"child": None, "me": {"roles": []}}, withheld_classes([], None)) == []


def test_the_checker_reports_a_key_the_query_did_not_ask_for() -> None:
    found = leaks('{ child(cmsId: "C000001") { id } }', {"child": {"id": "x", "rentArrears": "OPEN"}}, frozenset())
    assert [(leak.path, leak.field_class) for leak in found] == [("child.rentArrears", None)]


def test_the_checker_follows_named_fragments_and_the_typename_of_an_abstract_value() -> None:
    query = """{ n: node(id: "x") { kind: __typename ...F } }
    fragment F on Node { ... on Child { checks: serviceChecks { involvements { t: __typename
      ... on PoliceInvolvement { offences: safeguardingOffences { date } area: policeArea }
      ... on ServiceInvolvement { since: startDate } } } } }"""
    answer = {
        "n": {
            "kind": "Child",
            "checks": [
                {"involvements": [{"t": "PoliceInvolvement", "offences": [], "area": "GMP", "since": None}]},
                {"involvements": [{"t": "HousingInvolvement", "since": "2020-01-01"}]},
            ],
        }
    }
    found = leaks(query, answer, withheld_classes([Role.SOCIAL_WORKER], None))
    assert [(leak.path, leak.fields) for leak in found] == [
        ("n.checks[0].involvements[0].offences", ("PoliceInvolvement.safeguardingOffences",)),
        ("n.checks[1].involvements[0].since", ("ServiceInvolvement.startDate",)),
    ]
    assert leaks(query, answer, withheld_classes([Role.SOCIAL_WORKER], Purpose.ASSESSMENT)) == []
