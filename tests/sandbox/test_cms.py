"""The simulated CMS over real HTTP."""

from __future__ import annotations

from typing import Any

import aiohttp

from sandbox.candidates import surname_key
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
