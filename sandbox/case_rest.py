"""A simulated case system over REST: the three batch calls that `sources.case_rest.CaseRestAdapter` makes.

    POST {path}/match         {"queries": [{"ref", ...candidate keys}]}   -> {"results": [{"ref", KEY: [...]}]}
    POST {path}/at-addresses  {"addresses": [{"ref", "postcode", "line1"}]} -> {"results": [{"ref", KEY: [...]}]}
    POST {path}/batch         {"ids": [...]}                                -> {KEY: [...], "notFound": [...]}

At most `MAX_BATCH` items per request (more: HTTP 413). Adult social care (`sandbox/adult_social_care.py`) and
youth offending (`sources/services/youth_offending/simulation.py`) differ only in their records and their JSON.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from sandbox.candidates import AddressKey, CandidateIndex, address_key
from sandbox.faults import FaultSettings, install_faults
from sandbox.identity_copies import Identity
from sandbox.request_bodies import TooManyItems, candidate_query, json_object, list_of, reject

MAX_BATCH = 50
R = TypeVar("R")


def case_system_app(
    records: Sequence[R],
    *,
    identity: Callable[[R], Identity],
    record_id: Callable[[R], str],
    to_json: Callable[[R], dict[str, Any]],
    path: str,
    records_key: str,
    route_prefix: str,
    faults: FaultSettings | None = None,
    seed: int = 0,
) -> web.Application:
    """An aiohttp application serving `records` on `path` (e.g. "/api/clients"), listed under `records_key`; its
    routes are named `{route_prefix}_match`, `_at_addresses` and `_batch` (the request counters' names)."""
    by_id = {record_id(r): r for r in records}
    index = CandidateIndex((r, identity(r)) for r in records)
    at_address: dict[AddressKey, list[R]] = defaultdict(list)
    for r in records:
        address = identity(r).address
        if address is not None:
            at_address[address_key(address.postcode, address.line1)].append(r)

    async def match(request: web.Request) -> web.Response:
        queries = list_of(await json_object(request), "queries", dict, limit=MAX_BATCH, too_many=TooManyItems)
        results = []
        for query in queries:
            ref, candidate = candidate_query(query)
            results.append({"ref": ref, records_key: [to_json(r) for r in index.search(candidate)]})
        return web.json_response({"results": results})

    async def at_addresses(request: web.Request) -> web.Response:
        addresses = list_of(await json_object(request), "addresses", dict, limit=MAX_BATCH, too_many=TooManyItems)
        results = []
        for address in addresses:
            ref, postcode, line1 = address.get("ref"), address.get("postcode"), address.get("line1")
            if not (isinstance(ref, str) and isinstance(postcode, str) and isinstance(line1, str)):
                reject("each address must have string 'ref', 'postcode' and 'line1'")
            found = at_address.get(address_key(postcode, line1), [])
            results.append({"ref": ref, records_key: [to_json(r) for r in found]})
        return web.json_response({"results": results})

    async def batch(request: web.Request) -> web.Response:
        ids = list_of(await json_object(request), "ids", str, limit=MAX_BATCH, too_many=TooManyItems)
        asked = list(dict.fromkeys(ids))
        return web.json_response(
            {
                records_key: [to_json(by_id[i]) for i in asked if i in by_id],
                "notFound": [i for i in asked if i not in by_id],
            }
        )

    app = web.Application()
    install_faults(app, faults, seed=seed)
    app.router.add_post(f"{path}/match", match, name=f"{route_prefix}_match")
    app.router.add_post(f"{path}/at-addresses", at_addresses, name=f"{route_prefix}_at_addresses")
    app.router.add_post(f"{path}/batch", batch, name=f"{route_prefix}_batch")
    return app
