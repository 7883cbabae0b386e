"""The HTTP surface: guards before GraphQL runs, GraphiQL without a CDN, health and metrics.

A real gateway under uvicorn on port 0; its sources point at a closed loopback port, which these tests never need
except where they say so.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from gateway.graphql_endpoint import _within
from gateway.server import serve_in_process
from gateway.settings import parse_authority
from tests.audit_files import audit_table

CLOSED = "http://127.0.0.1:9"


def config(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "authority": {"name": "Test Council"},
        "auth": {"mode": "development"},
        "cms": {"system": "LCS", "kind": "cms_rest", "url": CLOSED, "timeout_s": 0.5},
        "sources": [
            {"service": "HOUSING", "system": "Homes", "kind": "housing_rest", "url": CLOSED, "timeout_s": 0.5},
        ],
        "limits": {"max_body_bytes": 2000, "max_query_depth": 6, "max_aliases": 3},
        "audit": audit_table(),
    }
    base.update(changes)
    return base


async def served(settings: dict[str, Any]) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    app = create_app(parse_authority(settings))
    async with serve_in_process(app) as server, aiohttp.ClientSession() as http:
        yield server.url, http


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    async for pair in served(config()):
        yield pair


async def post(gateway: tuple[str, aiohttp.ClientSession], body: Any, **kwargs: Any) -> tuple[int, Any]:
    url, http = gateway
    async with http.post(f"{url}/graphql", json=body, **kwargs) as response:
        return response.status, await response.json(content_type=None)


async def test_without_configured_auth_every_request_is_refused() -> None:
    settings = config()
    del settings["auth"]
    async for url, http in served(settings):
        async with http.post(f"{url}/graphql", json={"query": "{ me { id } }"}) as response:
            assert response.status == 401
            body = await response.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_me_answers_for_the_development_identity(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    status, body = await post(
        gateway, {"query": "{ me { id name roles purpose } }"}, headers={"X-Purpose": "assessment"}
    )
    assert status == 200
    assert body["data"]["me"] == {
        "id": "developer",
        "name": "Developer",
        "roles": ["SOCIAL_WORKER"],
        "purpose": "ASSESSMENT",
    }


async def test_every_response_carries_a_request_id(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = gateway
    async with http.post(f"{url}/graphql", json={"query": "{ me { id } }"}, headers={"X-Request-Id": "abc-123"}) as r:
        assert r.headers["X-Request-Id"] == "abc-123"
    async with http.post(f"{url}/graphql", json={"query": "{ me { id } }"}, headers={"X-Request-Id": "<script>"}) as r:
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ child(cmsId: ", "BAD_USER_INPUT"),
        ("{ nosuchfield }", "BAD_USER_INPUT"),
        ("{ }", "BAD_USER_INPUT"),
        (
            '{ child(cmsId: "C1") { household { members { individual { ... on Child { household { members '
            "{ individual { id } } } } } } } } }",
            "QUERY_TOO_COMPLEX",
        ),
        ("{ a: me { id } b: me { id } c: me { id } d: me { id } }", "QUERY_TOO_COMPLEX"),
    ],
)
async def test_bad_queries_get_a_code_and_no_stack_trace(
    gateway: tuple[str, aiohttp.ClientSession], query: str, code: str
) -> None:
    status, body = await post(gateway, {"query": query})
    assert status in (200, 400)
    assert body["errors"][0]["extensions"]["code"] == code
    assert "Traceback" not in str(body) and "File " not in str(body)


async def test_oversized_bodies_are_refused(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    status, body = await post(gateway, {"query": "{ me { id } }", "variables": {"pad": "x" * 5000}})
    assert status == 413
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_oversized_chunked_bodies_are_refused(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = gateway

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ me { id } }", "variables": {"pad": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}}'

    async with http.post(f"{url}/graphql", data=chunks(), headers={"Content-Type": "application/json"}) as r:
        assert r.status == 413


async def test_queries_over_get_are_refused(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = gateway
    async with http.get(f"{url}/graphql", params={"query": "{ me { id } }"}) as response:
        assert response.status >= 400
        assert "developer" not in await response.text()


@pytest.mark.parametrize("body", [b"{not json", b"null", b"[1, 2]", b'{"query": "\xec\x47"}', b"{\xecGq"])
async def test_malformed_json_gets_a_clear_error(gateway: tuple[str, aiohttp.ClientSession], body: bytes) -> None:
    url, http = gateway
    async with http.post(f"{url}/graphql", data=body, headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400
        assert "Traceback" not in await r.text()


async def test_a_dead_cms_is_reported_not_raised(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    status, body = await post(gateway, {"query": '{ child(cmsId: "C000001") { name { full } } }'})
    assert status == 200
    assert body["data"] == {"child": None}
    assert len(body["errors"]) == 1
    assert body["errors"][0]["path"] == ["child"]
    assert body["errors"][0]["extensions"] == {"code": "SOURCE_UNAVAILABLE", "system": "LCS"}


async def test_graphiql_is_served_from_the_package(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = gateway
    async with http.get(f"{url}/graphiql") as response:
        assert response.status == 200
        page = await response.text()
    references = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert all(r.startswith(("/graphiql/static/", "data:")) for r in references), references
    assets = [r for r in references if r.startswith("/")]
    assert len(assets) >= 4
    for asset in assets:
        async with http.get(f"{url}{asset}") as response:
            assert response.status == 200, asset
            assert len(await response.read()) > 0
    assert "FamilyContext" in page  # the example query is preloaded


async def test_health_and_readiness(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = gateway
    async with http.get(f"{url}/healthz") as response:
        assert response.status == 200
    async with http.get(f"{url}/readyz") as response:
        assert response.status == 503  # the CMS is unreachable
        body = await response.json()
    assert body["sources"] == {"LCS": "DOWN", "Homes": "DOWN"}


async def test_metrics_count_upstream_requests_per_source(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    url, http = gateway
    await post(gateway, {"query": '{ child(cmsId: "C000001") { name { full } } }'})
    async with http.get(f"{url}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    assert re.search(r'family_context_upstream_requests_total\{[^}]*source="LCS"[^}]*\} [1-9]', text)
    assert "family_context_upstream_request_seconds_bucket" in text


def test_schema_command_prints_the_sdl(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from gateway.cli import main

    assert main(["schema"]) == 0
    assert "type Child implements Node & Individual" in capsys.readouterr().out


async def test_a_variable_of_the_wrong_type_is_bad_input(gateway: tuple[str, aiohttp.ClientSession]) -> None:
    _, body = await post(
        gateway, {"query": "query($ids: [ID!]!) { children(cmsIds: $ids) { cmsId } }", "variables": {"ids": {"a": 1}}}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("header", "within"),
    [
        ("0", True),
        ("2000", True),
        ("2001", False),
        ("\u00b2", False),
        ("\u0663", False),
        ("-1", False),
        ("9" * 5000, False),
    ],
)
def test_a_content_length_is_ascii_digits_within_the_limit(header: str, within: bool) -> None:
    # '²' and '٣' are digits to str.isdigit; uvicorn's parsers refuse them before the endpoint, but the endpoint does
    # not count on it
    assert _within(header, 2000) is within
