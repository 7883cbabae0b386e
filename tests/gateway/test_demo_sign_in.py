"""The demo's sign-in: GraphiQL opens with the token of C000001's allocated worker and a purpose, and that token
reaches the child in a case-linked authority too (the worker's e-mail and team are in it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aiohttp

from gateway.demo import DEMO_CHILD, demo_stack, demo_worker


async def test_graphiql_opens_as_the_childs_allocated_worker_in_a_case_linked_authority(tmp_path: Path) -> None:
    case_linked = {"authority": {"name": "Leeds-like", "access_mode": "case_linked"}}
    async with (
        demo_stack(tmp_path, households=20, sign_in="demo", extra_config=case_linked) as (sandbox, served),
        aiohttp.ClientSession() as http,
    ):
        worker = demo_worker(sandbox.population)
        assert worker.allocated_to == DEMO_CHILD  # true of the seed-1, 20-household population
        async with http.get(f"{served.url}/graphiql") as response:
            page = await response.text()
        match = re.search(r'id="graphiql-default-headers">([^<]*)<', page)
        assert match
        headers = json.loads(match.group(1))
        query = '{ me { name team } child(cmsId: "C000001") { cmsId allocatedWorker { name } } }'
        async with http.post(f"{served.url}/graphql", json={"query": query}, headers=headers) as response:
            assert response.status == 200
            body = await response.json()
        assert body["data"]["me"] == {"name": worker.name, "team": worker.team}
        assert body["data"]["child"] == {"cmsId": DEMO_CHILD, "allocatedWorker": {"name": worker.name}}
