"""The simulated children's case management system (LCS/Mosaic-like): REST JSON with batch endpoints.

Routes (counter names in brackets): `POST /api/v1/children/batch` [children_batch], `POST
/api/v1/relationships/batch` [relationships_batch], `POST /api/v1/relationships/of-people`
[relationships_of_people], `POST /api/v1/people/batch` [people_batch], `POST /api/v1/people/search`
[people_search], `POST /api/v1/children/at-addresses` [children_at_addresses], `GET /health` [health]. See
sandbox/README.md for the shapes.

The two reverse look-ups (person → the children whose relationships name them; address → the children living
there) are what case-linked access needs to decide whether a person is within a worker's reach.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from sandbox.candidates import AddressKey, CandidateIndex, address_key
from sandbox.cms_records import CmsPerson, CmsRecords
from sandbox.faults import FaultSettings, install_faults
from sandbox.identity_copies import Identity
from sandbox.people import Address
from sandbox.population import Population
from sandbox.request_bodies import candidate_query, json_object, list_of, reject

MAX_BATCH_IDS = 100
MAX_SEARCH_QUERIES = 50
MAX_ADDRESSES = 50
_GENDER_CODES = {"F": "F", "M": "M", "X": "X", None: "U"}

RECORDS_KEY = web.AppKey("cms_records", CmsRecords)
INDEX_KEY = web.AppKey("cms_index", CandidateIndex[CmsPerson])
RELATED_KEY = web.AppKey("cms_related_children", dict[str, list[str]])
AT_ADDRESS_KEY = web.AppKey("cms_children_at_address", dict[AddressKey, list[CmsPerson]])


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


async def relationships_of_people(request: web.Request) -> web.Response:
    """The reverse of `relationships_batch`: for each person, the children whose relationships name them."""
    related = request.app[RELATED_KEY]
    person_ids = list_of(await json_object(request), "personIds", str, limit=MAX_BATCH_IDS)
    return web.json_response({"children": {person_id: related.get(person_id, []) for person_id in person_ids}})


async def children_at_addresses(request: web.Request) -> web.Response:
    """Every child whose current address is the asked address (compared as adult social care compares them)."""
    at_address = request.app[AT_ADDRESS_KEY]
    addresses = list_of(await json_object(request), "addresses", dict, limit=MAX_ADDRESSES)
    results = []
    for address in addresses:
        ref, key = _address_query(address)
        results.append({"ref": ref, "children": [person_json(c) for c in at_address.get(key, [])]})
    return web.json_response({"results": results})


def _address_query(address: dict[str, Any]) -> tuple[str, AddressKey]:
    """`{"ref", "postcode", "line1"}` as the ref and the address key, or HTTP 400."""
    ref, postcode, line1 = address.get("ref"), address.get("postcode"), address.get("line1")
    if not (isinstance(ref, str) and isinstance(postcode, str) and isinstance(line1, str)):
        reject("each address must have string 'ref', 'postcode' and 'line1'")
    return ref, address_key(postcode, line1)


def related_children(records: CmsRecords) -> dict[str, list[str]]:
    """Person id → the ids of the children whose recorded relationships name that person, in C order.

    Built once at start-up by walking the children in C order, so each list comes out ordered without a sort.
    """
    related: dict[str, list[str]] = defaultdict(list)
    for child_id in _child_ids(records):
        for relationship in records.relationships.get(child_id, ()):
            children = related[relationship.person_id]
            if not children or children[-1] != child_id:  # a person named twice for one child is listed once
                children.append(child_id)
    return dict(related)


def children_by_address(records: CmsRecords) -> dict[AddressKey, list[CmsPerson]]:
    """Address key → the children whose current address it is, in C order (previous addresses do not count)."""
    at_address: dict[AddressKey, list[CmsPerson]] = defaultdict(list)
    for child_id in _child_ids(records):
        child = records.people[child_id]
        address = child.identity.address
        if address is not None:
            at_address[address_key(address.postcode, address.line1)].append(child)
    return dict(at_address)


def _child_ids(records: CmsRecords) -> Iterable[str]:
    """The children's ids in C order (`records.people` holds the children first, in C order)."""
    return (person_id for person_id, person in records.people.items() if person.is_child)


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
    app[RELATED_KEY] = related_children(records)
    app[AT_ADDRESS_KEY] = children_by_address(records)
    app.router.add_post("/api/v1/children/batch", children_batch, name="children_batch")
    app.router.add_post("/api/v1/relationships/batch", relationships_batch, name="relationships_batch")
    app.router.add_post("/api/v1/relationships/of-people", relationships_of_people, name="relationships_of_people")
    app.router.add_post("/api/v1/people/batch", people_batch, name="people_batch")
    app.router.add_post("/api/v1/people/search", people_search, name="people_search")
    app.router.add_post("/api/v1/children/at-addresses", children_at_addresses, name="children_at_addresses")
    return app
