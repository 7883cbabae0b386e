"""Helpers for the audit store's tests: events, the PostgreSQL test server, raw SQL on a store's own tables
(to tamper with them as an attacker with database access would), and a TCP proxy to cut the database off."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import pytest

from gateway.audit.chain import event_hash
from gateway.audit.store import ChainedTrail
from gateway.audit.tables import EVENT_COLUMNS, Tables
from resolvers.audit_trail import AuditAction, AuditEvent, StoredEvent

DSN_ENV = "FC_TEST_POSTGRES_DSN"
REQUIRE_ENV = "FC_REQUIRE_POSTGRES"
NO_POSTGRES = (
    f"PostgreSQL audit tests need {DSN_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test); "
    f"set {REQUIRE_ENV}=1 to make its absence a failure"
)
T0 = datetime.datetime(2024, 3, 1, 9, 0, tzinfo=datetime.UTC)


def postgres_dsn() -> str:
    """The test server's DSN; skip without one, unless CI requires PostgreSQL (then fail)."""
    dsn = os.environ.get(DSN_ENV, "").strip()
    if not dsn:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {DSN_ENV} is not set: the PostgreSQL audit tests cannot run")
        pytest.skip(NO_POSTGRES)
    return dsn


def event(
    n: int = 0,
    *,
    at: datetime.datetime | None = None,
    actor_id: str = "worker-1",
    team: str | None = "north",
    action: AuditAction = AuditAction.VIEWED_BASIC_DETAILS,
    subject_ids: tuple[str, ...] = ("P1",),
    case_reference: str | None = None,
    request_id: str | None = None,
    search_terms: str | None = None,
) -> AuditEvent:
    return AuditEvent(
        at=at or T0 + datetime.timedelta(minutes=n),
        actor_id=actor_id,
        actor_name="Sam Worker",
        roles=("SOCIAL_WORKER",),
        team=team,
        client_id=None,
        purpose="ASSESSMENT",
        case_reference=case_reference,
        request_id=request_id or f"req-{n}",
        action=action,
        subject_ids=subject_ids,
        services=("POLICE", "HOUSING"),
        search_terms=search_terms,
        reason=None,
    )


async def all_events(trail: ChainedTrail) -> list[StoredEvent]:
    return [stored async for stored in trail.export()]


class Raw(Protocol):
    """SQL straight on the store's tables (`?` placeholders), bypassing the store."""

    tables: Tables

    async def execute(self, sql: str, *params: Any) -> None: ...

    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]: ...


@dataclass
class SqliteRaw:
    path: Path
    tables: Tables

    async def execute(self, sql: str, *params: Any) -> None:
        with contextlib.closing(sqlite3.connect(self.path, isolation_level=None, timeout=5)) as db:
            db.execute(sql, params)

    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        with contextlib.closing(sqlite3.connect(self.path, isolation_level=None, timeout=5)) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute(sql, params).fetchall()]


@dataclass
class PostgresRaw:
    dsn: str
    tables: Tables

    async def execute(self, sql: str, *params: Any) -> None:
        connection = await asyncpg.connect(self.dsn)
        try:
            await connection.execute(_dollars(sql), *params)
        finally:
            await connection.close()

    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        connection = await asyncpg.connect(self.dsn)
        try:
            return [dict(row) for row in await connection.fetch(_dollars(sql), *params)]
        finally:
            await connection.close()


def _dollars(sql: str) -> str:
    counter = iter(range(1, 1000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


async def drop_postgres_tables(dsn: str, tables: Tables) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        for table in tables.all:
            await connection.execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        await connection.close()


# -- tampering, as someone with write access to the database but without the MAC key ---------------------------


async def raw_row(raw: Raw, position: int) -> dict[str, Any]:
    rows = await raw.fetch(f"SELECT * FROM {raw.tables.events} WHERE position = ?", position)
    assert rows, position
    return rows[0]


async def edit_column(raw: Raw, position: int, column: str, value: Any) -> None:
    await raw.execute(f"UPDATE {raw.tables.events} SET {column} = ? WHERE position = ?", value, position)


async def delete_row(raw: Raw, position: int) -> None:
    await raw.execute(f"DELETE FROM {raw.tables.events} WHERE position = ?", position)


async def shift_positions(raw: Raw, from_position: int, by: int) -> None:
    """Renumber rows at and after `from_position` (in two steps: the primary key is checked row by row)."""
    t = raw.tables.events
    await raw.execute(f"UPDATE {t} SET position = -(position + ?) WHERE position >= ?", by, from_position)
    await raw.execute(f"UPDATE {t} SET position = -position WHERE position < 0")


async def insert_row(raw: Raw, values: dict[str, Any]) -> None:
    columns = ", ".join(EVENT_COLUMNS)
    marks = ", ".join("?" for _ in EVENT_COLUMNS)
    await raw.execute(
        f"INSERT INTO {raw.tables.events} ({columns}) VALUES ({marks})", *(values[c] for c in EVENT_COLUMNS)
    )


async def forge_after(raw: Raw, stored: Sequence[StoredEvent], position: int, *, actor_id: str) -> dict[str, Any]:
    """A row copied from `position`, claiming another actor, linked after `position` with a correct sha256 but
    without the key (its MAC is the copied row's)."""
    template = await raw_row(raw, position)
    original = _at(stored, position)
    forged_event = dataclasses.replace(original.event, actor_id=actor_id)
    previous = original.hash
    return {
        **template,
        "position": position + 1,
        "actor_id": actor_id,
        "previous_hash": previous,
        "hash": event_hash(previous, forged_event.canonical()),
    }


async def rehash_from(raw: Raw, stored: Sequence[StoredEvent], position: int, *, actor_id: str) -> None:
    """Edit the event at `position`, then recompute every hash after it with plain sha256 (and the head's hash),
    as a forger without the key would: the hashes all agree again, only the MACs cannot be redone."""
    await edit_column(raw, position, "actor_id", actor_id)
    previous = _at(stored, position - 1).hash if position > 1 else "0" * 64
    for item in (s for s in stored if s.position >= position):
        changed = dataclasses.replace(item.event, actor_id=actor_id) if item.position == position else item.event
        digest = event_hash(previous, changed.canonical())
        await raw.execute(
            f"UPDATE {raw.tables.events} SET previous_hash = ?, hash = ? WHERE position = ?",
            previous,
            digest,
            item.position,
        )
        previous = digest
    await raw.execute(f"UPDATE {raw.tables.head} SET hash = ? WHERE id = 1", previous)


def _at(stored: Sequence[StoredEvent], position: int) -> StoredEvent:
    return next(s for s in stored if s.position == position)


# -- a TCP proxy between the store and PostgreSQL, to make the server unreachable and reachable again -------------


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listening socket and cut every open connection: the server is gone."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        for task in (
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()
            self._writers.discard(writer)


@contextlib.asynccontextmanager
async def proxy_to(dsn: str) -> AsyncIterator[TcpProxy]:
    parts = asyncpg_dsn_host_port(dsn)
    proxy = TcpProxy(*parts)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


def asyncpg_dsn_host_port(dsn: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(dsn)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def with_host_port(dsn: str, host: str, port: int) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, f"{user}{host}:{port}", parts.path, parts.query, parts.fragment))
