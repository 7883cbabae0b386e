"""`resolvers.loaders.settled`: a resolver's look-ups, answered or failed, in order, as `asyncio.gather(...,
return_exceptions=True)` gives them; those already answered are read without a turn of the event loop, and a
caller cancelled while waiting leaves the request's look-ups running."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from strawberry.dataloader import DataLoader

from resolvers.loaders import settled

pytestmark = pytest.mark.asyncio


async def _doubled(keys: Sequence[int]) -> list[int | BaseException]:
    await asyncio.sleep(0.001)
    return [ValueError(f"no {k}") if k < 0 else 2 * k for k in keys]


async def test_answers_and_failures_come_in_order_as_gather_gives_them() -> None:
    loader: DataLoader[int, int] = DataLoader(load_fn=_doubled)
    keys = [1, -2, 3]
    expected = await asyncio.gather(*(DataLoader(load_fn=_doubled).load(k) for k in keys), return_exceptions=True)
    answers = await settled([loader.load(k) for k in keys])
    assert [type(a) for a in answers] == [type(e) for e in expected] == [int, ValueError, int]
    assert answers[0] == 2 and answers[2] == 6 and str(answers[1]) == "no -2"


async def test_a_cancelled_look_up_is_answered_with_its_cancellation() -> None:
    cancelled: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    cancelled.cancel()
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    done.set_result(7)
    answers = await settled([done, cancelled])
    assert answers[0] == 7 and isinstance(answers[1], asyncio.CancelledError)


async def test_nothing_to_wait_for() -> None:
    assert await settled([]) == []


async def test_answered_look_ups_are_read_without_a_loop_turn() -> None:
    loader: DataLoader[int, int] = DataLoader(load_fn=_doubled)
    await loader.load(4)  # answered: in the request's cache
    ran: list[str] = []
    asyncio.get_running_loop().call_soon(ran.append, "the loop turned")
    assert await settled([loader.load(4)]) == [8]
    assert ran == []  # read at once: the callback queued before is still waiting


async def test_a_cancelled_caller_leaves_the_look_ups_running() -> None:
    loader: DataLoader[int, int] = DataLoader(load_fn=_doubled)
    look_up = loader.load(5)
    waiting = asyncio.ensure_future(settled([look_up]))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await look_up == 10  # another field awaiting the same look-up still gets its answer
