"""A source that reads locally lets the network calls of the same round leave first (`resolvers/loaders.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvloop

from resolvers.loaders import after_queued_work
from sources.adapter import reads_locally
from sources.case_rest import CaseRestAdapter
from sources.school import SchoolSqlAdapter
from sources.services.adult_social_care.adapter import AdultSocialCareAdapter
from sources.services.housing.adapter import HousingAdapter
from sources.services.police.adapter import PoliceCsvAdapter

Runner = Callable[[Coroutine[Any, Any, list[str]]], list[str]]
RUNNERS: dict[str, Runner] = {"asyncio": asyncio.run, "uvloop": uvloop.run}


async def _round(local_read: Callable[[], Coroutine[Any, Any, None]]) -> list[str]:
    """One round of look-ups as the DataLoaders dispatch them: the local source's batch first, then two network
    calls, each of which writes its request from a task of its own (as aiohttp writes a body on Python 3.11)."""
    order: list[str] = []

    async def write(name: str) -> None:
        order.append(f"sent {name}")

    async def network(name: str) -> None:
        asyncio.get_running_loop().create_task(write(name))
        await asyncio.sleep(0.01)

    async def local() -> None:
        await local_read()
        order.append("read locally")

    await asyncio.gather(local(), network("adult social care"), network("housing"))
    return order


@pytest.mark.parametrize("loop", RUNNERS)
def test_a_local_read_waits_until_the_rounds_requests_are_written(loop: str) -> None:
    order = RUNNERS[loop](_round(after_queued_work))
    assert order == ["sent adult social care", "sent housing", "read locally"]


@pytest.mark.parametrize("loop", RUNNERS)
def test_yielding_once_would_not_be_enough(loop: str) -> None:
    # What the timer is for: `asyncio.sleep(0)` resumes within the same turn, ahead of the request writers.
    async def sleep0() -> None:
        await asyncio.sleep(0)

    assert RUNNERS[loop](_round(sleep0))[-1] != "read locally"


def test_waiting_is_cancellable_and_leaves_no_timer() -> None:
    async def scenario() -> int:
        loop = asyncio.get_running_loop()
        waiting = asyncio.ensure_future(after_queued_work())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return len(loop._scheduled)  # type: ignore[attr-defined]  # asyncio's own timer heap, for this check

    assert asyncio.run(scenario()) == 0


def test_which_adapters_read_locally() -> None:
    assert reads_locally(PoliceCsvAdapter.__new__(PoliceCsvAdapter))
    assert reads_locally(SchoolSqlAdapter.__new__(SchoolSqlAdapter))
    assert not reads_locally(AdultSocialCareAdapter.__new__(AdultSocialCareAdapter))
    assert not reads_locally(HousingAdapter.__new__(HousingAdapter))
    assert not reads_locally(CaseRestAdapter.__new__(CaseRestAdapter))  # youth offending, and any case system
