"""searchPeople end to end: the CMS and every connected source, ranked, with evidence, one result per person."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from linkage.diminutives import diminutives_of
from resolvers.ids import decode
from resolvers.search import DEFAULT_FIRST
from sandbox.identity_copies import Identity
from sandbox.population import Population
from tests.e2e.conftest import Stack, running_stack
from tests.typos import vowel_typo

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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """The demo's default population (`family-context demo`: seed 1, 2,000 households), as the README's reader
    meets it."""
    async with running_stack(Path(tmp_path_factory.mktemp("demo")), seed=1, households=2000) as running:
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


@pytest.mark.parametrize("after", ["-1", "1.5", "abc", "1234567", "\u00b2", "\u0663", "9" * 5000])
async def test_a_cursor_this_search_did_not_return_gets_bad_user_input(stack: Stack, after: str) -> None:
    body = await stack.query(SEARCH, {"input": {"familyName": "Smith"}, "after": after})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


async def test_first_null_serves_the_default_page(stack: Stack) -> None:
    """The contract's `first: Int = 20`: a client may send null, as a nullable variable left empty does."""
    who = child_record(stack)
    everything = await search(stack, first=100, familyName=who.family_name)
    body = await stack.query(SEARCH, {"input": {"familyName": who.family_name}, "first": None})
    assert "errors" not in body, body
    page = body["data"]["searchPeople"]
    assert page["matches"] == everything["matches"][:DEFAULT_FIRST]
    assert page["totalCount"] == everything["totalCount"]


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


# Every source kind, with the record id each system gives a person.
SOURCE_KINDS = ("cms", "adult_social_care", "housing", "police", "school")
SCHOOL_SYSTEM = "Synergy (simulated)"


def known_only_to(population: Population, system: str, fits: Callable[[Identity], bool]) -> tuple[str, Identity]:
    """The first person whom only `system` knows, in one record that `fits`: (its record id, what it holds)."""
    for person in population.people:
        if set(population.ground_truth.people[person.person_id].records) != {system}:
            continue
        held = population.records_of(person)
        record: list[tuple[str, Identity]] = {
            "cms": [(held.cms.id, held.cms.identity)] if held.cms else [],
            "adult_social_care": [(c.client_id, c.identity) for c in held.adult_social_care],
            "housing": [(t.person_ref, t.identity) for t in held.housing],
            "police": [(r.record_id, r.identity) for r in held.police],
            "school": [(p.upn, p.identity) for p in held.school],
        }[system]
        if len(record) == 1 and fits(record[0][1]):
            return record[0]
    raise AssertionError(f"the demo population has nobody known only to {system} who fits")


def record_ids(result: dict[str, Any]) -> set[str]:
    """The source systems' own ids of the people listed."""
    return {decode(match["individual"]["id"]).key for match in result["matches"]}


async def searched_once_per_source(stack: Stack, **terms: Any) -> dict[str, Any]:
    """A search, checked to have asked each HTTP system once and the school database once."""
    await stack.sandbox.reset_stats()
    school_before = await stack.metric("family_context_upstream_requests_total", source=SCHOOL_SYSTEM)
    result = await search(stack, first=100, **terms)
    assert await stack.upstream() == {"cms": 1, "adult_social_care": 1, "housing": 1}
    assert await stack.metric("family_context_upstream_requests_total", source=SCHOOL_SYSTEM) == school_before + 1
    return result


def has_typo(who: Identity) -> bool:
    return bool(who.given_name and vowel_typo(who.family_name))


@pytest.mark.parametrize("system", SOURCE_KINDS)
async def test_a_family_name_typed_wrong_without_a_dob_finds_the_person(demo: Stack, system: str) -> None:
    """As "Rise, Donald" finds Donald Rice: a one-letter typo, surname first, no date of birth."""
    record_id, who = known_only_to(demo.sandbox.population, system, has_typo)
    typed = vowel_typo(who.family_name)
    assert typed is not None

    result = await searched_once_per_source(demo, familyName=f"{typed}, {who.given_name}")

    assert record_id in record_ids(result)
    match = next(m for m in result["matches"] if decode(m["individual"]["id"]).key == record_id)
    assert any(reason.startswith("family name typo") for reason in match["match"]["reasons"])


def diminutive(who: Identity) -> str | None:
    """A diminutive or spelling variant of the given name the record holds, if linkage's table has one."""
    given = who.given_name.lower()
    related = sorted(name for name in diminutives_of(given) if name.isalpha()) if given.isalpha() else []
    return related[0].title() if related and who.date_of_birth else None


@pytest.mark.parametrize("system", SOURCE_KINDS)
async def test_a_diminutive_with_the_exact_dob_finds_the_person(demo: Stack, system: str) -> None:
    """As "Milly Curtis" with her date of birth finds Millie Curtis."""
    record_id, who = known_only_to(demo.sandbox.population, system, lambda who: diminutive(who) is not None)
    assert who.date_of_birth is not None

    result = await searched_once_per_source(
        demo, givenName=diminutive(who), familyName=who.family_name, dateOfBirth=who.date_of_birth.isoformat()
    )

    match = next(m for m in result["matches"] if decode(m["individual"]["id"]).key == record_id)
    assert match["match"]["level"] in ("CERTAIN", "PROBABLE")
    assert any(reason.startswith("given name nickname") for reason in match["match"]["reasons"])


def readme() -> str:
    return (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


async def test_the_readme_search_example_finds_what_it_says(demo: Stack) -> None:
    """README's `searchPeople` block, run as written on the demo's population: Bob is Robert Walker."""
    (example,) = re.findall(r"```graphql\n(\{\n  searchPeople.*?)```", readme(), flags=re.DOTALL)
    assert 'familyName: "WALKER, Bob"' in example and "finds Robert Walker" in readme()

    body = await demo.query(example)

    assert "errors" not in body, body.get("errors")
    top = body["data"]["searchPeople"]["matches"][0]
    assert top["individual"]["name"]["full"] == "Robert Walker"
    assert "given name nickname Bob/Robert" in top["match"]["reasons"]


@pytest.mark.parametrize("typed", ["Rise, Donald", "Ryce, Donald"])
async def test_the_readme_typo_examples_find_donald_rice(demo: Stack, typed: str) -> None:
    assert f'"{typed}"' in readme()
    result = await searched_once_per_source(demo, familyName=typed)
    names = [m["individual"]["name"]["full"] for m in result["matches"]]
    assert names[:1] == ["Donald Rice"]


async def test_the_readme_spelling_example_finds_millie_curtis_once(demo: Stack) -> None:
    """ "Milly" with Millie Curtis's DOB: one result, although the CMS, housing and her school all know her."""
    assert 'givenName: "Milly", familyName: "Curtis"' in readme()
    millie = next(p for p in demo.sandbox.population.people if (p.given_name, p.family_name) == ("Millie", "Curtis"))
    assert set(demo.sandbox.population.ground_truth.people[millie.person_id].records) >= {"cms", "housing", "school"}

    result = await searched_once_per_source(
        demo, givenName="Milly", familyName="Curtis", dateOfBirth=millie.date_of_birth.isoformat()
    )

    assert [m["individual"]["name"]["full"] for m in result["matches"]] == ["Millie Curtis"]
    assert result["matches"][0]["match"]["level"] in ("CERTAIN", "PROBABLE")
