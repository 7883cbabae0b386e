"""When a file extract is next (re)loaded: every `refresh_s` while loads succeed, backing off while they fail.

A broken extract (missing, garbled, on a share that hangs) used to be re-read on almost every request, each read a
full parse, which halved throughput under load. After a failed load the next attempt waits `refresh_s`, then twice
that after each further failure, up to an hour (or `refresh_s`, if that is longer); the first successful load goes
back to the ordinary `refresh_s` schedule. The clock is injected so that the schedule can be tested without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_BACKOFF_S = 3600.0


class ReloadSchedule:
    """`due()` says whether a load may start now; `succeeded()` and `failed()` report how the last one went."""

    def __init__(
        self,
        refresh_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_backoff_s: float = MAX_BACKOFF_S,
    ) -> None:
        if refresh_s < 0:
            raise ValueError("refresh_s must not be negative")
        self._refresh_s = refresh_s
        self._max_backoff_s = max(max_backoff_s, refresh_s)  # never retry a failure sooner than a healthy check
        self._clock = clock
        self._failures = 0
        self._next_at: float | None = None  # None: never tried, due now

    @property
    def failures(self) -> int:
        """Consecutive failed loads since the last good one."""
        return self._failures

    def due(self) -> bool:
        return self._next_at is None or self._clock() >= self._next_at

    def succeeded(self) -> None:
        """A load (or a check that found the file unchanged) worked: back to checking every `refresh_s`."""
        self._failures = 0
        self._next_at = self._clock() + self._refresh_s

    def failed(self) -> float:
        """A load failed: the next one waits `refresh_s`, doubled for each failure before it, at most the cap.

        Answers the wait, in seconds.
        """
        delay = min(self._refresh_s * 2.0 ** min(self._failures, 64), self._max_backoff_s)
        self._failures += 1
        self._next_at = self._clock() + delay
        return delay
