"""sources/batching.py: a batch split at the source's batch size, the pieces run at once, answers in the items'
order; the first failure cancels the other pieces; a batch of one piece is awaited without a task of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from sources.batching import in_chunks


async def test_answers_come_back_in_the_items_order_whatever_the_pieces_finish_order() -> None:
    async def fetch(chunk: Sequence[int]) -> list[str]:
        await asyncio.sleep(0.01 * (10 - chunk[0]) / 10)  # later pieces answer first
        return [f"answer {n}" for n in chunk]

    assert await in_chunks(list(range(7)), 3, fetch) == [f"answer {n}" for n in range(7)]


async def test_one_piece_runs_in_the_callers_task() -> None:
    callers: list[asyncio.Task[object] | None] = []

    async def fetch(chunk: Sequence[int]) -> list[int]:
        callers.append(asyncio.current_task())
        return list(chunk)

    async def caller() -> list[int]:
        return await in_chunks([1, 2], 5, fetch)

    task = asyncio.ensure_future(caller())
    assert await task == [1, 2]
    assert callers == [task]


async def held(chunk: Sequence[int], cancelled: list[int]) -> list[int]:
    """A piece that does not answer: its first item is noted in `cancelled` when it is cancelled."""
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        cancelled.append(chunk[0])
        raise
    return list(chunk)


async def test_the_first_failure_cancels_the_other_pieces() -> None:
    cancelled: list[int] = []

    async def fetch(chunk: Sequence[int]) -> list[int]:
        if chunk[0] == 0:
            raise RuntimeError("the source refused")
        return await held(chunk, cancelled)

    with pytest.raises(RuntimeError, match="refused"):
        await in_chunks([0, 1, 2, 3], 2, fetch)
    assert cancelled == [2]


@pytest.mark.parametrize("items", [[1], [1, 2, 3]], ids=["one piece", "several pieces"])
async def test_a_caller_that_gives_up_cancels_every_piece(items: list[int]) -> None:
    started = asyncio.Event()
    cancelled: list[int] = []

    async def fetch(chunk: Sequence[int]) -> list[int]:
        started.set()
        return await held(chunk, cancelled)

    task = asyncio.ensure_future(in_chunks(items, 1, fetch))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(cancelled) == items


async def test_a_piece_that_answers_for_the_wrong_number_of_items_fails() -> None:
    async def fetch(chunk: Sequence[int]) -> list[int]:
        return [*chunk, 99]

    with pytest.raises(AssertionError, match="do not match"):
        await in_chunks([1, 2], 5, fetch)
