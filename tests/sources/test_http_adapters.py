"""ASC, housing and CMS adapters over real HTTP against the simulated systems."""

import asyncio
import time

import aiohttp
import pytest

from linkage.demographics import Demographics
from sandbox.runner import RunningSandbox
from sources.adapter import SourceAdapter, SourceUnavailable
from sources.cms import CmsChild, CmsPerson
from sources.model import HousingFacts, Service, SourceHealth
from sources.registry import build_adapter, build_cms_adapter
from sources.settings import AdapterKind, SourceSettings
from tests.typos import vowel_typo

SERVICES: dict[str, tuple[Service | None, AdapterKind]] = {
    "adult_social_care": (Service.ADULT_SOCIAL_CARE, "adult_social_care_rest"),
    "housing": (Service.HOUSING, "housing_rest"),
    "cms": (None, "cms_rest"),
}


def settings(sandbox: RunningSandbox, system: str, **overrides: object) -> SourceSettings:
    service, kind = SERVICES[system]
    values: dict[str, object] = {"timeout_s": 2.0, "max_batch_size": 50, "max_concurrency": 4} | overrides
    return SourceSettings(service=service, system=system, kind=kind, url=sandbox.urls[system], **values)  # type: ignore[arg-type]


def adapter(sandbox: RunningSandbox, session: aiohttp.ClientSession, system: str, **overrides: object) -> SourceAdapter:
    return build_adapter(settings(sandbox, system, **overrides), session)


async def test_asc_finds_by_id_and_by_demographics_in_chunks(
    sandbox: RunningSandbox, session: aiohttp.ClientSession
) -> None:
    asc = adapter(sandbox, session, "adult_social_care", max_batch_size=2)
    assert isinstance(asc, SourceAdapter)
    ids = [client.client_id for client in sandbox.population.adult_social_care[:5]]
    records = await asc.get_records([*ids, "ASC-999999"])
    assert [r.record_id if r else None for r in records] == [*ids, None]
    await sandbox.reset_stats()

    people = [r.person for r in records if r is not None]
    found = await asc.find_people(people)

    assert [
        record_id in {c.record_id for c in candidates} for record_id, candidates in zip(ids, found, strict=True)
    ] == [True] * 5
    assert (await sandbox.stats("adult_social_care"))["requests"]["clients_match"] == 3  # 2 + 2 + 1

    residents = await asc.residents_at([records[0].addresses[0]] if records[0] and records[0].addresses else [])
    assert all(isinstance(found, list) for found in residents)
    assert await asc.check_health() is SourceHealth.UP


async def test_housing_calls_once_per_person_with_bounded_concurrency(
    sandbox: RunningSandbox, session: aiohttp.ClientSession
) -> None:
    housing = adapter(sandbox, session, "housing", max_concurrency=2)
    refs = [tenant.person_ref for tenant in sandbox.population.housing[:6]]
    records = await housing.get_records([*refs, "H9999999"])
    assert [r.record_id if r else None for r in records] == [*refs, None]
    assert all(isinstance(r.facts, HousingFacts) for r in records if r)
    await sandbox.reset_stats()
    await sandbox.set_fault("housing", "none", latency_ms=100)

    started = time.monotonic()
    found = await housing.find_people([r.person for r in records if r])
    elapsed = time.monotonic() - started

    assert [ref in {c.record_id for c in candidates} for ref, candidates in zip(refs, found, strict=True)] == [True] * 6
    assert (await sandbox.stats("housing"))["requests"]["tenants_search"] == 6
    assert elapsed >= 0.3  # 6 requests of 100 ms, two at a time
    first = records[0]
    assert first is not None
    at_address = await housing.residents_at(list(first.addresses[:1]))
    assert len(at_address) == len(first.addresses[:1])


@pytest.mark.parametrize(
    ("fault", "reason"), [("down", "HTTP 503"), ("garbage", "malformed response"), ("slow", "timed out")]
)
async def test_faults_become_source_unavailable(
    sandbox: RunningSandbox, session: aiohttp.ClientSession, fault: str, reason: str
) -> None:
    asc = adapter(sandbox, session, "adult_social_care", timeout_s=0.5, retries=1)
    person = Demographics(given_name="Robert", family_name="Smith", date_of_birth=None)
    await sandbox.set_fault("adult_social_care", fault)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as raised:
        await asc.find_people([person])
    assert raised.value.reason == reason
    assert time.monotonic() - started < 1.0
    assert "Smith" not in str(raised.value)
    assert await asc.check_health() is SourceHealth.DOWN


async def test_housing_garbage_and_slow(sandbox: RunningSandbox, session: aiohttp.ClientSession) -> None:
    housing = adapter(sandbox, session, "housing", timeout_s=0.4)
    people = [Demographics(given_name="A", family_name=f"Name{i}", date_of_birth=None) for i in range(10)]
    await sandbox.set_fault("housing", "slow")
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as raised:
        await housing.find_people(people)
    assert raised.value.reason == "timed out"
    assert time.monotonic() - started < 0.8  # not once per person in turn


async def test_cms_children_relationships_people_and_search(
    sandbox: RunningSandbox, session: aiohttp.ClientSession
) -> None:
    cms = build_cms_adapter(settings(sandbox, "cms", max_batch_size=2), session)
    children = await cms.get_children(["C000001", "C999999", "C000002"])
    first = children[0]
    assert isinstance(first, CmsChild) and first.person_id == "C000001" and children[1] is None
    assert first.address is None or (first.address.current and first.address.system == "cms")
    assert (await sandbox.stats("cms"))["requests"]["children_batch"] == 2

    relationships = await cms.get_relationships(["C000001", "C000002"])
    assert len(relationships) == 2
    related = relationships[0]
    assert related and all(r.child_id == "C000001" for r in related)

    people = await cms.get_people([related[0].person_id, "P999999"])
    assert isinstance(people[0], CmsPerson) and people[1] is None
    assert people[0].person_id == related[0].person_id

    (candidates,) = await cms.search([first.demographics])
    assert "C000001" in {p.person_id for p in candidates}
    assert await cms.check_health() is SourceHealth.UP


async def test_registry_refuses_a_cms_as_a_service_source(
    sandbox: RunningSandbox, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(ValueError, match="not a service source"):
        build_adapter(settings(sandbox, "cms"), session)
    with pytest.raises(ValueError, match="not a CMS source"):
        build_cms_adapter(settings(sandbox, "housing"), session)
    await asyncio.sleep(0)


@pytest.mark.parametrize("system", ["adult_social_care", "housing", "cms"])
async def test_a_family_name_typed_wrong_finds_the_record_by_its_sound(
    sandbox: RunningSandbox, session: aiohttp.ClientSession, system: str
) -> None:
    """Without a DOB, a one-letter typo in the family name still finds the record (surname and forename sounds)."""
    population = sandbox.population
    identities = {
        "adult_social_care": [(c.client_id, c.identity) for c in population.adult_social_care],
        "housing": [(t.person_ref, t.identity) for t in population.housing],
        "cms": [(p.id, p.identity) for p in population.cms.people.values()],
    }[system]
    record_id, who = next((i, who) for i, who in identities if who.given_name and vowel_typo(who.family_name))
    typed = Demographics(given_name=who.given_name, family_name=vowel_typo(who.family_name))
    await sandbox.reset_stats()

    if system == "cms":
        (people,) = await build_cms_adapter(settings(sandbox, system), session).search([typed])
        found = {person.person_id for person in people}
    else:
        (records,) = await adapter(sandbox, session, system).find_people([typed])
        found = {record.record_id for record in records}

    assert record_id in found
    assert (await sandbox.stats(system))["total"] == 1
