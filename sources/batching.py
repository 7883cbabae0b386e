"""Splitting a batch at a source's maximum batch size and running the pieces concurrently, answers in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    if size < 1:
        raise ValueError("size must be at least 1")
    return [items[start : start + size] for start in range(0, len(items), size)]


async def gather_all(coroutines: Iterable[Coroutine[Any, Any, R]]) -> list[R]:
    """Run concurrently; on the first failure cancel the rest (no orphaned upstream calls) and re-raise it. One
    coroutine alone (a batch within the source's batch size, most batches) is awaited here, without a task."""
    pending = list(coroutines)
    if len(pending) == 1:
        return [await pending[0]]
    tasks = [asyncio.ensure_future(coroutine) for coroutine in pending]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def in_chunks(items: Sequence[T], size: int, fetch: Callable[[Sequence[T]], Awaitable[list[R]]]) -> list[R]:
    """`fetch` each chunk of at most `size` items concurrently; the answers, flattened, in the items' order."""

    async def one(chunk: Sequence[T]) -> list[R]:
        answers = await fetch(chunk)
        if len(answers) != len(chunk):
            raise AssertionError("a chunk's answers do not match its items")
        return answers

    parts = await gather_all(one(chunk) for chunk in chunks(items, size))
    return [answer for part in parts for answer in part]
