"""Admission control for `/graphql`: overload is the gateway's answer (503 at once), not the sources' fault.

Why: without a bound, every request that arrives starts at once; under a burst they all queue for the sources'
concurrency slots, run into their deadlines, and come back with parts missing, or even open a healthy source's
circuit breaker. So at most `max_concurrent` GraphQL requests run at once per process; up to `max_queued` more
wait, first come first served, for at most `queue_timeout_s` (the request deadline); beyond the queue, and after
that wait, the answer is `503` with `Retry-After` and an `OVERLOADED` error in the gateway's one error shape.

Only the GraphQL route is wrapped: `/healthz` and `/readyz` are never queued, so a load balancer sees a busy
process as alive rather than dead.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.error_responses import error_response
from gateway.request_id import request_id_of
from resolvers.errors import OVERLOADED

log = logging.getLogger("family_context.access")

QUEUE_FULL = "The gateway is at its limit of requests; try again in a moment."
QUEUE_TIMEOUT = "The gateway could not start this request in time; try again in a moment."
RETRY_AFTER_S = 1

RefusalObserver = Callable[[int, float], None]  # (HTTP status, seconds): e.g. `Metrics.observe_request`


class AdmissionControl:
    """An ASGI wrapper around one app (the GraphQL endpoint) bounding the requests it runs and queues."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_concurrent: int,
        max_queued: int,
        queue_timeout_s: float,
        retry_after_s: int = RETRY_AFTER_S,
        on_refused: RefusalObserver | None = None,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        if max_queued < 0:
            raise ValueError("max_queued must not be negative")
        if queue_timeout_s <= 0:
            raise ValueError("queue_timeout_s must be positive")
        self._app = app
        self._max_concurrent = max_concurrent
        self._max_queued = max_queued
        self._queue_timeout_s = queue_timeout_s
        self._retry_after = str(max(1, math.ceil(retry_after_s)))
        self._on_refused = on_refused
        self._running = 0
        self._queue: asyncio.Semaphore | None = None  # made on first use, inside the serving event loop
        self._queued = 0

    @property
    def running(self) -> int:
        return self._running

    @property
    def queued(self) -> int:
        return self._queued

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        refusal = await self._admit()
        if refusal is not None:
            await self._refuse(refusal, started, scope, receive, send)
            return
        self._running += 1
        try:
            await self._app(scope, receive, send)
        finally:
            self._running -= 1
            assert self._queue is not None
            self._queue.release()

    async def _admit(self) -> str | None:
        """Take a place among the running requests, waiting in the queue if there is room: None, or why not."""
        if self._queue is None:
            self._queue = asyncio.Semaphore(self._max_concurrent)
        slots = self._queue
        if not slots.locked() and self._queued == 0:
            await slots.acquire()  # free and nobody waiting: does not suspend
            return None
        if self._queued >= self._max_queued:
            return QUEUE_FULL
        self._queued += 1
        try:
            async with asyncio.timeout(self._queue_timeout_s):
                await slots.acquire()
        except TimeoutError:
            return QUEUE_TIMEOUT
        finally:
            self._queued -= 1
        return None

    async def _refuse(self, message: str, started: float, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(503, message, OVERLOADED, headers={"Retry-After": self._retry_after})
        await response(scope, receive, send)
        elapsed = time.perf_counter() - started
        if self._on_refused is not None:
            self._on_refused(503, elapsed)
        # Method, status, duration and id only, as the endpoint logs its own answers.
        log.info("%s /graphql 503 overloaded %.1fms id=%s", scope.get("method"), elapsed * 1000, request_id_of(scope))
