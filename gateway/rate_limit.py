"""Per-principal rate limits: requests per minute and cost per minute (`[limits] rate_requests_per_minute`,
`rate_cost_per_minute`), so that one caller, a script gone wrong or a stolen token, cannot take the council's
systems for themselves.

The counting is the `limits` library's sliding window counter (a maintained implementation, atomic in Redis
through its Lua scripts; cost is charged as the hit's weight): in this process's memory by default, shared by
every process and replica when `rate_limit_redis_url` is set (password from `REDIS_PASSWORD`). Keys are a hash
of the authority's name and the principal's id: the store never holds who called.

If Redis is configured but does not answer (within `STORE_TIMEOUT_S`), requests are limited per process instead,
from zero, and Redis is tried again after `STORE_RETRY_S`: the gateway never waits on Redis, nor refuses to work
without it (a principal may then get up to one extra allowance per process until it is back). The first failure
and the recovery are logged once each, with the error's type only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from gateway.settings import ConfigError, Limits
from resolvers.rate_limit import ADMITTED, Exhausted, RateDecision

log = logging.getLogger("family_context.rate_limit")

STORE_TIMEOUT_S: Final = 0.25  # one rate-limit decision in Redis; beyond it, this process decides alone
KEYS_KEPT: Final = 10_000  # principals whose keys are remembered at once
STORE_RETRY_S: Final = 5.0  # after a failure, Redis is left alone this long
KEY_PREFIX: Final = "family-context"
PASSWORD_ENV: Final = "REDIS_PASSWORD"
BUDGET_OVER_RATE = (
    "limits.max_cost ({max_cost}) must not exceed limits.rate_cost_per_minute ({rate}): a request at the budget "
    "could never run"
)
STORE_DOWN = "rate limits: Redis did not answer (%s); limiting per process until it does"
STORE_BACK = "rate limits: Redis answers again; limits are shared again"

Storage = MemoryStorage | RedisStorage


@dataclass(frozen=True)
class _Counters:
    storage: Storage
    limiter: SlidingWindowCounterRateLimiter

    @classmethod
    def on(cls, storage: Storage) -> _Counters:
        return cls(storage, SlidingWindowCounterRateLimiter(storage))


class PrincipalRateLimiter:
    """Charges each request (1) and its cost to its principal's windows; see the module docstring."""

    def __init__(
        self, *, requests_per_minute: int, cost_per_minute: int, scope: str, shared: RedisStorage | None = None
    ) -> None:
        # Separate namespaces: the two limits may have the same amount, and the library's key holds only that.
        self._requests = RateLimitItemPerMinute(requests_per_minute, namespace="requests")
        self._cost = RateLimitItemPerMinute(cost_per_minute, namespace="cost")
        self._scope = scope
        self._local = _Counters.on(MemoryStorage())
        self._shared = _Counters.on(shared) if shared is not None else None
        self._shared_retry_at = 0.0
        self._shared_down = False
        self._keys: dict[str, str] = {}  # principal id -> its key, worked out once (bounded: emptied when full)

    async def admit(self, principal_id: str, cost: int) -> RateDecision:
        key = self._key(principal_id)
        if self._shared is not None and time.monotonic() >= self._shared_retry_at:
            try:
                async with asyncio.timeout(STORE_TIMEOUT_S):
                    decision = await self._decide(self._shared, key, cost)
            except Exception as error:  # whatever Redis or its client raise: decide here instead, never fail
                self._store_failed(error)
            else:
                self._store_answered()
                return decision
        return await self._decide(self._local, key, cost)

    async def probe(self) -> None:
        """Ask Redis once at start-up, so that a wrong address shows in the log before the first request."""
        if self._shared is None:
            return
        try:
            async with asyncio.timeout(STORE_TIMEOUT_S * 4):
                answered = await self._shared.storage.check()
        except Exception as error:  # as in `admit`: never stop the gateway on Redis
            self._store_failed(error)
            return
        if not answered:
            self._store_failed(ConnectionError())

    def _key(self, principal_id: str) -> str:
        key = self._keys.get(principal_id)
        if key is None:
            if len(self._keys) >= KEYS_KEPT:
                self._keys.clear()
            key = self._keys[principal_id] = hashlib.sha256(f"{self._scope}\n{principal_id}".encode()).hexdigest()[:32]
        return key

    async def _decide(self, counters: _Counters, key: str, cost: int) -> RateDecision:
        if not await counters.limiter.hit(self._requests, key):
            return await self._refused(counters, self._requests, key, 1, "requests")
        if cost > 0 and not await counters.limiter.hit(self._cost, key, cost=cost):
            return await self._refused(counters, self._cost, key, cost, "cost")
        return ADMITTED

    async def _refused(
        self, counters: _Counters, item: RateLimitItem, key: str, need: int, exhausted: Exhausted
    ) -> RateDecision:
        expiry = item.get_expiry()
        window = await counters.storage.get_sliding_window(item.key_for(key), expiry)
        retry = seconds_until_room(item.amount, expiry, need, *window)
        return RateDecision(allowed=False, exhausted=exhausted, limit=item.amount, retry_after_s=retry)

    def _store_failed(self, error: BaseException) -> None:
        self._shared_retry_at = time.monotonic() + STORE_RETRY_S
        if not self._shared_down:
            self._shared_down = True
            log.warning(STORE_DOWN, type(error).__name__)

    def _store_answered(self) -> None:
        if self._shared_down:
            self._shared_down = False
            log.info(STORE_BACK)

    def close(self) -> None:
        """Drop the connections to Redis (the library's storage has no close of its own: its client's pool)."""
        storage = self._shared.storage if self._shared is not None else None
        if isinstance(storage, RedisStorage):
            with contextlib.suppress(Exception):
                bridge: Any = storage.bridge
                bridge.storage.connection_pool.disconnect()


def seconds_until_room(
    limit: int,
    expiry: int,
    need: int,
    previous_count: int,
    previous_ttl: float,
    current_count: int,
    current_ttl: float,
) -> int:
    """Whole seconds until a sliding window counter has room for `need` more (for Retry-After).

    The library admits `need` while `floor(previous_count * previous_ttl / expiry) + current_count + need <= limit`,
    where `previous_ttl` is the time left in the current window and `current_ttl` that plus one window (its
    `get_sliding_window`). While the current window lasts only the previous window's share shrinks; when the current
    count alone leaves no room, the wait runs into the next window, where the current count is the share that
    shrinks. Rounded down plus one: the first whole second by which the request fits.
    """
    below = limit - need + 1  # the weighted count must drop below this
    if current_count < below:
        wait = previous_ttl - (below - current_count) * expiry / previous_count if previous_count else 0.0
    else:
        window_left = max(0.0, current_ttl - expiry)
        wait = window_left + expiry - max(0, below) * expiry / current_count
    return min(2 * expiry, max(1, math.floor(max(0.0, wait)) + 1))


def redis_storage(url: str) -> RedisStorage:
    """The library's Redis storage (coredis client) at `url`, with short timeouts and the password from the
    environment; it connects on first use, so a Redis that is down does not stop the gateway starting."""
    options: dict[str, float | str | bool] = {"connect_timeout": STORE_TIMEOUT_S, "stream_timeout": STORE_TIMEOUT_S}
    password = os.environ.get(PASSWORD_ENV)
    if password:
        options["password"] = password
    return RedisStorage(
        f"async+{url}", wrap_exceptions=True, implementation="coredis", key_prefix=KEY_PREFIX, **options
    )


@contextlib.asynccontextmanager
async def open_rate_limiter(limits: Limits, *, scope: str) -> AsyncIterator[PrincipalRateLimiter]:
    """The limiter for one gateway process; `scope` (the authority's name) keeps authorities sharing a Redis
    apart. Closed (its Redis connections dropped) on exit."""
    if limits.max_cost > limits.rate_cost_per_minute:
        raise ConfigError(BUDGET_OVER_RATE.format(max_cost=limits.max_cost, rate=limits.rate_cost_per_minute))
    url = limits.rate_limit_redis_url
    limiter = PrincipalRateLimiter(
        requests_per_minute=limits.rate_requests_per_minute,
        cost_per_minute=limits.rate_cost_per_minute,
        scope=scope,
        shared=redis_storage(url) if url else None,
    )
    try:
        await limiter.probe()
        yield limiter
    finally:
        limiter.close()
