"""A real router in front: two authorities' gateways and an early-help system behind Hive Gateway, serving the
supergraph composed from their subgraphs. One query for a child of authority A returns its service checks, its
early-help episode, and, for its parent who has moved, authority B's checks; each authority applies its own access
rules and writes its own audit trail for what it showed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from auth.principal import Role
from gateway.federation_demo import FAMILY_QUERY, FederationStack, federation_stack
from tests.federation.node import require_node

pytestmark = pytest.mark.asyncio(loop_scope="module")

AUDIT = """query($actor: ID!) { auditEvents(filter: {actorId: $actor}, first: 100) { edges { action subjectIds
  services searchTerms clientId } } }"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FederationStack]:
    require_node()
    async with federation_stack(Path(tmp_path_factory.mktemp("federation")), households=80) as running:
        yield running


async def post(url: str, query: str, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"query": query, "variables": variables}, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


def signed_in(stack: FederationStack, user_id: str, role: Role = Role.SOCIAL_WORKER) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(role, user_id=user_id)}", "X-Purpose": "ASSESSMENT"}


async def test_one_query_through_the_router_answers_from_both_authorities(stack: FederationStack) -> None:
    headers = {**signed_in(stack, "worker-router"), "apollographql-client-name": "mash-portal"}
    body = await post(f"{stack.router_url}/graphql", FAMILY_QUERY, {"cmsId": stack.family.child_cms_id}, headers)
    assert "errors" not in body, body
    child = body["data"]["child"]
    assert child["cmsId"] == stack.family.child_cms_id
    assert child["earlyHelp"]["status"] in ("OPEN", "CLOSED")
    assert {c["service"] for c in child["serviceChecks"]} >= {"SCHOOL", "HOUSING"}
    parent = stack.family.parent
    members = [m["individual"] for m in child["household"]["members"]]
    moved = next(m for m in members if m["name"]["full"] == f"{parent.given_name} {parent.family_name}")
    elsewhere = moved["inAuthorityB"]
    assert [e["authority"] for e in elsewhere] == ["Authority B (demo)"]
    outcomes = {c["service"]: c for c in elsewhere[0]["serviceChecks"]}
    assert outcomes["HOUSING"]["outcome"] == "INVOLVED" and outcomes["HOUSING"]["contacts"]
    assert outcomes["ADULT_SOCIAL_CARE"]["outcome"] == "INVOLVED"


async def test_each_authority_audits_what_it_showed(stack: FederationStack) -> None:
    actor = "worker-audited"
    await post(
        f"{stack.router_url}/graphql", FAMILY_QUERY, {"cmsId": stack.family.child_cms_id}, signed_in(stack, actor)
    )
    auditor = {"Authorization": f"Bearer {stack.token(Role.AUDITOR, user_id='auditor')}", "X-Purpose": "AUDIT"}
    in_a = await post(f"{stack.gateway_a}/graphql", AUDIT, {"actor": actor}, auditor)
    in_b = await post(f"{stack.gateway_b}/graphql", AUDIT, {"actor": actor}, auditor)
    actions_a = {e["action"] for e in in_a["data"]["auditEvents"]["edges"]}
    actions_b = {e["action"] for e in in_b["data"]["auditEvents"]["edges"]}
    assert "VIEWED_BASIC_DETAILS" in actions_a
    assert {"SEARCHED", "VIEWED_BASIC_DETAILS"} <= actions_b  # B searched for the parent and showed their checks
    searched = next(e for e in in_b["data"]["auditEvents"]["edges"] if e["action"] == "SEARCHED")
    assert stack.family.parent.family_name in searched["searchTerms"]


async def test_a_role_refused_in_an_authority_is_refused_there_through_the_router(stack: FederationStack) -> None:
    """An auditor may open no records: A refuses the child, and nothing reaches B."""
    headers = {"Authorization": f"Bearer {stack.token(Role.AUDITOR, user_id='auditor-2')}", "X-Purpose": "AUDIT"}
    body = await post(f"{stack.router_url}/graphql", FAMILY_QUERY, {"cmsId": stack.family.child_cms_id}, headers)
    assert body["data"]["child"] is None
    assert body["errors"]


async def test_without_a_token_the_router_gets_nothing(stack: FederationStack) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{stack.router_url}/graphql", json={"query": FAMILY_QUERY, "variables": {"cmsId": "C000001"}}) as r,
    ):
        body = await r.json(content_type=None)
    assert not (body.get("data") or {}).get("child"), body


async def test_the_neighbour_treats_a_hand_made_representation_as_a_search(stack: FederationStack) -> None:
    """Sent straight to B's neighbour subgraph, a representation is only search terms: the caller's right to search
    and B's audit apply: an auditor (no basic details) is refused, a social worker's look-up is audited."""
    parent = stack.family.parent
    representation = {
        "__typename": "Person",
        "id": "anything",
        "name": {"given": parent.given_name, "family": parent.family_name},
        "dateOfBirth": str(parent.date_of_birth),
    }
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { inAuthorityB {
      serviceChecks { service outcome } } } } }"""
    auditor = {"Authorization": f"Bearer {stack.token(Role.AUDITOR, user_id='auditor-3')}", "X-Purpose": "AUDIT"}
    refused = await post(f"{stack.gateway_b}/graphql/neighbour", query, {"r": [representation]}, auditor)
    assert refused["data"]["_entities"] == [{"inAuthorityB": None}], refused
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    worker = signed_in(stack, "worker-hand-made")
    allowed = await post(f"{stack.gateway_b}/graphql/neighbour", query, {"r": [representation]}, worker)
    assert allowed["data"]["_entities"][0]["inAuthorityB"], allowed
    reader = {"Authorization": f"Bearer {stack.token(Role.AUDITOR, user_id='auditor')}", "X-Purpose": "AUDIT"}
    events = await post(f"{stack.gateway_b}/graphql", AUDIT, {"actor": "worker-hand-made"}, reader)
    assert "SEARCHED" in {e["action"] for e in events["data"]["auditEvents"]["edges"]}
