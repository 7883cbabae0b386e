"""Police from a nightly CSV extract: loaded into memory, indexed for candidate look-ups, re-read when it changes.

The file is checked at most every `refresh_s` and re-read only when its version (mtime, size, inode) changed.
Reading happens in a thread under the source's timeout. When a refresh fails, the last good extract keeps
answering and health reports DEGRADED; without any good extract every call raises `SourceUnavailable`.
"""

from __future__ import annotations

import asyncio
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
        self._lock = asyncio.Lock()
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
        self._extract = None

    async def _current(self) -> PoliceExtract:
        async with self._lock:
            loop = asyncio.get_running_loop()
            due = self._checked_at is None or loop.time() - self._checked_at >= self._settings.refresh_s
            if self._extract is not None and not due:
                return self._extract
            started = time.perf_counter()
            try:
                self._extract = await asyncio.wait_for(asyncio.to_thread(self._load), self._settings.timeout_s)
                self._refresh_failed = False
                notify(self._observer, self._settings.system, "extract.refresh", time.perf_counter() - started, "ok")
            except (ExtractUnreadable, TimeoutError) as error:
                reason = error.reason if isinstance(error, ExtractUnreadable) else TIMED_OUT
                outcome: Outcome = "timeout" if reason == TIMED_OUT else "malformed"
                if reason in (EXTRACT_MISSING, EXTRACT_UNAVAILABLE):
                    outcome = "connection_error"
                notify(self._observer, self._settings.system, "extract.refresh", time.perf_counter() - started, outcome)
                logger.warning("%s: %s", self._settings.system, reason)
                if self._extract is None:
                    raise SourceUnavailable(self._settings.system, reason) from None
                self._refresh_failed = True  # keep answering from the last good extract
            finally:
                self._checked_at = loop.time()
            return self._extract

    def _load(self) -> PoliceExtract:
        """Blocking: runs in a thread. Re-reads the file only when its version changed."""
        if self._extract is not None and current_version(self._path) == self._extract.version:
            return self._extract
        content, version = read_regular_file(self._path)
        return parse_extract(content, version, system=self._settings.system)
