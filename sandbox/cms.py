"""The simulated children's case management system (LCS/Mosaic-like): REST JSON with batch endpoints.

Routes (counter names in brackets): `POST /api/v1/children/batch` [children_batch], `POST
/api/v1/relationships/batch` [relationships_batch], `POST /api/v1/people/batch` [people_batch], `POST
/api/v1/people/search` [people_search], `GET /health` [health]. See sandbox/README.md for the shapes.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.candidates import CandidateIndex
from sandbox.cms_records import CmsPerson, CmsRecords
from sandbox.faults import FaultSettings, install_faults
from sandbox.identity_copies import Identity
from sandbox.people import Address
from sandbox.population import Population
from sandbox.request_bodies import candidate_query, json_object, list_of

MAX_BATCH_IDS = 100
MAX_SEARCH_QUERIES = 50
_GENDER_CODES = {"F": "F", "M": "M", "X": "X", None: "U"}

RECORDS_KEY = web.AppKey("cms_records", CmsRecords)
INDEX_KEY = web.AppKey("cms_index", CandidateIndex[CmsPerson])


def _address_json(address: Address | None) -> dict[str, Any] | None:
    return address.to_json() if address else None


def _basic(person: CmsPerson) -> dict[str, Any]:
    identity: Identity = person.identity
    return {
        "id": person.id,
        "forename": identity.given_name,
        "surname": identity.family_name,
        "dateOfBirth": identity.date_of_birth.isoformat() if identity.date_of_birth else None,
        "gender": _GENDER_CODES[identity.gender],
        "address": _address_json(identity.address),
        "previousAddresses": [_address_json(a) for a in identity.previous_addresses],
    }


def person_json(person: CmsPerson) -> dict[str, Any]:
    """A Person; a child also carries its case reference and allocated worker (the Child shape)."""
    body = _basic(person)
    if person.is_child:
        worker = person.allocated_worker
        body["caseReference"] = person.case_reference
        body["allocatedWorker"] = (
            None
            if worker is None
            else {
                "name": worker.name,
                "role": worker.role,
                "team": worker.team,
                "phone": worker.phone,
                "email": worker.email,
            }
        )
    return body


def _found_and_missing(records: CmsRecords, ids: list[str], *, children_only: bool) -> tuple[list[Any], list[str]]:
    found: list[Any] = []
    missing: list[str] = []
    for record_id in dict.fromkeys(ids):  # each id once, in the order asked
        person = records.people.get(record_id)
        if person is None or (children_only and not person.is_child):
            missing.append(record_id)
        else:
            found.append(person_json(person))
    return found, missing


async def children_batch(request: web.Request) -> web.Response:
    ids = list_of(await json_object(request), "ids", str, limit=MAX_BATCH_IDS)
    children, missing = _found_and_missing(request.app[RECORDS_KEY], ids, children_only=True)
    return web.json_response({"children": children, "notFound": missing})


async def people_batch(request: web.Request) -> web.Response:
    ids = list_of(await json_object(request), "ids", str, limit=MAX_BATCH_IDS)
    people, missing = _found_and_missing(request.app[RECORDS_KEY], ids, children_only=False)
    return web.json_response({"people": people, "notFound": missing})


async def relationships_batch(request: web.Request) -> web.Response:
    records = request.app[RECORDS_KEY]
    child_ids = list_of(await json_object(request), "childIds", str, limit=MAX_BATCH_IDS)
    result: dict[str, list[dict[str, Any]]] = {}
    for child_id in child_ids:
        rows = []
        for relationship in records.relationships.get(child_id, ()):
            relative = _basic(records.people[relationship.person_id])
            rows.append(
                {
                    "personId": relationship.person_id,
                    "relationship": relationship.relationship,
                    "livesWith": relationship.lives_with,
                    "forename": relative["forename"],
                    "surname": relative["surname"],
                    "dateOfBirth": relative["dateOfBirth"],
                    "gender": relative["gender"],
                    "address": relative["address"],
                }
            )
        result[child_id] = rows
    return web.json_response({"relationships": result})


async def people_search(request: web.Request) -> web.Response:
    index = request.app[INDEX_KEY]
    queries = list_of(await json_object(request), "queries", dict, limit=MAX_SEARCH_QUERIES)
    results = []
    for query in queries:
        ref, candidate = candidate_query(query)
        results.append({"ref": ref, "people": [person_json(p) for p in index.search(candidate)]})
    return web.json_response({"results": results})


def create_app(population: Population, faults: FaultSettings | None = None, *, seed: int = 0) -> web.Application:
    """The CMS as an aiohttp application serving `population`'s CMS records."""
    app = web.Application()
    install_faults(app, faults, seed=seed)
    records = population.cms
    app[RECORDS_KEY] = records
    app[INDEX_KEY] = CandidateIndex((p, p.identity) for p in records.people.values())
    app.router.add_post("/api/v1/children/batch", children_batch, name="children_batch")
    app.router.add_post("/api/v1/relationships/batch", relationships_batch, name="relationships_batch")
    app.router.add_post("/api/v1/people/batch", people_batch, name="people_batch")
    app.router.add_post("/api/v1/people/search", people_search, name="people_search")
    return app
