"""Look-ups leave in order (`resolvers/loaders.py`): a source that reads locally lets the network calls of the same
round leave first, and a resolver that starts its children's look-ups early lets them leave before it answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import pytest
import uvloop
from strawberry.dataloader import DataLoader

from resolvers import loaders
from resolvers.deadline import RequestDeadline
from resolvers.loaders import after_queued_work, until_sent
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


@pytest.mark.parametrize("loop", RUNNERS)
def test_look_ups_started_early_are_sent_before_the_resolver_answers(loop: str) -> None:
    async def scenario() -> list[str]:
        order: list[str] = []
        deadline = RequestDeadline.starting_now(10.0)  # a request's deadline: each batch runs as a task of its own

        async def write(key: str) -> None:
            order.append(f"sent {key}")

        async def source(keys: Sequence[str]) -> list[str]:  # an HTTP source: the body is written by a task (3.11)
            for key in keys:
                asyncio.get_running_loop().create_task(write(key))
            await asyncio.sleep(0.01)
            return list(keys)

        async def load(keys: list[str]) -> list[str]:  # as `Loaders._loader` calls a source
            return list(await deadline.call("a source", source, keys))

        loader: DataLoader[str, str] = DataLoader(load_fn=load)
        started = loaders.start(loader, ["residents", "checks"])
        await until_sent()
        order.append("answered")
        await asyncio.gather(*started)
        return order

    assert RUNNERS[loop](scenario()) == ["sent residents", "sent checks", "answered"]
