"""searchPeople end to end: the CMS and every connected source, ranked, with evidence, one result per person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEARCH = """
query($input: PersonSearchInput!, $first: Int, $after: String) {
  searchPeople(input: $input, first: $first, after: $after) {
    totalCount
    endCursor
    matches {
      match { score level reasons }
      individual { __typename id name { given family full } dateOfBirth ... on Child { cmsId } }
    }
  }
}
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(Path(tmp_path_factory.mktemp("search"))) as running:
        yield running


async def search(stack: Stack, first: int = 20, after: str | None = None, **terms: Any) -> dict[str, Any]:
    body = await stack.query(SEARCH, {"input": terms, "first": first, "after": after})
    assert "errors" not in body, body.get("errors")
    result: dict[str, Any] = body["data"]["searchPeople"]
    return result


def child_record(stack: Stack, cms_id: str = "C000001") -> Any:
    return stack.sandbox.population.cms.people[cms_id].identity


async def test_a_child_is_found_by_name_and_date_of_birth(stack: Stack) -> None:
    who = child_record(stack)
    result = await search(
        stack, familyName=who.family_name, givenName=who.given_name, dateOfBirth=who.date_of_birth.isoformat()
    )
    top = result["matches"][0]
    assert top["individual"]["cmsId"] == "C000001"
    assert top["match"]["level"] in ("CERTAIN", "PROBABLE")
    assert top["match"]["score"] == 1.0
    assert "family name exact" in top["match"]["reasons"]


async def test_results_are_ranked_and_each_person_appears_once(stack: Stack) -> None:
    who = child_record(stack)
    result = await search(stack, familyName=who.family_name)
    scores = [m["match"]["score"] for m in result["matches"]]
    assert scores == sorted(scores, reverse=True)
    ids = [m["individual"]["id"] for m in result["matches"]]
    assert len(ids) == len(set(ids))
    assert "C000001" in {m["individual"].get("cmsId") for m in result["matches"]}
    assert result["totalCount"] >= len(result["matches"])


async def test_surname_first_and_wildcards(stack: Stack) -> None:
    who = child_record(stack)
    plain = await search(stack, familyName=who.family_name, givenName=who.given_name)
    for typed in (
        f"{who.family_name.upper()}, {who.given_name}",
        f"{who.family_name} {who.given_name}",
        f"{who.family_name}*",
        f"%{who.family_name}%",
    ):
        if "," in typed or " " in typed:
            result = await search(stack, familyName=typed)
        else:
            result = await search(stack, familyName=typed, givenName=who.given_name)
        assert result["matches"][0]["individual"]["id"] == plain["matches"][0]["individual"]["id"], typed


async def test_people_unknown_to_childrens_social_care_are_found(stack: Stack) -> None:
    """Adult social care clients are searched too, not only the CMS."""
    client = next(c for c in stack.sandbox.population.adult_social_care if c.identity.date_of_birth is not None)
    who = client.identity
    assert who.date_of_birth is not None
    result = await search(
        stack, familyName=who.family_name, givenName=who.given_name, dateOfBirth=who.date_of_birth.isoformat()
    )
    assert result["matches"], "the client was not found"
    assert result["matches"][0]["match"]["level"] in ("CERTAIN", "PROBABLE")


async def test_pages(stack: Stack) -> None:
    who = child_record(stack)
    everything = await search(stack, first=100, familyName=who.family_name)
    if everything["totalCount"] < 2:
        pytest.skip("the seeded population has a unique surname here")
    first = await search(stack, first=1, familyName=who.family_name)
    second = await search(stack, first=1, after=first["endCursor"], familyName=who.family_name)
    assert first["totalCount"] == everything["totalCount"]
    assert [first["matches"][0], second["matches"][0]] == everything["matches"][:2]


@pytest.mark.parametrize(
    "terms",
    [
        {"familyName": "  *% "},
        {"familyName": ""},
        {"familyName": "x" * 101},
        {"familyName": "Smith", "postcode": "<script>"},
        {"familyName": "Smith", "dateOfBirth": "2014-13-45"},
        {"familyName": "Smith", "dateOfBirth": "2999-01-01"},
    ],
)
async def test_bad_input_gets_bad_user_input(stack: Stack, terms: dict[str, Any]) -> None:
    body = await stack.query(SEARCH, {"input": terms})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert not body.get("data") or body["data"]["searchPeople"] is None


async def test_first_is_bounded(stack: Stack) -> None:
    body = await stack.query(SEARCH, {"input": {"familyName": "Smith"}, "first": 1000})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_one_request_per_source_per_search(stack: Stack) -> None:
    who = child_record(stack)
    await stack.sandbox.reset_stats()
    await search(stack, familyName=who.family_name, givenName=who.given_name)
    requests = await stack.upstream()
    assert requests == {"cms": 1, "adult_social_care": 1, "housing": 1}


async def test_a_case_linked_authority_does_not_search(tmp_path: Path) -> None:
    async with running_stack(
        tmp_path, households=10, config_changes={"authority": {"name": "Leeds-like", "access_mode": "case_linked"}}
    ) as stack:
        body = await stack.query(SEARCH, {"input": {"familyName": "Smith"}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
