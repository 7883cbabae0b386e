"""The HTTP surface every client sees: one error shape, one request id, security headers, CORS.

A real gateway under uvicorn on port 0 (development sign-in, sources on a closed port), spoken to over HTTP.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from gateway import graphql_request, operation_check
from gateway.graphql_endpoint import POST_ONLY
from gateway.security_headers import API_CSP
from tests.gateway.serving import serving
from tests.gateway.test_http import config

Gateway = tuple[str, aiohttp.ClientSession]
ME = "{ me { id } }"
FRONT_END = "https://front-end.example"


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    async with serving(config()) as pair:
        yield pair


async def send(
    gateway: Gateway,
    body: bytes | None,
    *,
    method: str = "POST",
    path: str = "/graphql",
    headers: Mapping[str, str] | None = None,
) -> tuple[int, CIMultiDictProxy[str], str]:
    url, http = gateway
    sent = {"Content-Type": "application/json", **(headers or {})}
    async with http.request(method, f"{url}{path}", data=body, headers=sent) as response:
        return response.status, response.headers, await response.text()


def error_of(text: str) -> dict[str, Any]:
    import json

    body = json.loads(text)
    assert body["data"] is None
    assert len(body["errors"]) == 1
    error: dict[str, Any] = body["errors"][0]
    return error


def assert_hardened(headers: CIMultiDictProxy[str]) -> None:
    assert headers.getall("X-Content-Type-Options") == ["nosniff"]
    assert headers.getall("Referrer-Policy") == ["no-referrer"]
    assert headers.getall("X-Frame-Options") == ["DENY"]
    assert len(headers.getall("X-Request-Id")) == 1


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, graphql_request.NOT_JSON),
        (b"[1, 2]", 400, graphql_request.NOT_A_GRAPHQL_REQUEST),
        (b"null", 400, graphql_request.NOT_A_GRAPHQL_REQUEST),
        (b'{"variables": {}}', 400, graphql_request.MISSING_QUERY),
        (b'{"query": ""}', 400, graphql_request.MISSING_QUERY),
        (b'{"query": 42}', 400, graphql_request.QUERY_NOT_A_STRING),
        (b'{"query": "{ me { id } }", "variables": [1]}', 400, graphql_request.VARIABLES_NOT_AN_OBJECT),
        (b'{"query": "{ me { id } }", "operationName": 3}', 400, graphql_request.OPERATION_NAME_NOT_A_STRING),
        (b'{"query": "{ me { id } }", "extensions": "x"}', 400, graphql_request.EXTENSIONS_NOT_AN_OBJECT),
        (b'{"query": "{ me { id } }", "variables": {"x": NaN}}', 400, graphql_request.NOT_JSON),
        (b'{"query": "\xec\x47"}', 400, graphql_request.NOT_UTF8),
        (b"[" * 1999, 400, graphql_request.NOT_JSON),  # nested beyond the JSON parser's recursion limit
        (
            b'{"query": "query A { me { id } }", "operationName": "B"}',
            400,
            operation_check.UNKNOWN_OPERATION,
        ),
        (b'{"query": "query A { me { id } } query B { me { name } }"}', 400, operation_check.OPERATION_NAME_REQUIRED),
        (b'{"query": "mutation { me { id } }"}', 400, operation_check.QUERIES_ONLY),
        (b'{"query": "subscription S { me { id } }"}', 400, operation_check.QUERIES_ONLY),
        (b'{"query": "fragment F on Query { me { id } }"}', 400, operation_check.NO_OPERATION),
    ],
)
async def test_every_refused_body_gets_json_with_a_code(
    gateway: Gateway, body: bytes, status: int, message: str
) -> None:
    got, headers, text = await send(gateway, body)
    assert got == status, text
    assert headers["Content-Type"].startswith("application/json")
    error = error_of(text)
    assert error == {"message": message, "extensions": {"code": "BAD_USER_INPUT"}}
    assert_hardened(headers)
    assert headers["Cache-Control"] == "no-store"


async def test_the_named_operation_of_several_runs(gateway: Gateway) -> None:
    body = b'{"query": "query A { me { id } } query B { me { name } }", "operationName": "B"}'
    status, _, text = await send(gateway, body)
    assert status == 200
    assert '"me":{"name":"Developer"}' in text


async def test_a_body_that_is_not_json_content_is_refused(gateway: Gateway) -> None:
    status, headers, text = await send(gateway, b"{ me { id } }", headers={"Content-Type": "application/graphql"})
    assert status == 415
    assert error_of(text)["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(headers.getall("X-Request-Id")) == 1


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "OPTIONS"])
async def test_anything_but_post_is_refused_in_json(gateway: Gateway, method: str) -> None:
    url, http = gateway
    async with http.request(method, f"{url}/graphql", params={"query": ME}) as response:
        assert response.status == 405
        assert response.headers["Allow"] == "POST"
        assert response.headers["Cache-Control"] == "no-store"
        assert_hardened(response.headers)
        assert error_of(await response.text()) == {"message": POST_ONLY, "extensions": {"code": "BAD_USER_INPUT"}}


async def test_oversized_bodies_get_413_in_json_with_one_request_id(gateway: Gateway) -> None:
    status, headers, text = await send(gateway, b'{"query": "' + b"x" * 5000 + b'"}')
    assert status == 413
    assert error_of(text)["extensions"]["code"] == "BAD_USER_INPUT"
    assert_hardened(headers)
    assert headers["Cache-Control"] == "no-store"


async def test_a_document_nested_beyond_the_parser_is_refused_not_crashed() -> None:
    query = "{ me " + "{ id " * 1500 + "}" * 1500 + " }"
    async with serving(config(limits={"max_body_bytes": 64_000})) as gateway:
        status, _, text = await send(gateway, f'{{"query": "{query}"}}'.encode())
        assert status in (200, 400), text
        assert error_of(text)["extensions"]["code"] in ("BAD_USER_INPUT", "QUERY_TOO_COMPLEX")


async def test_exactly_one_request_id_on_every_response(gateway: Gateway) -> None:
    responses = [
        await send(gateway, b'{"query": "{ me { id } }"}', headers={"X-Request-Id": "abc-123"}),
        await send(gateway, b"{not json", headers={"X-Request-Id": "abc-123"}),
        await send(gateway, b"", method="GET", path="/healthz", headers={"X-Request-Id": "abc-123"}),
        await send(gateway, b"", method="GET", path="/nowhere", headers={"X-Request-Id": "abc-123"}),
    ]
    for status, headers, _ in responses:
        assert headers.getall("X-Request-Id") == ["abc-123"], status
    _, headers, _ = await send(gateway, b'{"query": "{ me { id } }"}', headers={"X-Request-Id": "<script>"})
    (chosen,) = headers.getall("X-Request-Id")
    assert re.fullmatch(r"[0-9a-f]{32}", chosen)


async def test_security_headers_on_api_and_health_responses(gateway: Gateway) -> None:
    for path, method, body in [("/graphql", "POST", b'{"query": "{ me { id } }"}'), ("/healthz", "GET", None)]:
        status, headers, _ = await send(gateway, body, method=method, path=path)
        assert status == 200
        assert_hardened(headers)
        assert headers.getall("Content-Security-Policy") == [API_CSP]
    _, headers, _ = await send(gateway, b'{"query": "{ me { id } }"}')
    assert headers.getall("Cache-Control") == ["no-store"]
    _, headers, _ = await send(gateway, None, method="GET", path="/healthz")
    assert "Cache-Control" not in headers


async def test_an_unknown_path_is_a_json_404(gateway: Gateway) -> None:
    status, headers, text = await send(gateway, None, method="GET", path="/admin")
    assert status == 404
    assert error_of(text)["extensions"]["code"] == "NOT_FOUND"
    assert_hardened(headers)


async def test_graphiql_keeps_its_own_csp_and_is_not_cached(gateway: Gateway) -> None:
    status, headers, page = await send(gateway, None, method="GET", path="/graphiql")
    assert status == 200
    (csp,) = headers.getall("Content-Security-Policy")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert headers["Cache-Control"] == "no-store"
    assert 'id="graphiql-default-headers">{}<' in page  # no headers unless the gateway is given some


async def test_a_malformed_purpose_is_refused(gateway: Gateway) -> None:
    status, headers, text = await send(gateway, b'{"query": "{ me { id } }"}', headers={"X-Purpose": "curiosity"})
    assert status == 400
    error = error_of(text)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "X-Purpose must be one of" in error["message"]
    assert_hardened(headers)


async def test_me_echoes_the_purpose_and_case_reference(gateway: Gateway) -> None:
    status, _, text = await send(
        gateway,
        b'{"query": "{ me { purpose caseReference breakGlass } }"}',
        headers={"X-Purpose": "child-protection-enquiry", "X-Case-Reference": "CR-000123"},
    )
    assert status == 200, text
    assert '"me":{"purpose":"CHILD_PROTECTION_ENQUIRY","caseReference":"CR-000123","breakGlass":false}' in text


# CORS -----------------------------------------------------------------------------------------------------------


@pytest.fixture
async def cors_gateway() -> AsyncIterator[Gateway]:
    async with serving(config(http={"cors_origins": [FRONT_END]})) as pair:
        yield pair


async def test_a_listed_origin_gets_cors_headers(cors_gateway: Gateway) -> None:
    status, headers, _ = await send(cors_gateway, b'{"query": "{ me { id } }"}', headers={"Origin": FRONT_END})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == FRONT_END
    assert headers["Access-Control-Expose-Headers"] == "X-Request-Id"
    assert "Access-Control-Allow-Credentials" not in headers


async def test_a_preflight_is_answered_before_sign_in(cors_gateway: Gateway) -> None:
    # The gateway would refuse the request itself without a purpose it understands; the preflight carries none.
    url, http = cors_gateway
    preflight = {
        "Origin": FRONT_END,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-purpose, x-case-reference",
    }
    async with http.options(f"{url}/graphql", headers=preflight) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == FRONT_END
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        allowed = response.headers["Access-Control-Allow-Headers"].lower()
        for header in ("authorization", "x-purpose", "x-case-reference", "x-break-glass-reason", "x-request-id"):
            assert header in allowed
        assert_hardened(response.headers)


async def test_another_origin_gets_no_cors_headers(cors_gateway: Gateway) -> None:
    status, headers, _ = await send(
        cors_gateway, b'{"query": "{ me { id } }"}', headers={"Origin": "https://evil.example"}
    )
    assert status == 200
    assert not [h for h in headers if h.lower().startswith("access-control-")]
    url, http = cors_gateway
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    async with http.options(f"{url}/graphql", headers=preflight) as response:
        assert response.status == 405
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]
        assert error_of(await response.text())["extensions"]["code"] == "BAD_USER_INPUT"


async def test_without_configured_origins_there_are_no_cors_headers(gateway: Gateway) -> None:
    _, headers, _ = await send(gateway, b'{"query": "{ me { id } }"}', headers={"Origin": FRONT_END})
    assert not [h for h in headers if h.lower().startswith("access-control-")]
