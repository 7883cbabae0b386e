"""One request's deadline, and the sources it has stopped asking.

Why: a query resolves level by level (the child, then the household, then each member's checks), and each level
asks the sources again. Bounded only by each source's own timeout, a hanging source cost the request one timeout
per level (4-6 s where the timeout was 2 s), and nothing bounded the request as a whole. So:

* the deadline is set when the request's context is created (`[limits] request_timeout_s`);
* every batch a loader hands to an adapter runs under it: HTTP calls see it (`sources/deadline.py`) and take
  min(their source's timeout, the time left), and the batch as a whole is cut off when it passes (the file and
  SQL sources included), answering `SourceUnavailable(..., "deadline exceeded")`;
* a source that timed out, or was cut off, for this request is not asked again in it: it answers unavailable at
  once for the rest of the request, so one hanging source costs one timeout, not one per level.

Whether the deadline cut anything off is kept (`exceeded`), for the response's one `DEADLINE_EXCEEDED` error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sources import deadline, request_share
from sources.adapter import SourceUnavailable
from sources.deadline import DEADLINE_EXCEEDED
from sources.http import TIMED_OUT

K = TypeVar("K")
V = TypeVar("V")

_GIVE_UP_ON = frozenset({TIMED_OUT, DEADLINE_EXCEEDED})


class RequestDeadline:
    """Created once per request; shared by its loaders and read by the error shaping at the end."""

    def __init__(self, at: float | None, timeout_s: float | None = None) -> None:
        self.at = at  # in the event loop's time (`loop.time()`); None: no deadline
        self.timeout_s = timeout_s
        self._given_up: dict[str, str] = {}  # system -> the reason it stopped being asked
        self._cut_off: list[str] = []  # systems the deadline cut off, in the order it did
        self._shares: request_share.Shares = {}  # this request's share of each source's slots

    @classmethod
    def starting_now(cls, timeout_s: float) -> RequestDeadline:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        return cls(_now() + timeout_s, timeout_s)

    @classmethod
    def unbounded(cls) -> RequestDeadline:
        return cls(None)

    @property
    def exceeded(self) -> bool:
        """Whether the deadline cut off a call of this request, or came before one could start."""
        return bool(self._cut_off)

    @property
    def cut_off(self) -> tuple[str, ...]:
        """The systems whose part of the answer is missing because the request's time ran out."""
        return tuple(self._cut_off)

    async def call(
        self, system: str, fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]], keys: Sequence[K]
    ) -> Sequence[V]:
        """`fn(keys)` for `system`, within the deadline; at once unavailable if the source was given up on."""
        reason = self._given_up.get(system)
        if reason is not None:
            raise SourceUnavailable(system, reason)
        if self.at is not None and _now() >= self.at:
            self._give_up(system, DEADLINE_EXCEEDED)
            raise SourceUnavailable(system, DEADLINE_EXCEEDED)
        try:
            return await self._within_deadline(fn, keys)
        except _OutOfTime:
            self._give_up(system, DEADLINE_EXCEEDED)
            raise SourceUnavailable(system, DEADLINE_EXCEEDED) from None
        except SourceUnavailable as failure:
            if failure.reason in _GIVE_UP_ON:
                self._give_up(system, failure.reason)
            raise

    async def _within_deadline(
        self, fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]], keys: Sequence[K]
    ) -> Sequence[V]:
        """The call's answer, or `_OutOfTime` at the deadline, whether or not the call has wound down by then.

        The call runs as a task of its own, under the deadline, and at the deadline it is cancelled but not waited
        for: a source's clean-up can outlast the request (a database connection closes only once the statement
        that holds its thread returns, measured at 0.6 s past a 1 s deadline), and the request does not wait for it.
        """
        if self.at is None:
            with request_share.of_request(self._shares):
                return await fn(keys)
        with deadline.within(self.at), request_share.of_request(self._shares):
            task = asyncio.ensure_future(fn(keys))  # the task copies the context: deadline and shares go with it
        try:
            done, _ = await asyncio.wait({task}, timeout=max(self.at - _now(), 0.0))
        except BaseException:  # this request was cancelled: so is its call
            task.cancel()
            raise
        if task in done:
            return task.result()
        task.cancel()
        task.add_done_callback(_forget)
        raise _OutOfTime

    def _give_up(self, system: str, reason: str) -> None:
        self._given_up.setdefault(system, reason)
        if reason == DEADLINE_EXCEEDED and system not in self._cut_off:
            self._cut_off.append(system)


class _OutOfTime(Exception):
    """The request's deadline passed before the call answered."""


def _forget(task: asyncio.Future[Any]) -> None:
    """Retrieve the outcome of a call given up on, so that it is not reported as never retrieved."""
    if not task.cancelled():
        task.exception()


def _now() -> float:
    """The event loop's clock (the one `asyncio.timeout_at` uses); the monotonic clock outside a loop."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return time.monotonic()
