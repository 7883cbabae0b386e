"""Group commit: the appends of many concurrent requests share one transaction, written by one task.

Every request must wait for its audit record to be durable before its response may leave; one transaction (and
one fsync) per request would cap the gateway at the disk's sync rate. So callers queue their events and await a
future; a single writer task takes everything queued, commits it in one transaction, and then resolves each
future. A failed commit fails every caller in it with `AuditUnavailable`; the next batch tries again, so the
store recovers by itself once the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from gateway.audit.events import PreparedEvent
from resolvers.audit_trail import AuditUnavailable

log = logging.getLogger("family_context.audit.store")

MAX_BATCH_EVENTS = 1000
COMMIT_FAILED = "the audit store could not commit ({error})"
TIMED_OUT = "the audit store did not commit within {timeout_s} s"
CLOSED = "the audit store is closed"

Write = Callable[[Sequence[PreparedEvent]], Awaitable[None]]


@dataclass
class _Pending:
    events: Sequence[PreparedEvent]
    done: asyncio.Future[None]


class GroupCommit:
    """One writer task per store; `submit` returns once the caller's events are committed, or raises."""

    def __init__(self, write: Write, *, timeout_s: float, max_batch_events: int = MAX_BATCH_EVENTS) -> None:
        self._write = write
        self._timeout_s = timeout_s
        self._max_batch_events = max_batch_events
        self._queue: deque[_Pending] = deque()
        self._wake = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-group-commit")

    async def submit(self, events: Sequence[PreparedEvent]) -> None:
        """Wait until `events` are committed; `AuditUnavailable` if they are not within the timeout.

        A caller that times out (or is cancelled) withdraws its events if the writer has not taken them yet, so
        the trail does not record a request that was refused; events already in a transaction may still commit
        (the trail errs towards recording too much, never too little).
        """
        if self._closed or self._task is None or self._task.done():
            raise AuditUnavailable(CLOSED)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(events, done))
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(done), self._timeout_s)
        except TimeoutError:
            raise AuditUnavailable(TIMED_OUT.format(timeout_s=self._timeout_s)) from None
        finally:
            if not done.done():
                done.cancel()

    async def close(self) -> None:
        """Commit what is queued (within the timeout), then stop the writer."""
        self._closed = True
        task, self._task = self._task, None
        if task is None:
            return
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), self._timeout_s)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for pending in self._queue:
            if not pending.done.done():
                pending.done.set_exception(AuditUnavailable(CLOSED))
        self._queue.clear()

    async def _run(self) -> None:
        while True:
            if not self._queue:
                if self._closed:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = self._take()
            if batch:
                await self._commit(batch)

    def _take(self) -> list[_Pending]:
        """Everything queued, up to the batch size (one caller's events are never split across batches)."""
        batch: list[_Pending] = []
        size = 0
        while self._queue:
            pending = self._queue[0]
            if pending.done.done():  # withdrawn: its caller timed out or was cancelled
                self._queue.popleft()
                continue
            if batch and size + len(pending.events) > self._max_batch_events:
                break
            batch.append(self._queue.popleft())
            size += len(pending.events)
        return batch

    async def _commit(self, batch: list[_Pending]) -> None:
        events = [event for pending in batch for event in pending.events]
        try:
            await asyncio.wait_for(self._write(events), self._timeout_s)
        except asyncio.CancelledError:
            self._fail(batch, CLOSED)
            raise
        except Exception as error:  # any failure of the store: every caller in the batch fails closed
            name = type(error).__name__
            log.warning("audit commit failed: %s (%d events, %d appends)", name, len(events), len(batch))
            self._fail(batch, COMMIT_FAILED.format(error=name))
        else:
            for pending in batch:
                if not pending.done.done():
                    pending.done.set_result(None)

    @staticmethod
    def _fail(batch: list[_Pending], message: str) -> None:
        for pending in batch:
            if not pending.done.done():
                pending.done.set_exception(AuditUnavailable(message))
