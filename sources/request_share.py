"""Each request's share of a source's concurrency slots, so that one big request cannot starve the others.

Why: a source without a batch endpoint (housing) gets one call per person, and `children` for 500 ids makes about
a thousand of them. Its `max_concurrency` slots are sized for that (the demo's housing: 64), but if the big request
could take all of them, a family query arriving meanwhile would queue behind a thousand calls. So a request may hold
at most `max_concurrency_per_request` of a source's slots at once (by default three quarters): the rest are always
left for the other requests, and a big request's calls wait in its own queue, not in the shared one.

The request's shares live in a context variable, like its deadline (`sources/deadline.py`): the per-request
loaders set it around each batch (`resolvers/deadline.py`), and the tasks an adapter starts inherit it. A call
made outside any request (a probe) has no share and takes a shared slot directly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

Shares = dict[object, asyncio.Semaphore]

_shares: ContextVar[Shares | None] = ContextVar("family_context_request_shares", default=None)


def default_per_request(max_concurrency: int) -> int:
    """Three quarters of the slots (at least one), leaving a quarter for the other requests."""
    return max(1, max_concurrency * 3 // 4)


@contextlib.contextmanager
def of_request(shares: Shares) -> Iterator[None]:
    """Run the block (and the tasks it starts) with the request's shares (a dict the request keeps)."""
    token = _shares.set(shares)
    try:
        yield
    finally:
        _shares.reset(token)


def share(owner: object, limit: int) -> asyncio.Semaphore | None:
    """The current request's semaphore for `owner` (a source's transport), or None outside a request."""
    shares = _shares.get()
    if shares is None:
        return None
    found = shares.get(owner)
    if found is None:
        found = shares[owner] = asyncio.Semaphore(limit)
    return found
