"""What both audit stores share: appending through group commit, paging, verifying, pruning, exporting.

A backend supplies the storage primitives (`_open`, `_write`, `_page`, `_scan`, `_snapshot`, `_first_at_or_after`,
`_prune_through`, `_close`); everything that decides what the trail means (the chain, cursors, what pruning may
remove) lives here once, so the two backends cannot drift apart.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import datetime
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from gateway.audit.chain import ChainLink, ChainVerifier, ScannedRow, VerifyReport
from gateway.audit.events import PreparedEvent, prepare
from gateway.audit.group_commit import GroupCommit
from resolvers.audit_trail import CURSOR, AuditEvent, AuditFilter, AuditPage, AuditUnavailable, StoredEvent

log = logging.getLogger("family_context.audit.store")

MAX_PAGE_SIZE = 1000
EXPORT_CHUNK = 1000
PRUNE_CHUNK = 5000

STORE_UNAVAILABLE = "the audit store is unavailable ({error})"
ROW_UNDECODABLE = "audit row {position} cannot be decoded; run `family-context audit verify`"
BAD_FIRST = f"first must be a whole number from 0 to {MAX_PAGE_SIZE}"
BAD_CURSOR = "after is not a cursor of the audit trail"
PRUNE_IN_FUTURE = "cannot prune before a time in the future"
PRUNE_BROKEN_CHAIN = "refusing to prune a broken chain: {report}"


class InvalidAuditQuery(ValueError):
    """`first` or `after` is not acceptable; the message says which (safe to show the caller)."""


class AuditChainBroken(Exception):
    """The chain failed verification, so the store refuses to prune it (that would destroy the evidence)."""

    def __init__(self, report: VerifyReport) -> None:
        super().__init__(PRUNE_BROKEN_CHAIN.format(report=report.describe()))
        self.report = report


@dataclass(frozen=True, kw_only=True)
class PruneReport:
    removed: int  # events deleted
    checkpoint_position: int  # the chain now verifies from the row after this position (0: nothing ever pruned)
    before: datetime.datetime


class Snapshot(Protocol):
    """One consistent view of the trail (a read transaction), for verification."""

    checkpoint: ChainLink | None
    head: ChainLink | None  # None only if someone deleted it

    def rows(self, after: int) -> AsyncIterator[ScannedRow]: ...


class ChainedTrail(abc.ABC):
    """An `AuditTrail` (append, read) plus the operator's verify, prune and export. Start it before use."""

    backend: str = ""

    def __init__(self, key: bytes, *, timeout_s: float) -> None:
        self._key = key
        self._timeout_s = timeout_s
        self._group = GroupCommit(self._write, timeout_s=timeout_s)

    # -- the AuditTrail protocol -----------------------------------------------------------------------------

    async def append(self, events: Sequence[AuditEvent]) -> None:
        """Durable when this returns; `AuditUnavailable` (within the timeout) when it cannot be."""
        if not events:
            return
        prepared = [prepare(event) for event in events]
        await self._group.submit(prepared)

    async def read(self, audit_filter: AuditFilter, *, first: int, after: str | None) -> AuditPage:
        """Newest first; `after` is the `end_cursor` of the previous page (a position, opaque to callers)."""
        if isinstance(first, bool) or not isinstance(first, int) or not 0 <= first <= MAX_PAGE_SIZE:
            raise InvalidAuditQuery(BAD_FIRST)
        before: int | None = None
        if after is not None:
            if not isinstance(after, str) or not CURSOR.fullmatch(after):
                raise InvalidAuditQuery(BAD_CURSOR)
            before = int(after)
        async with self.guard(timeout=True):
            total, rows = await self._page(audit_filter, limit=first + 1, before=before)
        events = tuple(stored(row) for row in rows[:first])
        more = len(rows) > first and bool(events)
        return AuditPage(total_count=total, events=events, end_cursor=str(events[-1].position) if more else None)

    # -- operations -----------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, create the tables if missing (idempotent, safe from several processes), start the writer."""
        async with self.guard(timeout=True):
            await self._open()
        self._group.start()
        log.info("audit store started: %s", self.backend)

    async def close(self) -> None:
        await self._group.close()
        with contextlib.suppress(Exception):
            await self._close()

    async def verify(self) -> VerifyReport:
        """Recompute every link from the first remaining row (or the prune checkpoint) to the head."""
        async with self.guard(), self._snapshot() as snapshot:
            verifier = ChainVerifier(self._key, checkpoint=snapshot.checkpoint, head=snapshot.head)
            if verifier.broken is None:
                async for row in snapshot.rows(after=verifier.anchor_position):
                    if verifier.feed(row) is not None:
                        break
            report = verifier.finish()
        if report.ok:
            log.info("audit chain verified: %d events", report.checked)
        else:
            assert report.broken is not None
            log.error("audit chain broken at position %d: %s", report.broken.position, report.broken.kind.value)
        return report

    async def prune(self, before: datetime.datetime) -> PruneReport:
        """Delete the events older than `before`, leaving a MAC'd checkpoint so the rest still verifies.

        Only a prefix of positions is removed: from the first event at or after `before`, everything is kept,
        including an older-stamped event written after it (the clocks of several workers may disagree
        slightly). And only once the whole chain has verified: pruning a broken chain would destroy the
        evidence. Large prunes go in chunks, so appends are never held up for long.
        """
        before = before.astimezone(datetime.UTC)
        if before > datetime.datetime.now(datetime.UTC):
            raise ValueError(PRUNE_IN_FUTURE)
        report = await self.verify()
        if not report.ok:
            raise AuditChainBroken(report)
        async with self.guard():
            first_kept = await self._first_at_or_after(before, after=report.anchor_position)
            cut = report.head_position if first_kept is None else min(first_kept - 1, report.head_position)
            removed = 0
            position = report.anchor_position
            while position < cut:
                end = min(cut, position + PRUNE_CHUNK)
                removed += await self._prune_through(end)
                position = end
        log.info("audit trail pruned: %d events removed, checkpoint at position %d", removed, position)
        return PruneReport(removed=removed, checkpoint_position=position, before=before)

    async def export(
        self, since: datetime.datetime | None = None, until: datetime.datetime | None = None
    ) -> AsyncIterator[StoredEvent]:
        """Events with `since <= at < until`, in position order, read in chunks (any size of trail)."""
        after = 0
        while True:
            async with self.guard():
                rows = await self._scan(after=after, limit=EXPORT_CHUNK, since=since, until=until)
            for row in rows:
                yield stored(row)
            if len(rows) < EXPORT_CHUNK:
                return
            after = rows[-1].position

    @contextlib.asynccontextmanager
    async def guard(self, *, timeout: bool = False) -> AsyncIterator[None]:
        """The backend's errors as `AuditUnavailable`, naming only the error's type (messages may hold values)."""
        try:
            async with asyncio.timeout(self._timeout_s if timeout else None):
                yield
        except AuditUnavailable:
            raise
        except Exception as error:
            if not isinstance(error, (TimeoutError, OSError, *self._errors())):
                raise
            raise AuditUnavailable(STORE_UNAVAILABLE.format(error=type(error).__name__)) from error

    # -- the backend's primitives ---------------------------------------------------------------------------

    @abc.abstractmethod
    def _errors(self) -> tuple[type[BaseException], ...]:
        """The driver's exceptions that mean the store cannot do what was asked."""

    @abc.abstractmethod
    async def _open(self) -> None: ...

    @abc.abstractmethod
    async def _close(self) -> None: ...

    @abc.abstractmethod
    async def _write(self, events: Sequence[PreparedEvent]) -> None:
        """One transaction: hold the write lock, read the head, insert the linked rows, move the head, commit."""

    @abc.abstractmethod
    async def _page(self, audit_filter: AuditFilter, *, limit: int, before: int | None) -> tuple[int, list[ScannedRow]]:
        """(matches in total, up to `limit` matching rows below position `before`, newest first)."""

    @abc.abstractmethod
    async def _scan(
        self, *, after: int, limit: int, since: datetime.datetime | None, until: datetime.datetime | None
    ) -> list[ScannedRow]:
        """Up to `limit` rows above position `after` in the time window, in position order."""

    @abc.abstractmethod
    def _snapshot(self) -> contextlib.AbstractAsyncContextManager[Snapshot]: ...

    @abc.abstractmethod
    async def _first_at_or_after(self, moment: datetime.datetime, *, after: int) -> int | None:
        """The lowest position above `after` whose event is at or after `moment`."""

    @abc.abstractmethod
    async def _prune_through(self, position: int) -> int:
        """In one write transaction: checkpoint `position` and its hash, delete rows up to it; the count removed."""


def stored(row: ScannedRow) -> StoredEvent:
    if row.event is None:
        raise AuditUnavailable(ROW_UNDECODABLE.format(position=row.position))
    return StoredEvent(
        position=row.position, event=row.event, previous_hash=row.previous_hash, hash=row.hash, mac=row.mac
    )
