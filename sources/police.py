"""Police from a nightly CSV extract: loaded into memory, indexed for candidate look-ups, re-read when it changes.

The file is checked at most every `refresh_s` and re-read only when its version (mtime, size, inode) changed.
Reading and indexing run in a thread, as one load at a time that always completes and is never thrown away: a
call waits for it at most the source's timeout, and a call that already has an extract to answer from does not
wait for a load that is still going (a big extract can take longer to index than a request may). When a refresh
fails, the last good extract keeps answering and health reports DEGRADED; without any good extract every call
raises `SourceUnavailable`.

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
from collections.abc import Sequence

from linkage.demographics import Demographics
from sources.adapter import SourceUnavailable
from sources.extract_file import (
    EXTRACT_MISSING,
    EXTRACT_UNAVAILABLE,
    ExtractUnreadable,
    current_version,
    read_regular_file,
)
from sources.http import TIMED_OUT
from sources.model import Address, Service, SourceHealth, SourceInfo, SourceRecord
from sources.observe import Outcome, UpstreamObserver, notify
from sources.police_extract import PoliceExtract, parse_extract
from sources.settings import SourceSettings

logger = logging.getLogger(__name__)


class PoliceCsvAdapter:
    """The police researcher's extract (`police_extract.csv`, see sandbox/README.md)."""

    def __init__(self, settings: SourceSettings, *, observer: UpstreamObserver | None = None) -> None:
        if settings.service is not Service.POLICE:
            raise ValueError(f"source {settings.system!r}: police_csv needs service POLICE")
        if not settings.path:
            raise ValueError(f"source {settings.system!r} needs a path")
        if settings.timeout_s <= 0:
            raise ValueError(f"source {settings.system!r}: timeout_s must be positive")
        self._settings = settings
        self._path = settings.path
        self._extract: PoliceExtract | None = None
        self._checked_at: float | None = None
        self._refresh_failed = False
        self._failure = EXTRACT_UNAVAILABLE  # why the last load failed, for calls with no extract to answer from
        self._loading: asyncio.Task[None] | None = None
        self._observer = observer

    @property
    def service(self) -> Service:
        return Service.POLICE

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
        loop = asyncio.get_running_loop()
        joining = self._loading is not None
        if not joining:
            due = self._checked_at is None or loop.time() - self._checked_at >= self._settings.refresh_s
            if not due and self._extract is not None:
                return self._extract
            self._checked_at = loop.time()
            self._loading = asyncio.ensure_future(self._refresh())
        loading = self._loading
        assert loading is not None
        if joining and self._extract is not None:
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
            outcome: Outcome = (
                "connection_error" if error.reason in (EXTRACT_MISSING, EXTRACT_UNAVAILABLE) else "malformed"
            )
            notify(self._observer, self._settings.system, "extract.refresh", time.perf_counter() - started, outcome)
            logger.warning("%s: %s", self._settings.system, error.reason)
            self._failure = error.reason
            self._refresh_failed = self._extract is not None  # keep answering from the last good extract
        else:
            notify(self._observer, self._settings.system, "extract.refresh", time.perf_counter() - started, "ok")
            if extract is not self._extract:
                self._extract = extract
                gc.freeze()
            self._refresh_failed = False
        finally:
            self._loading = None

    def _load(self) -> PoliceExtract:
        """Blocking: runs in a thread. Re-reads the file only when its version changed."""
        if self._extract is not None and current_version(self._path) == self._extract.version:
            return self._extract
        content, version = read_regular_file(self._path)
        return parse_extract(content, version, system=self._settings.system)
