"""The simulated adult social care system (Care First-like): REST JSON, batch match by demographics.

Routes (counter names in brackets): `POST /api/clients/match` [clients_match], `POST /api/clients/at-addresses`
[clients_at_addresses], `POST /api/clients/batch` [clients_batch], `GET /health` [health]. Every endpoint takes
at most 50 items per request (more: HTTP 413). See sandbox/README.md for the shapes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aiohttp import web

from sandbox.asc_records import AscClient, SupportPlan
from sandbox.candidates import AddressKey, CandidateIndex, address_key
from sandbox.faults import FaultSettings, install_faults
from sandbox.population import Population
from sandbox.request_bodies import TooManyItems, candidate_query, json_object, list_of, reject

MAX_BATCH = 50
_GENDERS = {"F": "Female", "M": "Male", "X": "Other", None: "Not known"}

CLIENTS_KEY = web.AppKey("asc_clients", dict[str, AscClient])
INDEX_KEY = web.AppKey("asc_index", CandidateIndex[AscClient])
AT_ADDRESS_KEY = web.AppKey("asc_at_address", dict[AddressKey, list[AscClient]])


def _plan_json(plan: SupportPlan, *, email_key_absent: bool) -> dict[str, Any]:
    worker = plan.keyworker
    keyworker: dict[str, Any] | None = None
    if worker is not None:
        keyworker = {"name": worker.name, "role": worker.role, "team": worker.team, "phone": worker.phone}
        if worker.email is not None or not email_key_absent:
            keyworker["email"] = worker.email
    return {
        "planId": plan.plan_id,
        "status": plan.status,
        "startDate": plan.start_date.isoformat(),
        "endDate": plan.end_date.isoformat() if plan.end_date else None,
        "lastContactDate": plan.last_contact_date.isoformat() if plan.last_contact_date else None,
        "keyworker": keyworker,
    }


def client_json(client: AscClient) -> dict[str, Any]:
    identity = client.identity
    return {
        "clientId": client.client_id,
        "firstName": identity.given_name,
        "lastName": identity.family_name,
        "formerLastNames": list(identity.former_family_names),
        "dob": identity.date_of_birth.isoformat() if identity.date_of_birth else None,
        "gender": _GENDERS[identity.gender],
        "address": identity.address.to_json() if identity.address else None,
        "organisation": client.organisation,
        "supportPlans": [_plan_json(p, email_key_absent=client.email_key_absent) for p in client.support_plans],
    }


async def clients_match(request: web.Request) -> web.Response:
    index = request.app[INDEX_KEY]
    queries = list_of(await json_object(request), "queries", dict, limit=MAX_BATCH, too_many=TooManyItems)
    results = []
    for query in queries:
        ref, candidate = candidate_query(query)
        results.append({"ref": ref, "clients": [client_json(c) for c in index.search(candidate)]})
    return web.json_response({"results": results})


async def clients_at_addresses(request: web.Request) -> web.Response:
    at_address = request.app[AT_ADDRESS_KEY]
    addresses = list_of(await json_object(request), "addresses", dict, limit=MAX_BATCH, too_many=TooManyItems)
    results = []
    for address in addresses:
        ref, postcode, line1 = address.get("ref"), address.get("postcode"), address.get("line1")
        if not (isinstance(ref, str) and isinstance(postcode, str) and isinstance(line1, str)):
            reject("each address must have string 'ref', 'postcode' and 'line1'")
        clients = at_address.get(address_key(postcode, line1), [])
        results.append({"ref": ref, "clients": [client_json(c) for c in clients]})
    return web.json_response({"results": results})


async def clients_batch(request: web.Request) -> web.Response:
    clients = request.app[CLIENTS_KEY]
    ids = list_of(await json_object(request), "ids", str, limit=MAX_BATCH, too_many=TooManyItems)
    asked = list(dict.fromkeys(ids))
    return web.json_response(
        {
            "clients": [client_json(clients[i]) for i in asked if i in clients],
            "notFound": [i for i in asked if i not in clients],
        }
    )


def create_app(population: Population, faults: FaultSettings | None = None, *, seed: int = 0) -> web.Application:
    """Adult social care as an aiohttp application serving `population`'s client records."""
    app = web.Application()
    install_faults(app, faults, seed=seed)
    clients = population.adult_social_care
    at_address: dict[AddressKey, list[AscClient]] = defaultdict(list)
    for client in clients:
        if client.identity.address is not None:
            at_address[address_key(client.identity.address.postcode, client.identity.address.line1)].append(client)
    app[CLIENTS_KEY] = {c.client_id: c for c in clients}
    app[INDEX_KEY] = CandidateIndex((c, c.identity) for c in clients)
    app[AT_ADDRESS_KEY] = dict(at_address)
    app.router.add_post("/api/clients/match", clients_match, name="clients_match")
    app.router.add_post("/api/clients/at-addresses", clients_at_addresses, name="clients_at_addresses")
    app.router.add_post("/api/clients/batch", clients_batch, name="clients_batch")
    return app
