"""The seam between the gateway and one source system.

An adapter owns a transport (HTTP, SQL, a file extract) and a mapper; it answers in common-model `SourceRecord`s.
Every method takes a whole batch and answers in the same order, so that a DataLoader can hand it one level of a
query at once. The adapter splits a batch at its source's maximum batch size, runs the pieces in parallel, and calls
a source without a batch endpoint once per item with bounded concurrency.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from linkage.demographics import Demographics
from sources.model import Address, Service, SourceHealth, SourceInfo, SourceRecord


class SourceUnavailable(Exception):
    """The source failed, timed out, or answered something we cannot read.

    `reason` is a short, fixed phrase ("timed out", "HTTP 503", "malformed response"): it reaches logs and
    clients, so it never holds personal data.
    """

    def __init__(self, system: str, reason: str) -> None:
        super().__init__(f"{system}: {reason}")
        self.system = system
        self.reason = reason


@runtime_checkable
class SourceAdapter(Protocol):
    """One configured source system."""

    @property
    def service(self) -> Service: ...

    @property
    def info(self) -> SourceInfo:
        """Name, organisation, coverage and freshness (`as_of`) of the source."""
        ...

    async def find_people(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        """Candidate records for each person, in order: a loose search that linkage then scores.

        Raises `SourceUnavailable` when the source fails; never returns partial garbage.
        """
        ...

    async def residents_at(self, addresses: Sequence[Address]) -> list[list[SourceRecord]]:
        """Records of people the source places at each address, in order (empty lists if it cannot tell). A source
        that never can says so instead, and is not asked (`places_residents`)."""
        ...

    async def get_records(self, record_ids: Sequence[str]) -> list[SourceRecord | None]:
        """Records by the source's own id, in order; None for an id it does not hold."""
        ...

    async def check_health(self) -> SourceHealth:
        """A cheap reachability probe for /readyz and `sources`."""
        ...

    async def close(self) -> None: ...


def places_residents(adapter: SourceAdapter) -> bool:
    """Whether the adapter's source can place people at an address. One that cannot says so with a class attribute
    `places_residents = False` (the police extract: a postcode without a house number; the school database: no
    addresses searched): its `residents_at` would only answer empty lists, so a household never asks it."""
    return bool(getattr(adapter, "places_residents", True))


def reads_locally(adapter: SourceAdapter) -> bool:
    """Whether the adapter answers from a local read on the event loop's thread (a file or a database beside the
    gateway) rather than over the network. Such an adapter says so with a class attribute `reads_locally = True`
    (the police extract, the school database): the request's look-ups then let the network calls of the same round
    leave first (`resolvers/loaders.py`), since a local read holds the loop while those calls wait to be sent."""
    return bool(getattr(adapter, "reads_locally", False))
