"""Whatever a client sends, the gateway answers with a status and a clear error: never a 500, never a trace."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.server import serve_in_process
from gateway.settings import parse_authority
from tests.gateway.test_http import config

FIELDS = ["child", "children", "node", "sources", "me", "searchPeople", "household", "name", "serviceChecks", "id"]

graphql_ish = st.lists(
    st.one_of(
        st.sampled_from(
            ["{", "}", "(", ")", ":", "...", "on", "query", "$x", "!", "[", "]", '"C000001"', "1", "@skip"]
        ),
        st.sampled_from(FIELDS),
        st.text(max_size=8),
    ),
    max_size=30,
).map(" ".join)

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)

bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"query": graphql_ish}, optional={"variables": json_values, "operationName": json_values}
    ).map(lambda v: json.dumps(v).encode()),
)


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    app = create_app(parse_authority(config()))
    async with serve_in_process(app) as server, aiohttp.ClientSession() as http:
        yield server.url, http


async def test_garbage_in_clear_errors_out(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = gateway
    seen: list[Any] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies)
    def run(body: bytes) -> None:
        seen.append(body)

    run()  # draw the examples synchronously; send them below on the test's event loop
    for body in seen:
        async with http.post(f"{url}/graphql", data=body, headers={"Content-Type": "application/json"}) as response:
            text = await response.text()
            assert response.status in (200, 400, 413), (response.status, body, text)
            assert "Traceback" not in text and 'File "' not in text, text
            if response.status == 200:
                answer = json.loads(text)
                for error in answer.get("errors") or ():
                    assert error["extensions"]["code"] in {
                        "BAD_USER_INPUT",
                        "QUERY_TOO_COMPLEX",
                        "NOT_FOUND",
                        "SOURCE_UNAVAILABLE",
                        "FORBIDDEN",
                    }, error
