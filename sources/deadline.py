"""The deadline of the request an upstream call is made for, as the event loop's time (`loop.time()`).

Why a context variable: adapters and their transports are shared by every request of the process, so the
deadline cannot live on them, and their methods take batches, not requests. The per-request loaders set it
around each batch (`within`), and every task the adapter starts inherits it; a call made outside any request
(a start-up or readiness probe) sees None and is bounded by its source's own timeout alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

# The reason (see `SourceUnavailable`) of a call cut off, or never made, because the request's time ran out:
# not the source's fault, so never counted by its circuit breaker.
DEADLINE_EXCEEDED = "deadline exceeded"

_deadline: ContextVar[float | None] = ContextVar("family_context_request_deadline", default=None)


def current() -> float | None:
    """The deadline of the request being served, in `loop.time()` seconds, or None outside a request."""
    return _deadline.get()


@contextlib.contextmanager
def within(deadline: float | None) -> Iterator[None]:
    """Run the block (and the tasks it starts) under `deadline`, or the caller's if that is earlier."""
    outer = _deadline.get()
    if deadline is None or (outer is not None and outer <= deadline):
        yield
        return
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)
