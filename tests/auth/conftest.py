"""Fixtures for sign-in tests: a running issuer, an HTTP session, and verifiers built over them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from auth.bearer import BearerTokenVerifier
from auth.jwks import JwksKeys
from tests.auth.issuer import LocalIssuer, ManualClock, running_issuer

OpenVerifier = Callable[..., Awaitable[BearerTokenVerifier]]


@pytest.fixture
async def issuer() -> AsyncIterator[LocalIssuer]:
    async with running_issuer() as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def key_clock() -> ManualClock:
    """The clock the JWKS cache reads (monotonic)."""
    return ManualClock()


@pytest.fixture
def open_verifier(issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock) -> OpenVerifier:
    """`await open_verifier(clock=..., **token_settings_changes)`: a started verifier for the issuer's tokens."""

    async def open_(*, clock: Callable[[], float] | None = None, **changes: Any) -> BearerTokenVerifier:
        settings = issuer.token_settings(**changes)
        keys = JwksKeys.from_settings(settings, session, clock=key_clock)
        await keys.start()
        if clock is None:
            return BearerTokenVerifier(settings, keys)
        return BearerTokenVerifier(settings, keys, clock=clock)

    return open_


def bearer(token: str) -> dict[str, str]:
    """The headers of a request carrying `token` (lower-case names, as Starlette's `Headers` reads them)."""
    return {"authorization": f"Bearer {token}"}
