"""The audit trail in one SQLite file (the default): WAL, `synchronous=FULL`, shared safely by several workers.

Every write transaction starts with `BEGIN IMMEDIATE`, which takes SQLite's single write lock before the head is
read, so gateway processes writing the same file queue behind each other and can never fork the chain, lose an
event or reuse a position. In WAL mode readers never wait for the writer.

Waiting for the write lock is done here, not in SQLite's busy handler: that handler backs off to sleeps of
100 ms, so a process with a steady stream of commits keeps the lock and starves the others. Polling every
millisecond or so lets several processes take turns, and no attempt blocks for long, so a locked file fails
within the timeout, cleanly. The writer's connection is dropped after any failed commit and reopened for the next
batch, so a store that was locked, read-only or missing recovers by itself.

Writes run on one thread of their own (`_WriterThread`), each transaction whole in one call: one thread hop per
commit. Through aiosqlite every statement is a hop of its own (eight per append), and a hop costs more CPU than
the statement: about 60 us against 3 us for a small one, measured. Reads stay on aiosqlite.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import json
import os
import random
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import orjson

from gateway.audit.chain import ChainLink, ScannedRow, checkpoint_link, extend, genesis_head
from gateway.audit.events import PreparedEvent
from gateway.audit.store import ChainedTrail
from gateway.audit.tables import EVENT_COLUMNS, Tables
from resolvers.audit_trail import AuditAction, AuditEvent, AuditFilter, StoredEvent

SCAN_CHUNK = 1000
T = TypeVar("T")
COLUMNS = ", ".join(EVENT_COLUMNS)


def schema(t: Tables) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS {t.events} (
            position INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            actor_name TEXT,
            roles TEXT NOT NULL,
            team TEXT,
            client_id TEXT,
            purpose TEXT,
            case_reference TEXT,
            request_id TEXT NOT NULL,
            action TEXT NOT NULL,
            subject_ids TEXT NOT NULL,
            services TEXT NOT NULL,
            search_terms TEXT,
            reason TEXT,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            mac TEXT NOT NULL
        )""",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_at')} ON {t.events} (at)",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_actor')} ON {t.events} (actor_id)",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_action')} ON {t.events} (action)",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_case')} ON {t.events} (case_reference)",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_team')} ON {t.events} (team)",
        f"""CREATE TABLE IF NOT EXISTS {t.subjects} (
            subject_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (subject_id, position)
        ) WITHOUT ROWID""",
        f"CREATE INDEX IF NOT EXISTS {t.index('subjects_position')} ON {t.subjects} (position)",
        f"""CREATE TABLE IF NOT EXISTS {t.head} (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            position INTEGER NOT NULL,
            hash TEXT NOT NULL,
            mac TEXT NOT NULL
        )""",
        f"""CREATE TABLE IF NOT EXISTS {t.checkpoint} (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            position INTEGER NOT NULL,
            hash TEXT NOT NULL,
            mac TEXT NOT NULL,
            pruned_at TEXT NOT NULL
        )""",
    ]


class SqliteAuditTrail(ChainedTrail):
    backend = "sqlite"

    def __init__(self, path: Path, key: bytes, *, table_prefix: str, timeout_s: float) -> None:
        super().__init__(key, timeout_s=timeout_s)
        self.path = Path(path)
        self.tables = Tables.of(table_prefix)
        # The lock wait ends a little before the caller's own timeout, so a locked file fails as a clean
        # "database is locked" rather than a cancelled statement.
        self._lock_wait_s = max(0.05, timeout_s * 0.8)
        self._writer: _WriterThread | None = None
        self._reader: aiosqlite.Connection | None = None

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    async def _connect_reader(self) -> aiosqlite.Connection:
        # Readers (which in WAL mode almost never wait) wait for a lock in SQLite's busy handler.
        busy_ms = int(self._lock_wait_s * 1000)
        db = await aiosqlite.connect(self.path, isolation_level=None, timeout=busy_ms / 1000)
        try:
            await db.execute(f"PRAGMA busy_timeout = {busy_ms}")
            # Text that is not UTF-8 can only be an edit: decode it (it will fail its hash), never crash on it.
            db.text_factory = _lenient_text
            await db.execute("PRAGMA query_only = ON")
        except BaseException:
            await db.close()
            raise
        return db

    def _connect_writer(self) -> sqlite3.Connection:
        """The writer's connection (on its thread). Switching a new file to WAL needs a moment's exclusive lock,
        which another process starting at the same time may hold, and SQLite can answer SQLITE_BUSY at once,
        without calling its busy handler: so the switch is retried until the lock wait has passed. Then the busy
        timeout is 0: transactions wait for the write lock in `_begin_immediate`."""
        db = sqlite3.connect(self.path, isolation_level=None, timeout=self._lock_wait_s)
        try:
            _until_free(lambda: db.execute("PRAGMA journal_mode = WAL"), self._lock_wait_s, lambda: 0.02)
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA busy_timeout = 0")
        except BaseException:
            db.close()
            raise
        return db

    async def _open(self) -> None:
        _create_private(self.path)
        writer = _WriterThread(self._connect_writer)
        try:
            await writer.run(self._create_tables)
            self._reader = await self._connect_reader()
        except BaseException:
            await writer.close()
            raise
        self._writer = writer

    def _create_tables(self, db: sqlite3.Connection) -> None:
        """The tables and the genesis head, if missing: checked first, so a store whose file is read-only still
        starts (and fails closed on append)."""
        names = [self.tables.events, self.tables.subjects, self.tables.head, self.tables.checkpoint]
        marks = ", ".join("?" for _ in names)
        sql = f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({marks})"
        if db.execute(sql, names).fetchone()[0] == len(names):
            return
        self._begin_immediate(db)
        for statement in schema(self.tables):
            db.execute(statement)
        head = genesis_head(self._key)
        db.execute(  # only for a new trail: a deleted head must stay missing, not restart
            f"INSERT OR IGNORE INTO {self.tables.head} (id, position, hash, mac) SELECT 1, ?, ?, ? "
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.tables.events})",
            (head.position, head.hash, head.mac),
        )
        db.execute("COMMIT")

    async def _close(self) -> None:
        writer, self._writer = self._writer, None
        reader, self._reader = self._reader, None
        if writer is not None:
            with contextlib.suppress(Exception):
                await writer.close()
        if reader is not None:
            with contextlib.suppress(Exception):
                await reader.close()

    async def _write(self, events: Sequence[PreparedEvent]) -> None:
        await self._require_writer().run(functools.partial(self._append, events))

    def _append(self, events: Sequence[PreparedEvent], db: sqlite3.Connection) -> None:
        """One transaction, on the writer's thread: the lock, the head, the linked rows, the new head, commit."""
        t = self.tables
        self._begin_immediate(db)
        head = _link(db.execute(HEAD_SQL.format(table=t.head)).fetchone())
        if head is None:
            raise sqlite3.IntegrityError("the audit trail's head row is missing")
        rows, new_head = extend(self._key, head, events)
        db.executemany(
            f"INSERT INTO {t.events} ({COLUMNS}) VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})",
            [_encode(row) for row in rows],
        )
        db.executemany(
            f"INSERT INTO {t.subjects} (subject_id, position) VALUES (?, ?)",
            [(subject, row.position) for row in rows for subject in dict.fromkeys(row.event.subject_ids)],
        )
        db.execute(
            f"UPDATE {t.head} SET position = ?, hash = ?, mac = ? WHERE id = 1",
            (new_head.position, new_head.hash, new_head.mac),
        )
        db.execute("COMMIT")

    async def _page(self, audit_filter: AuditFilter, *, limit: int, before: int | None) -> tuple[int, list[ScannedRow]]:
        db = self._require_reader()
        clauses, params = _where(audit_filter, self.tables)
        where = " AND ".join(clauses) or "1"
        async with db.execute(f"SELECT count(*) FROM {self.tables.events} WHERE {where}", params) as cursor:
            counted = await cursor.fetchone()
        if before is not None:
            clauses, params = [*clauses, "position < ?"], [*params, before]
        where = " AND ".join(clauses) or "1"
        sql = f"SELECT {COLUMNS} FROM {self.tables.events} WHERE {where} ORDER BY position DESC LIMIT ?"
        async with db.execute(sql, [*params, limit]) as cursor:
            rows = await cursor.fetchall()
        return (counted[0] if counted else 0), [_decode(row) for row in rows]

    async def _scan(
        self, *, after: int, limit: int, since: datetime.datetime | None, until: datetime.datetime | None
    ) -> list[ScannedRow]:
        db = self._require_reader()
        clauses, params = _where(AuditFilter(since=since, until=until), self.tables)
        where = " AND ".join(["position > ?", *clauses])
        sql = f"SELECT {COLUMNS} FROM {self.tables.events} WHERE {where} ORDER BY position LIMIT ?"
        async with db.execute(sql, [after, *params, limit]) as cursor:
            return [_decode(row) for row in await cursor.fetchall()]

    @contextlib.asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[_SqliteSnapshot]:
        """Its own connection and one read transaction: the head, checkpoint and rows all of one moment."""
        db = await self._connect_reader()
        try:
            await db.execute("BEGIN")
            checkpoint = await _checkpoint(db, self.tables)
            head = await _head(db, self.tables)
            yield _SqliteSnapshot(db, self.tables, checkpoint, head)
            await db.execute("COMMIT")
        finally:
            await db.close()

    async def _first_at_or_after(self, moment: datetime.datetime, *, after: int) -> int | None:
        db = self._require_reader()
        sql = f"SELECT min(position) FROM {self.tables.events} WHERE at >= ? AND position > ?"
        async with db.execute(sql, (_at_text(moment), after)) as cursor:
            row = await cursor.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    async def _prune_through(self, position: int) -> int:
        return await self._require_writer().run(functools.partial(self._prune, position))

    def _prune(self, position: int, db: sqlite3.Connection) -> int:
        """One transaction, on the writer's thread (so never inside a batch of appends)."""
        t = self.tables
        self._begin_immediate(db)
        current = _link(db.execute(CHECKPOINT_SQL.format(table=t.checkpoint)).fetchone())
        if current is not None and current.position >= position:  # another process pruned it already
            db.execute("ROLLBACK")
            return 0
        row = db.execute(f"SELECT hash FROM {t.events} WHERE position = ?", (position,)).fetchone()
        if row is None:
            raise sqlite3.IntegrityError("the last row to prune is missing")
        link = checkpoint_link(self._key, position, row[0])
        db.execute(
            f"INSERT OR REPLACE INTO {t.checkpoint} (id, position, hash, mac, pruned_at) VALUES (1, ?, ?, ?, ?)",
            (link.position, link.hash, link.mac, _at_text(datetime.datetime.now(datetime.UTC))),
        )
        db.execute(f"DELETE FROM {t.subjects} WHERE position <= ?", (position,))
        removed = db.execute(f"DELETE FROM {t.events} WHERE position <= ?", (position,)).rowcount
        db.execute("COMMIT")
        return removed

    def _begin_immediate(self, db: sqlite3.Connection) -> None:
        """Take the write lock, trying every millisecond or so (jittered, so waiting processes do not move in
        step) until the lock wait is over."""
        _until_free(lambda: db.execute("BEGIN IMMEDIATE"), self._lock_wait_s, lambda: random.uniform(0.0005, 0.002))

    def _require_writer(self) -> _WriterThread:
        if self._writer is None:
            raise sqlite3.OperationalError("the audit store is not started")
        return self._writer

    def _require_reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise sqlite3.OperationalError("the audit store is not started")
        return self._reader


class _SqliteSnapshot:
    def __init__(
        self, db: aiosqlite.Connection, tables: Tables, checkpoint: ChainLink | None, head: ChainLink | None
    ) -> None:
        self._db = db
        self._tables = tables
        self.checkpoint = checkpoint
        self.head = head

    async def rows(self, after: int) -> AsyncIterator[ScannedRow]:
        while True:
            sql = f"SELECT {COLUMNS} FROM {self._tables.events} WHERE position > ? ORDER BY position LIMIT ?"
            async with self._db.execute(sql, (after, SCAN_CHUNK)) as cursor:
                rows = [_decode(row) for row in await cursor.fetchall()]
            for row in rows:
                yield row
            if len(rows) < SCAN_CHUNK:
                return
            after = rows[-1].position


HEAD_SQL = "SELECT position, hash, mac FROM {table} WHERE id = 1"
CHECKPOINT_SQL = "SELECT position, hash, mac FROM {table} WHERE id = 1"


def _link(row: Sequence[Any] | None) -> ChainLink | None:
    return None if row is None else ChainLink(int(row[0]), str(row[1]), str(row[2]))


async def _head(db: aiosqlite.Connection, t: Tables) -> ChainLink | None:
    """The head; None when it is missing (deleted), which verification reports."""
    async with db.execute(HEAD_SQL.format(table=t.head)) as cursor:
        return _link(await cursor.fetchone())


async def _checkpoint(db: aiosqlite.Connection, t: Tables) -> ChainLink | None:
    async with db.execute(CHECKPOINT_SQL.format(table=t.checkpoint)) as cursor:
        return _link(await cursor.fetchone())


def _where(f: AuditFilter, t: Tables) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if f.actor_id is not None:
        clauses.append("actor_id = ?")
        params.append(f.actor_id)
    if f.subject_id is not None:
        clauses.append(f"position IN (SELECT position FROM {t.subjects} WHERE subject_id = ?)")
        params.append(f.subject_id)
    if f.action is not None:
        clauses.append("action = ?")
        params.append(f.action.value)
    if f.since is not None:
        clauses.append("at >= ?")
        params.append(_at_text(f.since))
    if f.until is not None:
        clauses.append("at < ?")
        params.append(_at_text(f.until))
    if f.case_reference is not None:
        clauses.append("case_reference = ?")
        params.append(f.case_reference)
    if f.team is not None:
        clauses.append("team = ?")
        params.append(f.team)
    return clauses, params


def _at_text(moment: datetime.datetime) -> str:
    """Fixed width, UTC: text order is time order, so `at` compares and indexes as text."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _encode(row: StoredEvent) -> tuple[object, ...]:
    e = row.event
    return (
        row.position,
        _at_text(e.at),
        e.actor_id,
        e.actor_name,
        _json_list(e.roles),
        e.team,
        e.client_id,
        e.purpose,
        e.case_reference,
        e.request_id,
        e.action.value,
        _json_list(e.subject_ids),
        _json_list(e.services),
        e.search_terms,
        e.reason,
        row.previous_hash,
        row.hash,
        row.mac,
    )


def _json_list(values: Iterable[str]) -> str:
    return orjson.dumps(list(values)).decode()  # compact UTF-8 JSON, as `json.dumps(ensure_ascii=False)` wrote it


def _decode(row: Sequence[Any]) -> ScannedRow:
    """A stored row back into an event; None as the event if any column is not what the store wrote."""
    values = dict(zip(EVENT_COLUMNS, row, strict=True))
    event: AuditEvent | None
    try:
        at = datetime.datetime.fromisoformat(_text(values["at"]))
        if at.tzinfo is None:
            raise ValueError("naive time")
        event = AuditEvent(
            at=at,
            actor_id=_text(values["actor_id"]),
            actor_name=_optional_text(values["actor_name"]),
            roles=_text_list(values["roles"]),
            team=_optional_text(values["team"]),
            client_id=_optional_text(values["client_id"]),
            purpose=_optional_text(values["purpose"]),
            case_reference=_optional_text(values["case_reference"]),
            request_id=_text(values["request_id"]),
            action=AuditAction(values["action"]),
            subject_ids=_text_list(values["subject_ids"]),
            services=_text_list(values["services"]),
            search_terms=_optional_text(values["search_terms"]),
            reason=_optional_text(values["reason"]),
        )
    except (ValueError, TypeError):
        event = None
    return ScannedRow(
        position=int(values["position"]),
        previous_hash=str(values["previous_hash"]),
        hash=str(values["hash"]),
        mac=str(values["mac"]),
        event=event,
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _text_list(value: object) -> tuple[str, ...]:
    items = json.loads(_text(value))
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise TypeError("not a list of text")
    return tuple(items)


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _until_free(attempt: Callable[[], object], wait_s: float, pause_s: Callable[[], float]) -> None:
    """`attempt()`, tried again after `pause_s()` seconds while SQLite answers busy or locked, until `wait_s` has
    passed (then the last error is raised). On the writer's thread, which waits for nothing else."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            attempt()
            return
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() >= deadline:
                raise
        time.sleep(pause_s())


class _WriterThread:
    """The trail's one writing connection, on a thread of its own; each call runs one whole transaction there.

    Nothing is left open between calls. A call that fails closes the connection, which rolls back whatever it had
    open, and the next call opens a fresh one. A caller that stops waiting (its timeout) does not stop its call,
    which ends within the lock wait (or commits: the trail errs towards recording too much, never too little);
    the next call runs after it, in order.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-writer")
        self._db: sqlite3.Connection | None = None

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._run, work)

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._db is None:
            self._db = self._connect()
        try:
            return work(self._db)
        except BaseException:
            self._discard()
            raise

    def _discard(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(Exception):
                db.close()

    async def close(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._discard)
        finally:
            self._executor.shutdown(wait=False)


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _create_private(path: Path) -> None:
    """Create the file readable by its owner only: the trail holds search terms and who was looked at.
    SQLite gives the -wal and -shm files the same permissions as the database file."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
