"""Per-principal rate limits: requests and cost per minute, 429 with Retry-After over real HTTP, one principal's
use leaving another's alone, shared by two gateways through Redis, and per process when Redis does not answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest
from coredis import Redis

from auth.principal import Principal, Role
from gateway.rate_limit import (
    STORE_DOWN,
    STORE_TIMEOUT_S,
    PrincipalRateLimiter,
    open_rate_limiter,
    seconds_until_room,
)
from gateway.settings import ConfigError, Limits
from schema.limits import TOO_MANY_REQUESTS
from tests.gateway.serving import serving
from tests.gateway.test_http import config

REDIS_ENV = "FC_TEST_REDIS_URL"
REQUIRE_ENV = "FC_REQUIRE_REDIS"
NO_REDIS = (
    f"the shared rate limit test needs Redis: set {REDIS_ENV} (e.g. redis://127.0.0.1:6379/15); "
    f"set {REQUIRE_ENV}=1 to make its absence a failure"
)
ME = "{ me { id name roles team } }"  # costs 5; asks no source
OVER_TEN = "{ a: me { id name roles team purpose } b: me { id name roles team } }"  # costs 11
UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"


class ByHeader:
    """Signs each request in as the principal named by its `X-Test-User` header."""

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        return Principal(id=headers.get("x-test-user", "alice"), name=None, roles=frozenset({Role.SOCIAL_WORKER}))


def limited(**limits: Any) -> dict[str, Any]:
    settings = config()
    settings["authority"] = {"name": f"Rate Test {uuid.uuid4().hex}"}  # its own keys, should Redis be shared
    settings["limits"] = {**settings["limits"], **limits}
    return settings


async def ask(url: str, http: aiohttp.ClientSession, user: str, query: str = ME) -> tuple[int, Any, Mapping[str, str]]:
    async with http.post(f"{url}/graphql", json={"query": query}, headers={"X-Test-User": user}) as response:
        return response.status, await response.json(), response.headers


# -- the window arithmetic ----------------------------------------------------------------------------------------


def test_retry_after_is_when_the_window_has_room_again() -> None:
    # 60 a minute: 60 in the previous window with 30 s of this one left (weight 30) and 30 in this one make 60;
    # as soon as the previous window's share fades below 30, one more fits.
    assert seconds_until_room(60, 60, 1, previous_count=60, previous_ttl=30.0, current_count=30, current_ttl=90.0) == 1
    # 60 a minute, 60 in this window with 30 s left, 10 needed: the window ends (30 s), then its share must fade
    # below 51 (9 s more).
    assert seconds_until_room(60, 60, 10, previous_count=0, previous_ttl=0.0, current_count=60, current_ttl=90.0) == 40
    # 20 in the previous window with 45 s of this one left (weight 15), 20 in this one: 30 more fit once the
    # previous share is below 11, after 45 - 11 * 60 / 20 = 12 s.
    assert (
        seconds_until_room(60, 60, 30, previous_count=20, previous_ttl=45.0, current_count=20, current_ttl=105.0) == 13
    )


async def test_requests_and_cost_are_limited_per_principal() -> None:
    limiter = PrincipalRateLimiter(requests_per_minute=3, cost_per_minute=100, scope="test")
    assert [(await limiter.admit("alice", 10)).allowed for _ in range(4)] == [True, True, True, False]
    refused = await limiter.admit("alice", 10)
    assert (refused.exhausted, refused.limit) == ("requests", 3) and 1 <= refused.retry_after_s <= 61
    assert (await limiter.admit("bob", 60)).allowed
    too_much = await limiter.admit("bob", 60)
    assert (too_much.allowed, too_much.exhausted, too_much.limit) == (False, "cost", 100)
    assert 1 <= too_much.retry_after_s <= 120
    assert (await limiter.admit("bob", 40)).allowed  # the refused cost was not charged


async def test_a_budget_over_the_rate_could_never_run() -> None:
    with pytest.raises(ConfigError, match="max_cost"):
        async with open_rate_limiter(Limits(max_cost=1000, rate_cost_per_minute=999), scope="test"):
            pass


# -- over HTTP ----------------------------------------------------------------------------------------------------


async def test_over_the_request_limit_is_429_with_retry_after_and_leaves_others_alone() -> None:
    async with serving(limited(rate_requests_per_minute=3), verifier=ByHeader()) as (url, http):
        for _ in range(3):
            status, body, _ = await ask(url, http, "alice")
            assert status == 200 and body["data"]["me"]["id"] == "alice"
        status, body, headers = await ask(url, http, "alice")
        assert status == 429
        assert body["data"] is None
        error = body["errors"][0]
        retry = int(headers["Retry-After"])
        assert 1 <= retry <= 61
        assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry}
        assert error["message"] == TOO_MANY_REQUESTS.format(limit=3, retry=retry)
        status, body, _ = await ask(url, http, "bob")
        assert status == 200 and body["data"]["me"]["id"] == "bob"


async def test_over_the_cost_limit_is_429_and_nothing_runs() -> None:
    async with serving(limited(max_cost=10, rate_cost_per_minute=12), verifier=ByHeader()) as (url, http):
        assert (await ask(url, http, "alice"))[0] == 200
        assert (await ask(url, http, "alice"))[0] == 200
        status, body, headers = await ask(url, http, "alice")  # 5 + 5 + 5 > 12
        assert status == 429 and int(headers["Retry-After"]) >= 1
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert "would cost 5" in body["errors"][0]["message"]
        # Over the per-request budget is refused as too complex, not charged: 200, not 429.
        status, body, _ = await ask(url, http, "bob", OVER_TEN)
        assert status == 200 and body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert (await ask(url, http, "bob"))[0] == 200


async def test_without_redis_the_limit_holds_per_process(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="family_context.rate_limit")
    limits = Limits(rate_requests_per_minute=2, rate_limit_redis_url=UNREACHABLE_REDIS)
    async with open_rate_limiter(limits, scope="test") as limiter:
        assert [(await limiter.admit("alice", 1)).allowed for _ in range(3)] == [True, True, False]
    warnings = [r for r in caplog.records if r.msg == STORE_DOWN]
    assert len(warnings) == 1, caplog.records  # logged once, not per request
    assert "alice" not in caplog.text


async def test_a_redis_that_hangs_holds_no_request_up() -> None:
    connections: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)  # reads, never answers; closed below

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    limits = Limits(rate_requests_per_minute=2, rate_limit_redis_url=f"redis://127.0.0.1:{port}/0")
    try:
        async with open_rate_limiter(limits, scope="test") as limiter:
            for expected in (True, True, False):
                started = time.perf_counter()
                assert (await limiter.admit("alice", 1)).allowed is expected
                assert time.perf_counter() - started < STORE_TIMEOUT_S + 0.25
    finally:
        server.close()
        for writer in connections:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        await server.wait_closed()


# -- shared through Redis -----------------------------------------------------------------------------------------


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The test Redis; skip without one, unless CI requires it (then fail)."""
    url = os.environ.get(REDIS_ENV, "").strip()
    if not url:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {REDIS_ENV} is not set: the shared rate limit test cannot run")
        pytest.skip(NO_REDIS)
    client = Redis.from_url(url)
    try:
        await client.ping()
    except Exception as error:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"Redis at {url} does not answer ({type(error).__name__})")
        pytest.skip(f"Redis at {url} does not answer ({type(error).__name__})")
    finally:
        client.connection_pool.disconnect()
    yield url


async def test_two_gateways_share_one_limit_through_redis(redis_url: str) -> None:
    settings = limited(rate_requests_per_minute=3, rate_limit_redis_url=redis_url)
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(serving(settings, verifier=ByHeader()))
        second = await stack.enter_async_context(serving(settings, verifier=ByHeader()))
        answers = [
            (await ask(*first, "alice"))[0],
            (await ask(*second, "alice"))[0],
            (await ask(*first, "alice"))[0],
            (await ask(*second, "alice"))[0],  # the fourth of the minute, whichever process it reaches
        ]
        assert answers == [200, 200, 200, 429]
        assert (await ask(*second, "bob"))[0] == 200
    client = Redis.from_url(redis_url)
    try:
        keys = [bytes(k).decode() for k in await client.keys("family-context*")]
    finally:
        client.connection_pool.disconnect()
    assert keys, "nothing was counted in Redis"
    assert not any("alice" in key or "bob" in key for key in keys)  # the store never holds who called
