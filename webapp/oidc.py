"""Production sign-in: OpenID Connect authorisation-code flow with PKCE (S256) against the authority's identity
provider, through Authlib (discovery, PKCE, state and nonce, the token request, ID-token validation).

The page keeps what the flow needs (state, nonce, code verifier) in the server-side session, never in the cookie.
The access token it gets is the bearer token the page sends to `/graphql`: the gateway verifies it exactly as it
verifies any caller's (`[auth]`), so the page holds no power of its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from joserfc.errors import JoseError

from gateway.settings import OidcClientSettings
from webapp.sessions import PendingSignIn

SIGN_IN_FAILED = "Sign-in did not complete. Please try again."


class SignInFailed(Exception):
    """The provider's answer could not be used; the message is safe to show (it says nothing of the tokens)."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str | None
    claims: Mapping[str, Any]  # the validated ID token's claims


class OidcSignIn:
    def __init__(self, settings: OidcClientSettings, *, environ: Mapping[str, str] = os.environ) -> None:
        secret = environ.get(settings.client_secret_env) if settings.client_secret_env else None
        if settings.client_secret_env and not secret:
            raise ValueError(f"the environment variable {settings.client_secret_env} (the OIDC client secret) is empty")
        self.settings = settings
        registry = OAuth()
        registry.register(
            name="authority",
            client_id=settings.client_id,
            client_secret=secret,
            server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": " ".join(settings.scopes),
                "code_challenge_method": "S256",
                "timeout": settings.timeout_s,
                "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
            },
        )
        client = registry.create_client("authority")
        assert isinstance(client, StarletteOAuth2App)
        self._client = client

    async def start(self) -> tuple[str, PendingSignIn]:
        """The provider's authorisation address to send the browser to, and what the callback must match."""
        try:
            found = await self._client.create_authorization_url(self.settings.redirect_uri)
        except (OAuthError, httpx2.HTTPError, OSError, ValueError, RuntimeError) as exc:
            raise SignInFailed(SIGN_IN_FAILED) from exc
        pending = PendingSignIn(state=found["state"], nonce=found["nonce"], code_verifier=found["code_verifier"])
        return str(found["url"]), pending

    async def finish(self, pending: PendingSignIn, query: Mapping[str, str]) -> Tokens:
        """Exchange the callback's code for tokens (with the PKCE verifier) and validate the ID token."""
        if query.get("error") or query.get("state") != pending.state or not query.get("code"):
            raise SignInFailed(SIGN_IN_FAILED)
        try:
            token = await self._client.fetch_access_token(
                redirect_uri=self.settings.redirect_uri, code=query["code"], code_verifier=pending.code_verifier
            )
            claims = await self._client.parse_id_token(token, nonce=pending.nonce)
        except (OAuthError, JoseError, httpx2.HTTPError, OSError, ValueError, KeyError, RuntimeError) as exc:
            raise SignInFailed(SIGN_IN_FAILED) from exc
        access_token = token.get("access_token")
        if not isinstance(access_token, str) or claims is None:
            raise SignInFailed(SIGN_IN_FAILED)
        return Tokens(access_token=access_token, id_token=token.get("id_token"), claims=dict(claims))

    async def sign_out_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """The provider's end-session address, when it has one (RP-initiated logout)."""
        try:
            metadata = await self._client.load_server_metadata()
            if not metadata.get("end_session_endpoint"):
                return None
            found = await self._client.create_logout_url(
                post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token
            )
        except (OAuthError, httpx2.HTTPError, OSError, ValueError, RuntimeError):
            return None
        return str(found["url"])
