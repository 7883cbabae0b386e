"""A small OpenID Connect provider for the tests: discovery, JWKS, an authorisation endpoint that signs the
configured user in at once, and a token endpoint that checks the client, the code, the redirect and PKCE (S256).
Real HTTP on loopback (aiohttp, port 0), signing with an EC key the test makes: the page's Authlib client talks
to it exactly as it would to a council's identity provider."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec

from auth.demo_issuer import public_jwk

API_AUDIENCE = "family-context-api"
CLIENT_ID = "family-context-page"
CLIENT_SECRET = "s3cret-for-tests-only"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None


@dataclass
class FakeIssuer:
    url: str = ""
    user: dict[str, Any] = field(
        default_factory=lambda: {"sub": "oidc-worker-1", "name": "Olivia Idp", "roles": ["SOCIAL_WORKER"]}
    )
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    # Misbehaviours a test can switch on.
    sign_id_token_with: ec.EllipticCurvePrivateKey | None = None  # another key: the ID token must be refused
    wrong_nonce: bool = False
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why token requests were refused

    def jwk(self) -> dict[str, Any]:
        return public_jwk(self.key.public_key())

    def sign(self, claims: dict[str, Any], key: ec.EllipticCurvePrivateKey | None = None) -> str:
        chosen = key or self.key
        kid = public_jwk(chosen.public_key())["kid"] if key is None else self.jwk()["kid"]
        return jwt.encode(claims, chosen, algorithm="ES256", headers={"kid": kid})

    # ---------------------------------------------------------------- endpoints

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "end_session_endpoint": f"{self.url}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["ES256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    async def jwks(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.jwk()]})

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if (
            q.get("response_type") != "code"
            or q.get("client_id") != CLIENT_ID
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
            or "openid" not in q.get("scope", "").split()
        ):
            return web.Response(status=400, text="bad authorisation request")
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            client_id=q["client_id"],
            redirect_uri=q["redirect_uri"],
            challenge=q["code_challenge"],
            nonce=q.get("nonce"),
        )
        query = urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        raise web.HTTPFound(f"{q['redirect_uri']}?{query}")

    async def token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append({k: str(v) for k, v in form.items()})
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        grant = self.grants.pop(str(form.get("code", "")), None)  # a code works once
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        why = (
            "client authentication"
            if request.headers.get("Authorization") != expected
            else "unknown or used code"
            if grant is None
            else "redirect_uri"
            if form.get("redirect_uri") != grant.redirect_uri
            else "PKCE verifier"
            if challenge != grant.challenge
            else None
        )
        if why is not None or grant is None:
            self.refused.append(why or "?")
            return web.json_response({"error": "invalid_grant"}, status=400)
        now = int(time.time())
        access = self.sign(
            {**self.user, "iss": self.url, "aud": API_AUDIENCE, "azp": CLIENT_ID, "iat": now, "exp": now + 600}
        )
        nonce = "not-the-nonce" if self.wrong_nonce else grant.nonce
        id_claims = {**self.user, "iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 600, "nonce": nonce}
        id_token = self.sign(id_claims, self.sign_id_token_with)
        return web.json_response(
            {"access_token": access, "id_token": id_token, "token_type": "Bearer", "expires_in": 600}
        )

    async def logout(self, request: web.Request) -> web.Response:
        return web.Response(text="signed out at the provider", content_type="text/plain")


@contextlib.asynccontextmanager
async def fake_issuer() -> AsyncIterator[FakeIssuer]:
    issuer = FakeIssuer()
    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", issuer.discovery)
    app.router.add_get("/jwks", issuer.jwks)
    app.router.add_get("/authorize", issuer.authorize)
    app.router.add_post("/token", issuer.token)
    app.router.add_get("/logout", issuer.logout)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    issuer.url = f"http://127.0.0.1:{port}"
    try:
        yield issuer
    finally:
        await runner.cleanup()
