"""Production sign-in on the page: the OpenID Connect authorisation-code flow with PKCE, over real HTTP against a
local identity provider (tests/webapp/fake_issuer.py), and the page then calling the API with that user's token."""

from __future__ import annotations

import contextlib
import socket
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.demo import demo_stack
from tests.webapp.fake_issuer import API_AUDIENCE, CLIENT_ID, CLIENT_SECRET, FakeIssuer, fake_issuer
from tests.webapp.pages import csrf_of, state_purpose

SECRET_ENV = "FC_TEST_OIDC_CLIENT_SECRET"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def oidc_stack(tmp_path: Path, issuer: FakeIssuer) -> AsyncIterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = {
        "auth": {
            "mode": "oidc",
            "issuer": issuer.url,
            "audience": API_AUDIENCE,
            "jwks_url": f"{issuer.url}/jwks",
            "algorithms": ["ES256"],
        },
        "app": {
            "enabled": True,
            "secure_cookie": False,  # the test client speaks plain http on loopback
            "oidc": {
                "issuer": issuer.url,
                "client_id": CLIENT_ID,
                "client_secret_env": SECRET_ENV,
                "redirect_uri": f"{base}/app/auth/callback",
            },
        },
    }
    async with demo_stack(tmp_path, port=port, households=20, extra_config=config) as (_, served):
        assert served.url == base
        yield base


@pytest.fixture(autouse=True)
def client_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)


async def start_sign_in(client: httpx2.AsyncClient) -> httpx2.Response:
    page = await client.get("/app/sign-in")
    assert "Sign in with your" in page.text
    return await client.post("/app/sign-in", data={"csrf_token": csrf_of(page.text)})


async def test_authorisation_code_flow_with_pkce_signs_in_and_the_api_sees_the_user(tmp_path: Path) -> None:
    async with (
        fake_issuer() as issuer,
        oidc_stack(tmp_path, issuer) as base,
        httpx2.AsyncClient(base_url=base, follow_redirects=True, timeout=30) as client,
    ):
        landed = await start_sign_in(client)
        assert landed.url.path == "/app/purpose", landed.text
        assert "Olivia Idp" in landed.text  # the API's `me`, from the access token
        # The authorisation request carried PKCE (S256), state and nonce; the token request the verifier.
        hops = [str(r.url) for r in landed.history]
        authorize = next(h for h in hops if h.startswith(f"{issuer.url}/authorize"))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize).query)
        assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
        assert issuer.token_requests[0]["code_verifier"] and issuer.refused == []
        searched = await state_purpose(client)
        assert searched.url.path == "/app/search"
        family = await client.get("/app/child/C000001")
        assert family.status_code == 200 and "Household" in family.text


async def test_a_callback_with_the_wrong_state_is_refused(tmp_path: Path) -> None:
    async with (
        fake_issuer() as issuer,
        oidc_stack(tmp_path, issuer) as base,
        httpx2.AsyncClient(base_url=base, follow_redirects=False, timeout=30) as client,
    ):
        to_provider = await start_sign_in(client)
        assert to_provider.status_code == 303
        at_provider = await client.get(to_provider.headers["location"])
        callback = urllib.parse.urlsplit(at_provider.headers["location"])
        query = dict(urllib.parse.parse_qsl(callback.query))
        forged = await client.get(f"/app/auth/callback?code={query['code']}&state=forged")
        assert forged.status_code == 401 and "Sign-in did not complete" in forged.text
        assert issuer.token_requests == []  # the code was never exchanged
        # And the pending sign-in is spent: replaying the real state now starts over.
        replay = await client.get(f"{callback.path}?{callback.query}")
        assert replay.status_code == 303 and replay.headers["location"] == "/app/sign-in"


@pytest.mark.parametrize("misbehaviour", ["foreign_key", "wrong_nonce"])
async def test_an_id_token_that_does_not_check_out_is_refused(tmp_path: Path, misbehaviour: str) -> None:
    async with fake_issuer() as issuer, oidc_stack(tmp_path, issuer) as base:
        if misbehaviour == "foreign_key":
            issuer.sign_id_token_with = ec.generate_private_key(ec.SECP256R1())
        else:
            issuer.wrong_nonce = True
        async with httpx2.AsyncClient(base_url=base, follow_redirects=True, timeout=30) as client:
            landed = await start_sign_in(client)
            assert landed.status_code == 401 and "Sign-in did not complete" in landed.text
            assert (await client.get("/app/search")).url.path == "/app/sign-in"


async def test_sign_out_ends_the_session_and_the_providers(tmp_path: Path) -> None:
    async with (
        fake_issuer() as issuer,
        oidc_stack(tmp_path, issuer) as base,
        httpx2.AsyncClient(base_url=base, follow_redirects=True, timeout=30) as client,
    ):
        page = await start_sign_in(client)
        out = await client.post("/app/sign-out", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
        assert out.status_code == 303
        location = urllib.parse.urlsplit(out.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{issuer.url}/logout"
        query = dict(urllib.parse.parse_qsl(location.query))
        assert query["id_token_hint"] and query["post_logout_redirect_uri"] == f"{base}/app/signed-out"
        assert (await client.get("/app/search")).url.path == "/app/sign-in"


async def test_an_unreachable_provider_is_said_in_words(tmp_path: Path) -> None:
    """The provider down at sign-in: a page saying so (502), never a stack trace, and no session half made."""
    gone = FakeIssuer(url=f"http://127.0.0.1:{free_port()}")  # nothing listens there
    async with (
        oidc_stack(tmp_path, gone) as base,
        httpx2.AsyncClient(base_url=base, follow_redirects=True, timeout=30) as client,
    ):
        page = await start_sign_in(client)
        assert page.status_code == 502 and "Sign-in did not complete" in page.text
        assert (await client.get("/app/search")).url.path == "/app/sign-in"
