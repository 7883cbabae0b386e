"""A real token issuer for tests: RSA and EC signing keys, a JWKS served over HTTP, and tokens signed with them.

    async with running_issuer() as issuer:
        keys = JwksKeys.from_settings(issuer.token_settings(), session)
        await keys.start()
        verifier = BearerTokenVerifier(issuer.token_settings(), keys)
        token = issuer.mint(roles=["SOCIAL_WORKER"], sub="worker-1")
        principal = await verifier.authenticate({"authorization": f"Bearer {token}"})

The JWKS is served by an aiohttp server on 127.0.0.1 (port 0) at `issuer.jwks_url`; `issuer.fetches` counts the
requests for it. `rotate()` publishes a new key (optionally dropping the old ones); `failing = True` answers 500,
`body = b"..."` serves those bytes instead of the key set, `delay_s` holds each answer (timeouts). Tokens for the
classic attacks can be minted too: `alg="none"` (unsigned) and `alg="HS256"` with any bytes as the secret (such as
the public key's PEM), which PyJWT itself refuses to produce.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from auth.settings import TokenSettings

AUDIENCE = "family-context-test"
JWKS_PATH = "/.well-known/jwks.json"
DEFAULT_CLAIMS: Mapping[str, Any] = {
    "sub": "worker-1",
    "name": "Sam Worker",
    "email": "sam.worker@example.test",
    "roles": ["SOCIAL_WORKER"],
}

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
_kids = itertools.count(1)


@dataclass(frozen=True)
class SigningKey:
    """One of the issuer's keys: the private half signs, `jwk` (public, with `kid`, `use`) is published."""

    kid: str
    private: PrivateKey
    algorithm: str  # the default algorithm tokens signed with this key use

    @property
    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        members = (
            RSAAlgorithm.to_jwk(public, as_dict=True)
            if isinstance(public, rsa.RSAPublicKey)
            else ECAlgorithm.to_jwk(public, as_dict=True)
        )
        return {**members, "kid": self.kid, "use": "sig"}

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def new_key(kind: Literal["RSA", "EC"] = "RSA", *, kid: str | None = None) -> SigningKey:
    """A fresh signing key: RSA 2048 (RS256 by default) or EC P-256 (ES256)."""
    kid = kid or f"{kind.lower()}-{next(_kids)}"
    if kind == "RSA":
        return SigningKey(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")
    return SigningKey(kid, ec.generate_private_key(ec.SECP256R1()), "ES256")


class ManualClock:
    """A clock tests move by hand: pass it as `clock=` to `JwksKeys` (monotonic) or `BearerTokenVerifier` (wall)."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LocalIssuer:
    """A token issuer on loopback; create it with `running_issuer()`."""

    def __init__(self, base_url: str) -> None:
        self.issuer = base_url + "/"
        self.jwks_url = base_url + JWKS_PATH
        self.audience = AUDIENCE
        self.rsa = new_key("RSA")
        self.ec = new_key("EC")
        self.published: list[SigningKey] = [self.rsa, self.ec]
        self.fetches = 0
        self.failing = False
        self.body: bytes | None = None  # served instead of the key set when set (garbage, an empty set, ...)
        self.delay_s = 0.0

    @property
    def current(self) -> SigningKey:
        """The key tokens are signed with by default: the most recently published RSA key, else the newest."""
        rsa_keys = [k for k in self.published if isinstance(k.private, rsa.RSAPrivateKey)]
        return (rsa_keys or self.published)[-1]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.jwk for k in self.published]}

    def rotate(self, kind: Literal["RSA", "EC"] = "RSA", *, drop_old: bool = False) -> SigningKey:
        """Publish a new key with a new kid (and stop publishing the others if `drop_old`); returns it."""
        key = new_key(kind)
        self.published = [*([] if drop_old else self.published), key]
        return key

    def token_settings(self, **changes: Any) -> TokenSettings:
        """Settings that accept this issuer's tokens; `changes` override any field."""
        fields: dict[str, Any] = {"issuer": self.issuer, "audiences": (self.audience,), "jwks_url": self.jwks_url}
        return TokenSettings(**(fields | changes))

    def mint(
        self,
        claims: Mapping[str, Any] | None = None,
        /,
        *,
        key: SigningKey | PrivateKey | bytes | None = None,
        kid: str | None = None,
        alg: str | None = None,
        expires_in: float | None = 300,
        issued_at: float | None = None,
        headers: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> str:
        """A signed token with sensible claims (iss, aud, sub, name, email, roles, iat, nbf, exp).

        `claims` and keyword `overrides` replace or add claims; an override of None removes that claim (`sub=None`,
        `exp=None`). `key` is the signing key (default: `current`): a `SigningKey` (its kid goes in the header), a
        bare private key (then give `kid`), or bytes as an HMAC secret with an `HS*` `alg`. `kid` overrides the
        header's kid; `headers` adds or (with None) removes header fields. `issued_at` sets iat and nbf (default:
        now); `expires_in` sets exp relative to it (None: no exp).
        """
        issued = time.time() if issued_at is None else issued_at
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            **DEFAULT_CLAIMS,
            "iat": int(issued),
            "nbf": int(issued),
        }
        if expires_in is not None:
            payload["exp"] = int(issued + expires_in)
        payload.update(claims or {})
        payload.update(overrides)
        payload = {name: value for name, value in payload.items() if value is not None}

        signing = self.current if key is None else key
        header: dict[str, Any] = {}
        if isinstance(signing, SigningKey):
            header["kid"] = signing.kid
            alg = alg or signing.algorithm
            secret: PrivateKey | bytes = signing.private
        else:
            secret = signing
            alg = alg or ("HS256" if isinstance(signing, bytes) else "RS256")
        if kid is not None:
            header["kid"] = kid
        header.update(headers or {})
        header = {name: value for name, value in header.items() if value is not None}
        if alg == "none" or alg.startswith("HS"):
            assert isinstance(secret, bytes) or alg == "none", "HS* and none tokens take bytes (or nothing)"
            return _forged(header, payload, alg, secret if isinstance(secret, bytes) else b"")
        return jwt.encode(payload, secret, algorithm=alg, headers=header)


def _forged(header: Mapping[str, Any], payload: Mapping[str, Any], alg: str, secret: bytes) -> str:
    """An unsigned (`none`) or HMAC-signed token assembled by hand: PyJWT refuses to sign HS* with a PEM key, which
    is exactly the token an algorithm-confusion attack sends."""

    def segment(data: Mapping[str, Any]) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=")

    signing_input = segment({"typ": "JWT", **header, "alg": alg}) + b"." + segment(payload)
    if alg == "none":
        return (signing_input + b".").decode()
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signature = base64.urlsafe_b64encode(hmac.new(secret, signing_input, digest).digest()).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


@contextlib.asynccontextmanager
async def running_issuer() -> AsyncIterator[LocalIssuer]:
    """A `LocalIssuer` whose JWKS is served on 127.0.0.1 for the duration of the block."""
    holder: dict[str, LocalIssuer] = {}

    async def jwks(request: web.Request) -> web.StreamResponse:
        issuer = holder["issuer"]
        issuer.fetches += 1
        if issuer.delay_s:
            await asyncio.sleep(issuer.delay_s)
        if issuer.failing:
            return web.Response(status=500, text="issuer down")
        if issuer.body is not None:
            return web.Response(body=issuer.body, content_type="application/json")
        return web.json_response(issuer.jwks())

    app = web.Application()
    app.router.add_get(JWKS_PATH, jwks)
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = int(runner.addresses[0][1])
        holder["issuer"] = LocalIssuer(f"http://127.0.0.1:{port}")
        yield holder["issuer"]
    finally:
        await asyncio.sleep(0)
        await runner.cleanup()
