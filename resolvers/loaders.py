"""Per-request DataLoaders: one per source and operation, created lazily, never shared across requests.

Every loader hands its whole batch (one resolution level of the query) to the adapter in one call; the adapter
splits it at the source's maximum batch size and runs the pieces in parallel. So one query makes one upstream
request per source per level, whatever the household size. Caches live and die with the request, so they can
neither go stale nor leak one user's answers to another.

Every batch runs within the request's deadline (`resolvers/deadline.py`): a source the request has given up on
(timed out, or cut off by the deadline) answers unavailable at once instead of being asked again.

A source that reads locally (`sources.adapter.reads_locally`: the police extract, the school database) holds the
event loop while it reads. Its batch waits for the loop's next turn (`after_queued_work`), so that the network
calls dispatched in the same round are written to their sockets first: they then wait out their latency while the
local read runs, instead of after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from opentelemetry import trace
from strawberry.dataloader import DataLoader

from linkage.demographics import Demographics
from resolvers.deadline import RequestDeadline
from resolvers.runtime import GatewayRuntime
from sources import spans
from sources.adapter import reads_locally
from sources.cms_model import CmsChild, CmsPerson, CmsRelationship
from sources.model import Address, Service, SourceRecord

_tracer = trace.get_tracer("family_context.sources")

K = TypeVar("K")
V = TypeVar("V")


def start(loader: DataLoader[K, V], keys: Iterable[K]) -> Sequence[asyncio.Future[V]]:
    """Start loading `keys` without waiting: a resolver that later asks for them finds the look-up under way or
    answered (the request's cache). Used where the query's document says a look-up will be wanted before the
    field that wants it runs (`resolvers/people_queries.py`, `resolvers/service_checks.py`). If nobody comes to
    await one (the query errs before it gets there), its failure is fetched when it ends, so that asyncio does not
    log "exception was never retrieved". The look-ups, to wait for if wanted."""
    started = [asyncio.ensure_future(loader.load(key)) for key in keys]
    for future in started:
        future.add_done_callback(_fetch_failure)
    return started


def _fetch_failure(done: asyncio.Future[Any]) -> None:
    if not done.cancelled():
        done.exception()


async def settled(look_ups: Sequence[Awaitable[V]]) -> list[V | BaseException]:
    """Each look-up's answer or its exception, in order, once all have ended: `asyncio.gather(...,
    return_exceptions=True)`, except that look-ups already answered (prefetched, or cached in the request's
    loader: most of a household's, by the time its checks resolve) are read at once, without the gathering future,
    its callbacks and the loop turn it costs per person. Unlike `gather`, a caller cancelled while waiting leaves
    the look-ups running: they are the request's, shared through the loaders' caches with other fields."""
    futures = [asyncio.ensure_future(look_up) for look_up in look_ups]  # a loader's `load` is a future already
    if not all(future.done() for future in futures):
        await asyncio.wait(futures)
    answers: list[V | BaseException] = []
    for future in futures:
        if future.cancelled():
            answers.append(asyncio.CancelledError())
        elif (failure := future.exception()) is not None:
            answers.append(failure)
        else:
            answers.append(future.result())
    return answers


async def after_queued_work() -> None:
    """Resume once the event loop has run what it had queued when this was called, and what that queued in turn
    this turn: an aiohttp request body, for one, is written by a task the request creates (Python 3.11). A timer
    due at once fires only at the loop's next turn, behind the callbacks already queued (asyncio and uvloop alike);
    `asyncio.sleep(0)` would resume within the same turn, ahead of them."""
    loop = asyncio.get_running_loop()
    resumed = loop.create_future()
    handle = loop.call_later(0, _resume, resumed)
    try:
        await resumed
    finally:
        handle.cancel()


# The loop turns from a look-up's `load` to its request's bytes on the socket: the DataLoader's dispatch, the
# batch's task, the deadline's task that calls the source (`resolvers/deadline.py`), and aiohttp's task that writes
# a request body (Python 3.11). tests/resolvers/test_local_reads_wait.py runs that chain, which needs two (each
# wait lands behind everything queued); one to spare for the transport. Too few only lets the walk go first.
TURNS_TO_SEND = 3


async def until_sent() -> None:
    """Resume once the look-ups started before this was called have been sent to their sources (`TURNS_TO_SEND`
    turns of the loop, each behind what was queued): a resolver that has started its children's look-ups early
    lets them leave before it hands its own answer on to the GraphQL walk, which would otherwise run first."""
    for _ in range(TURNS_TO_SEND):
        await after_queued_work()


def _resume(resumed: asyncio.Future[None]) -> None:
    if not resumed.done():
        resumed.set_result(None)


class Loaders:
    def __init__(self, runtime: GatewayRuntime, *, deadline: RequestDeadline | None = None) -> None:
        self._runtime = runtime
        self._deadline = deadline if deadline is not None else RequestDeadline.unbounded()
        cms = runtime.cms
        system = cms.system
        self.children: DataLoader[str, CmsChild | None] = self._loader(system, cms.get_children)
        self.relationships: DataLoader[str, list[CmsRelationship]] = self._loader(system, cms.get_relationships)
        self.cms_people: DataLoader[str, CmsPerson | None] = self._loader(system, cms.get_people)
        self.cms_search: DataLoader[Demographics, list[CmsPerson]] = self._loader(system, cms.search)
        # Reverse look-ups, for deciding whether a person is within a case-linked principal's reach.
        self.related_children: DataLoader[str, list[str]] = self._loader(system, cms.get_related_children)
        self.children_at: DataLoader[Address, list[CmsChild]] = self._loader(system, cms.children_at)
        self._by_service: dict[tuple[str, Service], DataLoader[Any, Any]] = {}

    def candidates(self, service: Service) -> DataLoader[Demographics, list[SourceRecord]]:
        """Loose candidate records for a person; linkage decides which are links."""
        return self._for(service, "candidates", lambda adapter: adapter.find_people)

    def residents(self, service: Service) -> DataLoader[Address, list[SourceRecord]]:
        return self._for(service, "residents", lambda adapter: adapter.residents_at)

    def records(self, service: Service) -> DataLoader[str, SourceRecord | None]:
        return self._for(service, "records", lambda adapter: adapter.get_records)

    def _for(self, service: Service, operation: str, pick: Callable[[Any], Any]) -> DataLoader[Any, Any]:
        key = (operation, service)
        loader = self._by_service.get(key)
        if loader is None:
            adapter = self._runtime.adapters[service]
            loader = self._loader(adapter.info.system, pick(adapter), local=reads_locally(adapter))
            self._by_service[key] = loader
        return loader

    def _loader(
        self, system: str, fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]], *, local: bool = False
    ) -> DataLoader[K, V]:
        deadline = self._deadline
        operation = getattr(fn, "__name__", "load")

        async def load(keys: list[K]) -> Sequence[V]:
            if local:
                await after_queued_work()
            # One span per batched call to the source (the HTTP attempts beneath it have their own).
            with spans.span(
                _tracer,
                f"{system} {operation}",
                attributes={
                    "family_context.source": system,
                    "family_context.operation": operation,
                    "family_context.batch_size": len(keys),
                },
            ):
                return await deadline.call(system, fn, keys)

        return DataLoader(load_fn=load, max_batch_size=None if self._runtime.batching else 1)
