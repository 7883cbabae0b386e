"""Police from a nightly CSV extract: loaded into memory, indexed for candidate look-ups, re-read when it changes.

The file is checked at most every `refresh_s` and re-read only when its version (mtime, size, inode) changed.
Reading and indexing run in a thread, as one load at a time that always completes and is never thrown away: a
call waits for it at most the source's timeout, and a call that already has an extract to answer from does not
wait for a load that is still going (a big extract can take longer to index than a request may). A caller cut off
by its request's deadline leaves the load running (it is shielded), for the next caller to use.

A failed load backs off (`ReloadSchedule`: `refresh_s`, then doubling up to an hour; a good load resets it), so a
broken extract is read once per back-off period, not once per request. Meanwhile the last good extract keeps
answering and health reports DEGRADED. While no extract has ever loaded, a circuit breaker, as on the HTTP sources,
makes every call fail fast with `SourceUnavailable` (the last load's reason) instead of reading the file; it
half-opens on the back-off schedule, letting one load through as the trial.

A freshly indexed extract is long-lived and large, so it is moved out of the garbage collector's view
(`gc.freeze`): otherwise every full collection walks it, which was measured as a pause of over a second with a
100,000-person sandbox in the same process. Its objects are still freed by reference counting when a newer
extract replaces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Sequence

from linkage.demographics import Demographics
from sources.adapter import SourceUnavailable
from sources.circuit import CircuitBreaker
from sources.extract_file import (
    EXTRACT_MISSING,
    EXTRACT_UNAVAILABLE,
    ExtractUnreadable,
    current_version,
    read_regular_file,
)
from sources.extract_reload import ReloadSchedule
from sources.http import TIMED_OUT
from sources.model import Address, Service, SourceHealth, SourceInfo, SourceRecord
from sources.observe import Outcome, UpstreamObserver, notify
from sources.services.police.extract import PoliceExtract, parse_extract
from sources.settings import SourceSettings

logger = logging.getLogger(__name__)


class PoliceCsvAdapter:
    """The police researcher's extract (`police_extract.csv`, see sandbox/README.md)."""

    places_residents = False  # see `residents_at`
    reads_locally = True  # see `sources.adapter.reads_locally`

    def __init__(
        self,
        settings: SourceSettings,
        *,
        observer: UpstreamObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if settings.service is not Service.POLICE:
            raise ValueError(f"source {settings.system!r}: police_csv needs service POLICE")
        if not settings.path:
            raise ValueError(f"source {settings.system!r} needs a path")
        if settings.timeout_s <= 0:
            raise ValueError(f"source {settings.system!r}: timeout_s must be positive")
        self._settings = settings
        self._path = settings.path
        self._extract: PoliceExtract | None = None
        self._clock = clock
        self._schedule = ReloadSchedule(settings.refresh_s, clock=clock)
        # Replaced at each failed load by one whose cooldown is that load's back-off (a breaker's cooldown is fixed).
        self._breaker = CircuitBreaker(failure_threshold=1, cooldown_s=settings.refresh_s, clock=clock)
        self._refresh_failed = False
        self._failure = EXTRACT_UNAVAILABLE  # why the last load failed, for calls with no extract to answer from
        self._loading: asyncio.Task[None] | None = None
        self._observer = observer

    @property
    def service(self) -> Service:
        return Service.POLICE

    @property
    def breaker(self) -> CircuitBreaker:
        """Open for the back-off after a failed load; it gates only the calls that have no extract to answer from."""
        return self._breaker

    @property
    def info(self) -> SourceInfo:
        return self._settings.describe(self._extract.as_of if self._extract else None)

    async def find_people(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        extract = await self._current()
        return [extract.candidates(person) for person in people]

    async def residents_at(self, addresses: Sequence[Address]) -> list[list[SourceRecord]]:
        """Always empty: a postcode without a house number is too weak to place someone in a household."""
        return [[] for _ in addresses]

    async def get_records(self, record_ids: Sequence[str]) -> list[SourceRecord | None]:
        extract = await self._current()
        return [extract.records.get(record_id) for record_id in record_ids]

    async def check_health(self) -> SourceHealth:
        try:
            await self._current()
        except SourceUnavailable:
            return SourceHealth.DOWN
        return SourceHealth.DEGRADED if self._refresh_failed else SourceHealth.UP

    async def close(self) -> None:
        loading, self._loading = self._loading, None
        if loading is not None:
            loading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loading
        self._extract = None

    async def _current(self) -> PoliceExtract:
        loading = self._loading
        if loading is None:
            if self._extract is not None and not self._schedule.due():
                return self._extract
            if self._extract is None and not self._breaker.allow():
                # Nothing to answer from and the last load failed: fail fast until the back-off is over.
                notify(self._observer, self._settings.system, "extract.refresh", 0.0, "circuit_open")
                raise SourceUnavailable(self._settings.system, self._failure)
            loading = self._loading = asyncio.ensure_future(self._refresh())
        elif self._extract is not None:
            return self._extract  # a load is under way: answer from the extract we have
        try:
            await asyncio.wait_for(asyncio.shield(loading), self._settings.timeout_s)
        except TimeoutError:
            if self._extract is None:
                raise SourceUnavailable(self._settings.system, TIMED_OUT) from None
        if self._extract is None:
            raise SourceUnavailable(self._settings.system, self._failure)
        return self._extract

    async def _refresh(self) -> None:
        started = time.perf_counter()
        try:
            extract = await asyncio.to_thread(self._load)
        except ExtractUnreadable as error:
            self._failed(error.reason, started)
        except Exception as error:  # a bug must back off too, or it would re-read the file on every request
            logger.error("%s: loading the extract failed unexpectedly: %s", self._settings.system, type(error).__name__)
            self._failed(EXTRACT_UNAVAILABLE, started)
        else:
            notify(self._observer, self._settings.system, "extract.refresh", time.perf_counter() - started, "ok")
            if extract is not self._extract:
                self._extract = extract
                gc.freeze()
            self._refresh_failed = False
            self._schedule.succeeded()
            self._breaker.record_success()
        finally:
            self._loading = None

    def _failed(self, reason: str, started: float) -> None:
        """A load failed: back off, open the breaker for the back-off, keep answering from the last good extract."""
        system = self._settings.system
        outcome: Outcome = "connection_error" if reason in (EXTRACT_MISSING, EXTRACT_UNAVAILABLE) else "malformed"
        notify(self._observer, system, "extract.refresh", time.perf_counter() - started, outcome)
        delay = self._schedule.failed()
        self._breaker = CircuitBreaker(failure_threshold=1, cooldown_s=delay, clock=self._clock)
        self._breaker.record_failure()
        logger.warning("%s: %s (failure %d; next attempt in %.0f s)", system, reason, self._schedule.failures, delay)
        self._failure = reason
        self._refresh_failed = self._extract is not None  # keep answering from the last good extract

    def _load(self) -> PoliceExtract:
        """Blocking: runs in a thread. Re-reads the file only when its version changed."""
        if self._extract is not None and current_version(self._path) == self._extract.version:
            return self._extract
        content, version = read_regular_file(self._path)
        return parse_extract(content, version, system=self._settings.system)
