"""The simulated CMS over real HTTP."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from sandbox.candidates import address_key, surname_key
from sandbox.runner import RunningSandbox


async def post(http: aiohttp.ClientSession, url: str, body: object) -> tuple[int, dict[str, Any]]:
    async with http.post(url, json=body) as response:
        return response.status, await response.json()


async def test_children_batch_returns_children_and_names_the_unknown(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    status, body = await post(
        http, f"{sandbox.urls['cms']}/api/v1/children/batch", {"ids": ["C000001", "C999999", "P000001"]}
    )

    assert status == 200
    (child,) = body["children"]
    record = sandbox.population.cms.people["C000001"]
    assert child["id"] == "C000001"
    assert child["caseReference"] == "CR-000001"
    assert child["forename"] == record.identity.given_name
    assert set(child) == {
        "id",
        "caseReference",
        "forename",
        "surname",
        "dateOfBirth",
        "gender",
        "address",
        "previousAddresses",
        "allocatedWorker",
    }
    assert child["gender"] in {"F", "M", "X", "U"}
    assert body["notFound"] == ["C999999", "P000001"]  # a P id is a person, not a child


async def test_batches_over_one_hundred_ids_are_refused(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    ids = [f"C{n:06d}" for n in range(1, 102)]
    for path, key in (("children/batch", "ids"), ("relationships/batch", "childIds"), ("people/batch", "ids")):
        async with http.post(f"{sandbox.urls['cms']}/api/v1/{path}", json={key: ids}) as response:
            assert response.status == 400, path
        async with http.post(f"{sandbox.urls['cms']}/api/v1/{path}", json={key: ids[:100]}) as response:
            assert response.status == 200, path


async def test_a_malformed_body_is_a_bad_request(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{sandbox.urls['cms']}/api/v1/children/batch", data=b"{not json") as response:
        assert response.status == 400
    async with http.post(f"{sandbox.urls['cms']}/api/v1/children/batch", json={"ids": "C000001"}) as response:
        assert response.status == 400


async def test_relationships_list_every_asked_child(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    population = sandbox.population
    child_ids = [c for c in population.cms.people if c.startswith("C")][:30]

    status, body = await post(
        http, f"{sandbox.urls['cms']}/api/v1/relationships/batch", {"childIds": [*child_ids, "C999999"]}
    )

    assert status == 200
    assert set(body["relationships"]) == {*child_ids, "C999999"}
    assert body["relationships"]["C999999"] == []
    rows = [row for c in child_ids for row in body["relationships"][c]]
    assert rows
    for row in rows:
        assert set(row) == {
            "personId",
            "relationship",
            "livesWith",
            "forename",
            "surname",
            "dateOfBirth",
            "gender",
            "address",
        }
        assert row["personId"][0] in "CP"
    assert any(row["personId"].startswith("C") and row["relationship"] in {"SIBLING", "HALF_SIBLING"} for row in rows)


async def test_people_batch_gives_basic_details(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    status, body = await post(http, f"{sandbox.urls['cms']}/api/v1/people/batch", {"ids": ["P000001", "C000001"]})

    assert status == 200
    adult, child = body["people"]
    assert "caseReference" not in adult and "allocatedWorker" not in adult
    assert child["caseReference"] == "CR-000001"


async def test_people_search_finds_by_dob_or_surname_and_year(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    record = next(p for p in sandbox.population.cms.people.values() if p.identity.date_of_birth)
    dob = record.identity.date_of_birth
    assert dob is not None

    status, body = await post(
        http,
        f"{sandbox.urls['cms']}/api/v1/people/search",
        {
            "queries": [
                {"ref": "by-dob", "datesOfBirth": [dob.isoformat()]},
                {"ref": "by-name", "surnames": [surname_key(record.identity.family_name)], "birthYears": [dob.year]},
                {"ref": "nobody", "surnames": ["ZZZZZZ"], "birthYears": [1900]},
            ]
        },
    )

    assert status == 200
    found = {r["ref"]: [p["id"] for p in r["people"]] for r in body["results"]}
    assert record.id in found["by-dob"]
    assert record.id in found["by-name"]
    assert found["nobody"] == []
    assert all(len(ids) <= 50 for ids in found.values())


async def test_more_than_fifty_search_queries_are_refused(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    queries = [{"ref": str(n), "surnames": ["SMITH"], "birthYears": [1980]} for n in range(51)]

    async with http.post(f"{sandbox.urls['cms']}/api/v1/people/search", json={"queries": queries}) as response:
        assert response.status == 400


def in_hundreds(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + 100] for start in range(0, len(ids), 100)]


async def recorded_pairs(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> set[tuple[str, str]]:
    """Every (child, person) pair `relationships/batch` gives for every child in the CMS."""
    child_ids = [c for c in sandbox.population.cms.people if c.startswith("C")]
    pairs: set[tuple[str, str]] = set()
    for chunk in in_hundreds(child_ids):
        status, body = await post(http, f"{sandbox.urls['cms']}/api/v1/relationships/batch", {"childIds": chunk})
        assert status == 200
        pairs.update((child, row["personId"]) for child in chunk for row in body["relationships"][child])
    return pairs


async def test_relationships_of_people_is_the_reverse_of_relationships_batch(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    forward = await recorded_pairs(sandbox, http)
    everyone = list(sandbox.population.cms.people)
    reverse: set[tuple[str, str]] = set()
    for chunk in in_hundreds(everyone):
        status, body = await post(http, f"{sandbox.urls['cms']}/api/v1/relationships/of-people", {"personIds": chunk})
        assert status == 200
        assert list(body["children"]) == chunk  # every asked id, in the order asked
        for person_id, children in body["children"].items():
            assert children == sorted(set(children))  # in C order, each once
            reverse.update((child, person_id) for child in children)

    assert forward
    assert reverse == forward
    assert any(person.startswith("C") for _, person in reverse)  # siblings known to the CMS are found by C id


async def test_relationships_of_people_answers_unknown_ids_with_nothing(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    status, body = await post(
        http, f"{sandbox.urls['cms']}/api/v1/relationships/of-people", {"personIds": ["P999999", "X1"]}
    )

    assert status == 200
    assert body == {"children": {"P999999": [], "X1": []}}


async def test_relationships_of_people_refuses_bad_and_oversized_bodies(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    url = f"{sandbox.urls['cms']}/api/v1/relationships/of-people"
    ids = [f"P{n:06d}" for n in range(1, 102)]
    for body in ({"personIds": ids}, {"personIds": "P000001"}, {"ids": ["P000001"]}, [1], {"personIds": [1]}):
        status, answer = await post(http, url, body)
        assert status == 400, body
        assert "error" in answer
    async with http.post(url, data=b"{not json") as response:
        assert response.status == 400
    status, _ = await post(http, url, {"personIds": ids[:100]})
    assert status == 200


async def test_children_at_addresses_finds_every_child_at_a_current_address(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    cms = sandbox.population.cms
    address = cms.people["C000001"].identity.address
    assert address is not None  # pinned by the seed
    expected = [
        person.id
        for person in cms.people.values()
        if person.is_child
        and person.identity.address is not None
        and address_key(person.identity.address.postcode, person.identity.address.line1)
        == address_key(address.postcode, address.line1)
    ]
    messy = {"ref": "messy", "postcode": address.postcode.replace(" ", "").lower(), "line1": address.line1.upper()}
    spaced = {"ref": "spaced", "postcode": address.postcode, "line1": address.line1.replace(" ", "   ").lower()}

    status, body = await post(
        http,
        f"{sandbox.urls['cms']}/api/v1/children/at-addresses",
        {"addresses": [messy, spaced, {"ref": "nowhere", "postcode": "ZZ9 9ZZ", "line1": "1 Nowhere"}]},
    )

    assert status == 200
    found = {r["ref"]: r["children"] for r in body["results"]}
    assert [c["id"] for c in found["messy"]] == expected == [c["id"] for c in found["spaced"]]
    assert "C000001" in expected
    assert found["nowhere"] == []
    _, batch = await post(http, f"{sandbox.urls['cms']}/api/v1/children/batch", {"ids": expected})
    assert found["messy"] == batch["children"]  # the Child shape, case reference and worker included


async def test_children_at_addresses_ignores_previous_addresses(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    cms = sandbox.population.cms
    current = {
        address_key(p.identity.address.postcode, p.identity.address.line1)
        for p in cms.people.values()
        if p.is_child and p.identity.address is not None
    }
    moved = next(
        (p, old)
        for p in cms.people.values()
        for old in p.identity.previous_addresses
        if p.is_child and address_key(old.postcode, old.line1) not in current
    )
    child, old = moved

    status, body = await post(
        http,
        f"{sandbox.urls['cms']}/api/v1/children/at-addresses",
        {"addresses": [{"ref": "0", "postcode": old.postcode, "line1": old.line1}]},
    )

    assert status == 200
    assert child.id not in {c["id"] for c in body["results"][0]["children"]}


async def test_children_at_addresses_refuses_bad_and_oversized_bodies(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    url = f"{sandbox.urls['cms']}/api/v1/children/at-addresses"
    addresses = [{"ref": str(n), "postcode": "SK1 2AB", "line1": "12 Mill Lane"} for n in range(51)]
    bad_bodies: list[object] = [
        {"addresses": addresses},
        {"addresses": [{"ref": "0", "postcode": "SK1 2AB"}]},
        {"addresses": [{"ref": 0, "postcode": "SK1 2AB", "line1": "12 Mill Lane"}]},
        {"addresses": "SK1 2AB"},
    ]
    for body in bad_bodies:
        status, answer = await post(http, url, body)
        assert status == 400, body
        assert "error" in answer
    status, _ = await post(http, url, {"addresses": addresses[:50]})
    assert status == 200


async def test_reverse_look_ups_are_counted_and_subject_to_faults(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    base = sandbox.urls["cms"]
    calls = (
        ("relationships/of-people", {"personIds": ["P000001"]}),
        ("children/at-addresses", {"addresses": [{"ref": "0", "postcode": "SK1 2AB", "line1": "1 Mill Lane"}]}),
    )
    await sandbox.reset_stats()
    await sandbox.set_fault("cms", "down")
    for path, body in calls:
        async with http.post(f"{base}/api/v1/{path}", json=body) as response:
            assert response.status == 503, path
    await sandbox.set_fault("cms", "garbage")
    for path, body in calls:
        async with http.post(f"{base}/api/v1/{path}", json=body) as response:
            assert response.status == 200
            with pytest.raises(ValueError):
                json.loads(await response.text())

    requests = (await sandbox.stats("cms"))["requests"]
    assert requests["relationships_of_people"] == 2
    assert requests["children_at_addresses"] == 2
