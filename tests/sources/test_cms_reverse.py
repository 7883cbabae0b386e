"""The CMS adapter's reverse look-ups (person → children, address → children) against the sandbox CMS over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from sandbox.runner import RunningSandbox
from sources.adapter import SourceUnavailable
from sources.cms import CmsAdapter, CmsChild
from sources.model import Address
from sources.registry import build_cms_adapter
from sources.settings import SourceSettings


def cms_adapter(url: str, session: aiohttp.ClientSession, **overrides: object) -> CmsAdapter:
    values: dict[str, object] = {"timeout_s": 2.0, "max_batch_size": 50, "max_concurrency": 4} | overrides
    return build_cms_adapter(
        SourceSettings(service=None, system="cms", kind="cms_rest", url=url, **values),  # type: ignore[arg-type]
        session,
    )


async def requests(sandbox: RunningSandbox, route: str) -> int:
    return int((await sandbox.stats("cms"))["requests"].get(route, 0))


async def test_related_children_agree_with_recorded_relationships(
    sandbox: RunningSandbox, session: aiohttp.ClientSession
) -> None:
    cms = cms_adapter(sandbox.urls["cms"], session, max_batch_size=7)
    child_ids = [c for c in sandbox.population.cms.people if c.startswith("C")]
    forward = {
        (child_id, relationship.person_id)
        for child_id, relationships in zip(child_ids, await cms.get_relationships(child_ids), strict=True)
        for relationship in relationships
    }
    people = sorted({person_id for _, person_id in forward})
    await sandbox.reset_stats()

    related = await cms.get_related_children(people)

    reverse = {
        (child_id, person_id) for person_id, children in zip(people, related, strict=True) for child_id in children
    }
    assert forward
    assert reverse == forward
    assert all(children == sorted(set(children)) for children in related)  # C order, each once
    assert await requests(sandbox, "relationships_of_people") == -(-len(people) // 7)


async def test_related_children_of_unknown_people_are_empty(
    sandbox: RunningSandbox, session: aiohttp.ClientSession
) -> None:
    cms = cms_adapter(sandbox.urls["cms"], session)

    assert await cms.get_related_children(["P999999", "C999999"]) == [[], []]
    assert await cms.get_related_children([]) == []


async def test_children_at_finds_a_child_at_its_current_address(
    sandbox: RunningSandbox, session: aiohttp.ClientSession
) -> None:
    cms = cms_adapter(sandbox.urls["cms"], session)
    (child,) = await cms.get_children(["C000001"])
    assert child is not None and child.address is not None  # pinned by the seed
    elsewhere = Address(line1="1 Nowhere Street", postcode="ZZ9 9ZZ")

    here, nowhere = await cms.children_at([child.address, elsewhere])

    assert "C000001" in {c.person_id for c in here}
    assert all(isinstance(c, CmsChild) and c.address and c.address.postcode == child.address.postcode for c in here)
    found = next(c for c in here if c.person_id == "C000001")
    assert found == child  # the same mapping as children/batch: case reference and allocated worker included
    assert nowhere == []


async def test_an_address_without_line1_and_postcode_is_not_asked(
    sandbox: RunningSandbox, session: aiohttp.ClientSession
) -> None:
    cms = cms_adapter(sandbox.urls["cms"], session)
    await sandbox.reset_stats()

    answers = await cms.children_at([Address(line1="12 Mill Lane", postcode=None), Address(line1=None, postcode="SK1")])

    assert answers == [[], []]
    assert await requests(sandbox, "children_at_addresses") == 0


async def test_children_at_batches_at_the_smaller_of_max_batch_size_and_fifty(
    sandbox: RunningSandbox, session: aiohttp.ClientSession
) -> None:
    (child,) = await cms_adapter(sandbox.urls["cms"], session).get_children(["C000001"])
    assert child is not None and child.address is not None
    unasked = Address(line1=None, postcode=None)
    addresses = [child.address, unasked, *(Address(line1=f"{n} Nowhere", postcode="ZZ9 9ZZ") for n in range(60))]
    await sandbox.reset_stats()

    answers = await cms_adapter(sandbox.urls["cms"], session, max_batch_size=100).children_at(addresses)

    assert len(answers) == len(addresses)
    assert "C000001" in {c.person_id for c in answers[0]}
    assert answers[1:] == [[]] * 61
    assert await requests(sandbox, "children_at_addresses") == 2  # 61 asked: 50 + 11
    await sandbox.reset_stats()

    await cms_adapter(sandbox.urls["cms"], session, max_batch_size=20).children_at(addresses)

    assert await requests(sandbox, "children_at_addresses") == 4  # 20 + 20 + 20 + 1


@pytest.mark.parametrize("attempt", [1, 2])  # the sandbox alternates truncated JSON and an HTML page
async def test_garbage_from_the_cms_is_source_unavailable(
    sandbox: RunningSandbox, session: aiohttp.ClientSession, attempt: int
) -> None:
    cms = cms_adapter(sandbox.urls["cms"], session, retries=0)
    await sandbox.set_fault("cms", "garbage")
    for _ in range(attempt - 1):
        with pytest.raises(SourceUnavailable):
            await cms.get_related_children(["P000001"])

    with pytest.raises(SourceUnavailable) as related:
        await cms.get_related_children(["P000001"])
    with pytest.raises(SourceUnavailable) as at:
        await cms.children_at([Address(line1="12 Mill Lane", postcode="SK1 2AB")])

    assert related.value.reason == at.value.reason == "malformed response"


@pytest.fixture
async def wrong_shape() -> AsyncIterator[tuple[str, dict[str, object]]]:
    """A CMS on port 0 answering every POST with valid JSON the test chooses (a wrong shape, not a broken body)."""
    answer: dict[str, object] = {}

    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(answer["body"])

    app = web.Application()
    app.router.add_post("/{tail:.*}", reply)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", answer
    await runner.cleanup()


@pytest.mark.parametrize(
    "body",
    [
        {"children": ["C000001"]},
        {"children": {"P000001": "C000001"}},
        {"children": {"P000001": [1]}},
        {"children": {"P000001": [""]}},
        {"children": {}},  # the asked id left out
        {"people": {}},
    ],
)
async def test_a_garbled_reverse_relationship_answer_is_source_unavailable(
    wrong_shape: tuple[str, dict[str, object]], session: aiohttp.ClientSession, body: object
) -> None:
    url, answer = wrong_shape
    answer["body"] = body

    with pytest.raises(SourceUnavailable) as raised:
        await cms_adapter(url, session).get_related_children(["P000001"])

    assert raised.value.reason == "malformed response"


@pytest.mark.parametrize(
    "body",
    [
        {"results": []},  # the asked address left unanswered
        {"results": [{"ref": "7", "children": []}]},
        {"results": [{"ref": "\u00b2", "children": []}]},  # a digit to str.isdigit, not to int()
        {"results": [{"ref": "9" * 5000, "children": []}]},  # more digits than int() reads
        {"results": [{"ref": "0", "children": [{"forename": "No id"}]}]},
        {"results": [{"ref": "0", "children": [{"id": "C000001", "dateOfBirth": "09/03/2014"}]}]},
    ],
)
async def test_a_garbled_at_addresses_answer_is_source_unavailable(
    wrong_shape: tuple[str, dict[str, object]], session: aiohttp.ClientSession, body: object
) -> None:
    url, answer = wrong_shape
    answer["body"] = body

    with pytest.raises(SourceUnavailable) as raised:
        await cms_adapter(url, session).children_at([Address(line1="12 Mill Lane", postcode="SK1 2AB")])

    assert raised.value.reason == "malformed response"
