"""Choosing how callers sign in, from the authority's `[auth]` table: the one place that builds the verifier.

Why here and not in the app factory: the choice is a security decision (no `[auth]` table means nobody gets in),
and a bearer-token verifier needs its keys loaded before the first request; the gateway just awaits this in its
lifespan, with the HTTP session it owns (and closes).
"""

from __future__ import annotations

import aiohttp

from auth.bearer import BearerTokenVerifier
from auth.jwks import JwksKeys
from auth.settings import AuthSettings
from auth.verifier import DenyAll, DevelopmentVerifier, TokenVerifier


async def open_verifier(settings: AuthSettings, session: aiohttp.ClientSession | None) -> TokenVerifier:
    """The verifier for `settings.mode`: none → everyone refused; "development" → one fixed identity; "oidc" and
    "demo" → bearer tokens, checked against the issuer's JWKS (a URL fetched with `session`, or a file: the demo
    writes its own, see `auth/demo_issuer.py`).

    The first load of the keys happens here; if it fails the gateway still starts, logs why, and refuses tokens
    (401) until a later refresh succeeds.
    """
    if settings.mode is None:
        return DenyAll()
    if settings.mode == "development":
        return DevelopmentVerifier(settings.development)
    if settings.tokens is None:
        raise ValueError(f"auth mode {settings.mode!r} needs token settings (issuer, audience, JWKS)")
    keys = JwksKeys.from_settings(settings.tokens, session)
    await keys.start()
    return BearerTokenVerifier(settings.tokens, keys)
