"""A per-process circuit breaker: stop calling a source that keeps failing, then try again carefully.

Closed: calls go through; `failure_threshold` consecutive failures open it. Open: calls fail fast for
`cooldown_s`. Half-open: one trial call goes through; its success closes the breaker, its failure opens it again.

A breaker judges the source, so it is told only what the source did. A call that ended without an answer for
reasons of the caller's (the request's deadline passed, the call was cancelled) is `record_abandoned`: neither a
success nor a failure, it only frees the half-open trial for the next call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        cooldown_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if cooldown_s < 0:
            raise ValueError("cooldown_s must not be negative")
        self._threshold = failure_threshold
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_started_at: float | None = None

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._cooldown_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """Whether a call may go through now. In half-open, admits one trial at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "open":
            return False
        now = self._clock()
        # A trial that never reported back (e.g. cancelled) must not wedge the breaker half-open forever.
        if self._trial_started_at is not None and now - self._trial_started_at < self._cooldown_s:
            return False
        self._trial_started_at = now
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_started_at = None

    def record_abandoned(self) -> None:
        """A call that went through but ended for the caller's reasons: it says nothing about the source.

        Counts neither way; if it was the half-open trial, the next call may try at once instead of waiting for
        the trial to be presumed lost.
        """
        if self._opened_at is not None:
            self._trial_started_at = None

    def record_failure(self) -> None:
        self._failures += 1
        if self._opened_at is not None or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._trial_started_at = None
