"""Turning a request's credentials into a `Principal`.

The gateway asks exactly one `TokenVerifier`, chosen by the authority's `[auth]` table (`auth/sign_in.py` builds
it); with none configured every request is refused (denied by default). A verifier either proves a principal or
raises `Unauthenticated`, which the HTTP layer turns into a 401 with a `WWW-Authenticate: Bearer` challenge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from auth.principal import Principal
from auth.settings import DevelopmentIdentity

NO_CREDENTIALS = "Sign in first: this request carried no bearer token."
NOT_CONFIGURED = "Sign-in is not configured for this gateway, so every request is refused."


class Unauthenticated(Exception):
    """The request proves no principal.

    `error` is the RFC 6750 error code for the challenge (`invalid_token`), or None when no credentials were sent;
    `message` is safe to show the caller: it never echoes the token or its claims.
    """

    def __init__(self, message: str, *, error: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error = error


class TokenVerifier(Protocol):
    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """The principal the request's credentials prove (without purpose: that comes from the request's
        headers), or raise `Unauthenticated`."""
        ...


class DenyAll:
    """No sign-in configured: nobody gets in."""

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        raise Unauthenticated(NOT_CONFIGURED)


class DevelopmentVerifier:
    """Every request runs as one fixed, configured identity. For tests on loopback only: `family-context serve`
    refuses to start it on any other address."""

    def __init__(self, identity: DevelopmentIdentity) -> None:
        self._principal = Principal(
            id=identity.user_id,
            name=identity.name,
            roles=frozenset(identity.roles),
            team=identity.team,
            email=identity.email,
        )

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        return self._principal
