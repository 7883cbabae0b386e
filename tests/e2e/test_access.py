"""Access is decided once per object, so aliases, fragments and node(id:) cannot route around it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from resolvers import ids
from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def auditor(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """A principal whose only role is AUDITOR: no casework, so no people."""
    async with running_stack(Path(tmp_path_factory.mktemp("access")), households=20, roles=("AUDITOR",)) as stack:
        yield stack


@pytest.mark.parametrize(
    "query",
    [
        '{ child(cmsId: "C000001") { name { full } } }',
        '{ sneaky: child(cmsId: "C000001") { dob: dateOfBirth } }',
        '{ child(cmsId: "C000001") { ...details } } fragment details on Child { name { full } household { id } }',
        '{ child(cmsId: "C000001") { ... on Individual { serviceChecks { outcome } } } }',
        '{ children(cmsIds: ["C000001", "C000002"]) { name { full } } }',
        '{ searchPeople(input: {familyName: "Smith"}) { totalCount } }',
    ],
)
async def test_a_non_casework_role_sees_no_one(auditor: Stack, query: str) -> None:
    body = await auditor.query(query)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert all(value is None for value in (body.get("data") or {}).values())


@pytest.mark.parametrize(
    "node_id",
    [ids.child_id("C000001"), ids.household_id("C000001"), ids.person_id("CMS", "P000001")],
)
async def test_node_ids_grant_nothing(auditor: Stack, node_id: str) -> None:
    body = await auditor.query(
        "query($id: ID!) { node(id: $id) { id ... on Person { name { full } } ... on Child { name { full } } } }",
        {"id": node_id},
    )
    assert body["data"]["node"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_auditor_still_sees_who_they_are_and_the_sources(auditor: Stack) -> None:
    body = await auditor.query("{ me { roles } sources { service connected } }")
    assert body["data"]["me"]["roles"] == ["AUDITOR"]
    assert len(body["data"]["sources"]) == 13
