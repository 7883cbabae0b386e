"""A production gateway (`auth.mode = "oidc"`): bearer tokens from a real issuer, and a surface that shows nothing
extra by default (no introspection, no suggestions, no GraphiQL, no metrics or readiness detail on the API port).

The issuer is `tests/auth/issuer.py`'s, serving its JWKS over HTTP on loopback; the gateway is real, under uvicorn.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from auth.verifier import NO_CREDENTIALS
from gateway.app import create_app, operations_app_of
from gateway.server import serve_in_process
from gateway.settings import parse_authority
from tests.auth.issuer import LocalIssuer, running_issuer
from tests.gateway.serving import serving
from tests.gateway.test_http import config

Gateway = tuple[str, aiohttp.ClientSession]
CHILD = '{ child(cmsId: "C000001") { name { full } } }'


def oidc_config(issuer: LocalIssuer, **changes: Any) -> dict[str, Any]:
    auth = {"mode": "oidc", "issuer": issuer.issuer, "audience": issuer.audience, "jwks_url": issuer.jwks_url}
    return config(auth=auth, **changes)


@pytest.fixture
async def issuer() -> AsyncIterator[LocalIssuer]:
    async with running_issuer() as running:
        yield running


@pytest.fixture
async def gateway(issuer: LocalIssuer) -> AsyncIterator[Gateway]:
    async with serving(oidc_config(issuer)) as pair:
        yield pair


async def post(
    gateway: Gateway, query: str, headers: dict[str, str] | None = None
) -> tuple[int, CIMultiDictProxy[str], dict[str, Any]]:
    url, http = gateway
    async with http.post(f"{url}/graphql", json={"query": query}, headers=headers) as response:
        return response.status, response.headers, json.loads(await response.text())


def bearer(token: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **more}


async def test_no_token_is_refused_with_a_bare_challenge(gateway: Gateway) -> None:
    status, headers, body = await post(gateway, CHILD)
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Bearer realm="family-context"'
    assert body == {"data": None, "errors": [{"message": NO_CREDENTIALS, "extensions": {"code": "UNAUTHENTICATED"}}]}
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert len(headers.getall("X-Request-Id")) == 1


@pytest.mark.parametrize("kind", ["garbage", "wrong audience", "expired"])
async def test_a_bad_token_is_refused_as_invalid_token(gateway: Gateway, issuer: LocalIssuer, kind: str) -> None:
    token = {
        "garbage": "not.a.token",
        "wrong audience": issuer.mint(aud="another-service"),
        "expired": issuer.mint(expires_in=-3600),
    }[kind]
    status, headers, body = await post(gateway, CHILD, bearer(token))
    assert status == 401
    challenge = headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="family-context", error="invalid_token", error_description="')
    message = body["errors"][0]["message"]
    assert f'error_description="{message}"' in challenge
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert token not in json.dumps(body) and token not in challenge


async def test_a_refused_request_touches_no_source(issuer: LocalIssuer) -> None:
    async with serving(oidc_config(issuer, operations={"metrics": True})) as (url, http):

        async def upstream_lines() -> list[str]:
            async with http.get(f"{url}/metrics") as response:
                return [line for line in (await response.text()).splitlines() if "upstream_requests_total{" in line]

        before = await upstream_lines()
        for _ in range(3):
            async with http.post(f"{url}/graphql", json={"query": CHILD}) as response:
                assert response.status == 401
        assert await upstream_lines() == before


async def test_a_signed_in_worker_gets_an_answer_with_their_circumstances(
    gateway: Gateway, issuer: LocalIssuer
) -> None:
    query = "{ me { id name roles purpose caseReference } }"
    token = issuer.mint(sub="worker-7", name="Sam Worker", roles=["SOCIAL_WORKER"])
    status, headers, body = await post(
        gateway, query, bearer(token, **{"X-Purpose": "ASSESSMENT", "X-Case-Reference": "CR-000001"})
    )
    assert status == 200, body
    assert body == {
        "data": {
            "me": {
                "id": "worker-7",
                "name": "Sam Worker",
                "roles": ["SOCIAL_WORKER"],
                "purpose": "ASSESSMENT",
                "caseReference": "CR-000001",
            }
        }
    }
    assert headers["Cache-Control"] == "no-store"


async def test_a_malformed_purpose_is_refused_after_sign_in(gateway: Gateway, issuer: LocalIssuer) -> None:
    status, _, body = await post(gateway, "{ me { id } }", bearer(issuer.mint(), **{"X-Purpose": "nosy"}))
    assert status == 400
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    # Without a valid token the purpose is never looked at: sign-in comes first.
    status, _, body = await post(gateway, "{ me { id } }", {"X-Purpose": "nosy"})
    assert status == 401


async def test_introspection_is_refused_but_typename_answers(gateway: Gateway, issuer: LocalIssuer) -> None:
    token = issuer.mint()
    _, _, body = await post(gateway, "{ __schema { types { name } } }", bearer(token))
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "introspection" in body["errors"][0]["message"].lower()
    _, _, body = await post(gateway, '{ __type(name: "Child") { name } }', bearer(token))
    assert body["data"] is None
    status, _, body = await post(gateway, "{ __typename }", bearer(token))
    assert (status, body) == (200, {"data": {"__typename": "Query"}})


async def test_errors_suggest_no_field_names(gateway: Gateway, issuer: LocalIssuer) -> None:
    _, _, body = await post(gateway, '{ chld(cmsId: "C000001") { nam { full } } }', bearer(issuer.mint()))
    assert body["errors"]
    assert all("Did you mean" not in e["message"] for e in body["errors"])
    assert "child" not in json.dumps(body["errors"])


async def test_nothing_extra_is_served_on_the_api_port(gateway: Gateway) -> None:
    url, http = gateway
    for path in ("/graphiql", "/graphiql/static/graphiql.min.js", "/metrics", "/"):
        async with http.get(f"{url}{path}") as response:
            assert response.status == 404, path
            body = json.loads(await response.text())
            assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    async with http.get(f"{url}/readyz") as response:
        assert response.status == 503  # the CMS is on a closed port
        assert await response.json() == {"status": "not ready"}
    async with http.get(f"{url}/healthz") as response:
        assert response.status == 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_operations_are_served_on_their_own_address(issuer: LocalIssuer) -> None:
    port = free_port()
    settings = oidc_config(
        issuer, operations={"listen": f"127.0.0.1:{port}", "metrics": True, "readiness_detail": True}
    )
    app = create_app(parse_authority(settings))
    operations = operations_app_of(app)
    assert operations is not None
    async with (
        serve_in_process(app) as main,
        serve_in_process(operations, "127.0.0.1", port) as side,
        aiohttp.ClientSession() as http,
    ):
        assert side.url == f"http://127.0.0.1:{port}"
        async with http.get(f"{main.url}/metrics") as response:
            assert response.status == 404
        async with http.get(f"{main.url}/readyz") as response:
            assert await response.json() == {"status": "not ready"}
        async with http.get(f"{side.url}/metrics") as response:
            assert response.status == 200
            assert "family_context_upstream_requests_total" in await response.text()
        async with http.get(f"{side.url}/readyz") as response:
            assert response.status == 503
            assert await response.json() == {"status": "not ready", "sources": {"LCS": "DOWN", "Homes": "DOWN"}}
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        async with http.get(f"{side.url}/healthz") as response:
            assert response.status == 200
        async with http.post(f"{side.url}/graphql", json={"query": "{ __typename }"}) as response:
            assert response.status == 404  # the API is not served on the operations address


def test_production_defaults_leave_no_operations_app() -> None:
    settings = parse_authority(
        config(auth={"mode": "oidc", "issuer": "https://login.example/", "audience": "fc", "jwks_file": "/nonexistent"})
    )
    assert operations_app_of(create_app(settings)) is None
