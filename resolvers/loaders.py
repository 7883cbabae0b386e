"""Per-request DataLoaders: one per source and operation, created lazily, never shared across requests.

Every loader hands its whole batch (one resolution level of the query) to the adapter in one call; the adapter
splits it at the source's maximum batch size and runs the pieces in parallel. So one query makes one upstream
request per source per level, whatever the household size. Caches live and die with the request, so they can
neither go stale nor leak one user's answers to another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from linkage.demographics import Demographics
from resolvers.runtime import GatewayRuntime
from sources.cms_model import CmsChild, CmsPerson, CmsRelationship
from sources.model import Address, Service, SourceRecord

K = TypeVar("K")
V = TypeVar("V")


def _loader(fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]], *, batching: bool) -> DataLoader[K, V]:
    async def load(keys: list[K]) -> Sequence[V]:
        return await fn(keys)

    return DataLoader(load_fn=load, max_batch_size=None if batching else 1)


class Loaders:
    def __init__(self, runtime: GatewayRuntime) -> None:
        self._runtime = runtime
        cms = runtime.cms
        batching = runtime.batching
        self.children: DataLoader[str, CmsChild | None] = _loader(cms.get_children, batching=batching)
        self.relationships: DataLoader[str, list[CmsRelationship]] = _loader(cms.get_relationships, batching=batching)
        self.cms_people: DataLoader[str, CmsPerson | None] = _loader(cms.get_people, batching=batching)
        self.cms_search: DataLoader[Demographics, list[CmsPerson]] = _loader(cms.search, batching=batching)
        # Reverse look-ups, for deciding whether a person is within a case-linked principal's reach.
        self.related_children: DataLoader[str, list[str]] = _loader(cms.get_related_children, batching=batching)
        self.children_at: DataLoader[Address, list[CmsChild]] = _loader(cms.children_at, batching=batching)
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
            loader = _loader(pick(self._runtime.adapters[service]), batching=self._runtime.batching)
            self._by_service[key] = loader
        return loader
