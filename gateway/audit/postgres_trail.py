"""The audit trail in PostgreSQL, through an asyncpg pool: for authorities running several gateway hosts.

Every write transaction first takes `pg_advisory_xact_lock` on a key fixed for the trail (derived from its table
prefix), then reads the head and inserts: writers on any host queue behind each other, so the chain never forks
and positions are never reused. The lock is released by the commit or rollback itself, so a writer that dies
cannot leave it held. Subject ids are a `text[]` with a GIN index.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any, overload

import asyncpg

from gateway.audit.chain import ChainLink, ScannedRow, checkpoint_link, extend, genesis_head
from gateway.audit.events import PreparedEvent
from gateway.audit.settings import AuditSettings
from gateway.audit.store import ChainedTrail
from gateway.audit.tables import EVENT_COLUMNS, Tables
from resolvers.audit_trail import AuditAction, AuditEvent, AuditFilter, StoredEvent

SCAN_CHUNK = 1000
COLUMNS = ", ".join(EVENT_COLUMNS)
APPLICATION_NAME = "family-context-audit"


def schema(t: Tables) -> list[str]:
    statements = [f"CREATE SCHEMA IF NOT EXISTS {t.schema}"] if t.schema else []
    return [
        *statements,
        f"""CREATE TABLE IF NOT EXISTS {t.events} (
            position bigint PRIMARY KEY,
            at timestamptz NOT NULL,
            actor_id text NOT NULL,
            actor_name text,
            roles text[] NOT NULL,
            team text,
            client_id text,
            purpose text,
            case_reference text,
            request_id text NOT NULL,
            action text NOT NULL,
            subject_ids text[] NOT NULL,
            services text[] NOT NULL,
            search_terms text,
            reason text,
            previous_hash text NOT NULL,
            hash text NOT NULL,
            mac text NOT NULL
        )""",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_at')} ON {t.events} (at)",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_actor')} ON {t.events} (actor_id, position)",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_action')} ON {t.events} (action, position)",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_case')} ON {t.events} (case_reference, position)",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_team')} ON {t.events} (team, position)",
        f"CREATE INDEX IF NOT EXISTS {t.index('events_subjects')} ON {t.events} USING gin (subject_ids)",
        f"""CREATE TABLE IF NOT EXISTS {t.head} (
            id smallint PRIMARY KEY CHECK (id = 1),
            position bigint NOT NULL,
            hash text NOT NULL,
            mac text NOT NULL
        )""",
        f"""CREATE TABLE IF NOT EXISTS {t.checkpoint} (
            id smallint PRIMARY KEY CHECK (id = 1),
            position bigint NOT NULL,
            hash text NOT NULL,
            mac text NOT NULL,
            pruned_at timestamptz NOT NULL
        )""",
    ]


def lock_key(table_prefix: str) -> int:
    """The advisory lock's key: fixed for one trail, different for trails with other prefixes (tests)."""
    digest = hashlib.sha256(f"family-context-audit:{table_prefix}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresAuditTrail(ChainedTrail):
    backend = "postgres"

    def __init__(self, settings: AuditSettings, key: bytes) -> None:
        super().__init__(key, timeout_s=settings.timeout_s)
        if not settings.dsn:
            raise ValueError("audit.dsn is required for backend = postgres")
        self._settings = settings
        self.tables = Tables.of(settings.table_prefix)
        self._lock = lock_key(settings.table_prefix)
        self._pool: asyncpg.Pool | None = None

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (asyncpg.PostgresError, asyncpg.InterfaceError)

    async def _open(self) -> None:
        s = self._settings
        self._pool = await asyncpg.create_pool(
            s.dsn,
            password=os.environ.get(s.password_env) or None,  # None: asyncpg's own PGPASSWORD / .pgpass
            min_size=0,  # no connection kept open by force: no reconnect loop (and its log) while the server is down
            max_size=max(2, s.pool_size),
            timeout=s.timeout_s,  # connecting
            command_timeout=s.timeout_s,
            server_settings={"application_name": f"{APPLICATION_NAME}:{s.table_prefix}"[:63]},
        )
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                # Tables already there: no DDL at all, so the gateway's role needs no CREATE privilege.
                present = await connection.fetchval(
                    "SELECT count(*) FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL",
                    list(self.tables.all),
                )
                if present == len(self.tables.all):
                    return
                # Serialised by the lock: several workers starting at once must not race to create the tables.
                await connection.execute("SELECT pg_advisory_xact_lock($1)", self._lock)
                for statement in schema(self.tables):
                    await connection.execute(statement)
                head = genesis_head(self._key)
                await connection.execute(  # only for a new trail: a deleted head must stay missing, not restart
                    f"INSERT INTO {self.tables.head} (id, position, hash, mac) SELECT 1, $1, $2, $3 "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {self.tables.events}) ON CONFLICT (id) DO NOTHING",
                    head.position,
                    head.hash,
                    head.mac,
                )
        except BaseException:
            await self._close()
            raise

    async def _close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), self._timeout_s)
        except Exception:
            pool.terminate()

    def _require_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise asyncpg.InterfaceError("the audit store is not started")
        return self._pool

    async def _write(self, events: Sequence[PreparedEvent]) -> None:
        t = self.tables
        pool = self._require_pool()
        async with pool.acquire(timeout=self._timeout_s) as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", self._lock)
            head = await _head(connection, t)
            rows, new_head = extend(self._key, head, events)
            marks = ", ".join(f"${i}" for i in range(1, len(EVENT_COLUMNS) + 1))
            await connection.executemany(
                f"INSERT INTO {t.events} ({COLUMNS}) VALUES ({marks})", [_encode(r) for r in rows]
            )
            await connection.execute(
                f"UPDATE {t.head} SET position = $1, hash = $2, mac = $3 WHERE id = 1",
                new_head.position,
                new_head.hash,
                new_head.mac,
            )

    async def _page(self, audit_filter: AuditFilter, *, limit: int, before: int | None) -> tuple[int, list[ScannedRow]]:
        clauses, params = _where(audit_filter)
        where = " AND ".join(clauses) or "true"
        async with self._require_pool().acquire(timeout=self._timeout_s) as connection:
            total = await connection.fetchval(f"SELECT count(*) FROM {self.tables.events} WHERE {where}", *params)
            if before is not None:
                params.append(before)
                clauses.append(f"position < ${len(params)}")
            params.append(limit)
            where = " AND ".join(clauses) or "true"
            rows = await connection.fetch(
                f"SELECT {COLUMNS} FROM {self.tables.events} WHERE {where} ORDER BY position DESC LIMIT ${len(params)}",
                *params,
            )
        return int(total), [_decode(row) for row in rows]

    async def _scan(
        self, *, after: int, limit: int, since: datetime.datetime | None, until: datetime.datetime | None
    ) -> list[ScannedRow]:
        clauses, params = _where(AuditFilter(since=since, until=until))
        params.append(after)
        clauses.append(f"position > ${len(params)}")
        params.append(limit)
        sql = (
            f"SELECT {COLUMNS} FROM {self.tables.events} WHERE {' AND '.join(clauses)} "
            f"ORDER BY position LIMIT ${len(params)}"
        )
        async with self._require_pool().acquire(timeout=self._timeout_s) as connection:
            rows = await connection.fetch(sql, *params)
        return [_decode(row) for row in rows]

    @contextlib.asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[_PostgresSnapshot]:
        """A repeatable-read, read-only transaction: the head, checkpoint and rows all of one moment."""
        async with (
            self._require_pool().acquire(timeout=self._timeout_s) as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            checkpoint = await _checkpoint(connection, self.tables)
            head = await _head(connection, self.tables, required=False)
            yield _PostgresSnapshot(connection, self.tables, checkpoint, head)

    async def _first_at_or_after(self, moment: datetime.datetime, *, after: int) -> int | None:
        sql = f"SELECT min(position) FROM {self.tables.events} WHERE at >= $1 AND position > $2"
        async with self._require_pool().acquire(timeout=self._timeout_s) as connection:
            value = await connection.fetchval(sql, moment.astimezone(datetime.UTC), after)
        return None if value is None else int(value)

    async def _prune_through(self, position: int) -> int:
        t = self.tables
        async with self._require_pool().acquire(timeout=self._timeout_s) as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", self._lock)
            current = await _checkpoint(connection, t)
            if current is not None and current.position >= position:  # another process pruned it already
                return 0
            hash_hex = await connection.fetchval(f"SELECT hash FROM {t.events} WHERE position = $1", position)
            if hash_hex is None:
                raise asyncpg.InterfaceError("the last row to prune is missing")
            link = checkpoint_link(self._key, position, hash_hex)
            await connection.execute(
                f"INSERT INTO {t.checkpoint} (id, position, hash, mac, pruned_at) VALUES (1, $1, $2, $3, now()) "
                "ON CONFLICT (id) DO UPDATE SET position = EXCLUDED.position, hash = EXCLUDED.hash, "
                "mac = EXCLUDED.mac, pruned_at = EXCLUDED.pruned_at",
                link.position,
                link.hash,
                link.mac,
            )
            status = await connection.execute(f"DELETE FROM {t.events} WHERE position <= $1", position)
        return int(status.split()[-1])


class _PostgresSnapshot:
    def __init__(self, connection: Any, tables: Tables, checkpoint: ChainLink | None, head: ChainLink | None) -> None:
        self._connection = connection
        self._tables = tables
        self.checkpoint = checkpoint
        self.head = head

    async def rows(self, after: int) -> AsyncIterator[ScannedRow]:
        sql = f"SELECT {COLUMNS} FROM {self._tables.events} WHERE position > $1 ORDER BY position"
        async for row in self._connection.cursor(sql, after, prefetch=SCAN_CHUNK):
            yield _decode(row)


@overload
async def _head(connection: Any, t: Tables) -> ChainLink: ...
@overload
async def _head(connection: Any, t: Tables, *, required: bool) -> ChainLink | None: ...
async def _head(connection: Any, t: Tables, *, required: bool = True) -> ChainLink | None:
    """The head; a missing one (deleted) stops appends (fail closed) and is reported by verification."""
    row = await connection.fetchrow(f"SELECT position, hash, mac FROM {t.head} WHERE id = 1")
    if row is None:
        if required:
            raise asyncpg.InterfaceError("the audit trail's head row is missing")
        return None
    return ChainLink(int(row["position"]), str(row["hash"]), str(row["mac"]))


async def _checkpoint(connection: Any, t: Tables) -> ChainLink | None:
    row = await connection.fetchrow(f"SELECT position, hash, mac FROM {t.checkpoint} WHERE id = 1")
    return None if row is None else ChainLink(int(row["position"]), str(row["hash"]), str(row["mac"]))


def _where(f: AuditFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []

    def add(sql: str, value: Any) -> None:
        params.append(value)
        clauses.append(sql.format(f"${len(params)}"))

    if f.actor_id is not None:
        add("actor_id = {}", f.actor_id)
    if f.subject_id is not None:
        add("subject_ids @> ARRAY[{}]::text[]", f.subject_id)
    if f.action is not None:
        add("action = {}", f.action.value)
    if f.since is not None:
        add("at >= {}", f.since.astimezone(datetime.UTC))
    if f.until is not None:
        add("at < {}", f.until.astimezone(datetime.UTC))
    if f.case_reference is not None:
        add("case_reference = {}", f.case_reference)
    if f.team is not None:
        add("team = {}", f.team)
    return clauses, params


def _encode(row: StoredEvent) -> tuple[object, ...]:
    e = row.event
    return (
        row.position,
        e.at,
        e.actor_id,
        e.actor_name,
        list(e.roles),
        e.team,
        e.client_id,
        e.purpose,
        e.case_reference,
        e.request_id,
        e.action.value,
        list(e.subject_ids),
        list(e.services),
        e.search_terms,
        e.reason,
        row.previous_hash,
        row.hash,
        row.mac,
    )


def _decode(row: Any) -> ScannedRow:
    """A stored row back into an event; None as the event if any column is not what the store wrote."""
    event: AuditEvent | None
    try:
        at = row["at"]
        if not isinstance(at, datetime.datetime) or at.tzinfo is None:
            raise TypeError("not a time")
        event = AuditEvent(
            at=at.astimezone(datetime.UTC),
            actor_id=row["actor_id"],
            actor_name=row["actor_name"],
            roles=_text_tuple(row["roles"]),
            team=row["team"],
            client_id=row["client_id"],
            purpose=row["purpose"],
            case_reference=row["case_reference"],
            request_id=row["request_id"],
            action=AuditAction(row["action"]),
            subject_ids=_text_tuple(row["subject_ids"]),
            services=_text_tuple(row["services"]),
            search_terms=row["search_terms"],
            reason=row["reason"],
        )
    except (ValueError, TypeError):
        event = None
    return ScannedRow(
        position=int(row["position"]),
        previous_hash=str(row["previous_hash"]),
        hash=str(row["hash"]),
        mac=str(row["mac"]),
        event=event,
    )


def _text_tuple(values: Any) -> tuple[str, ...]:
    """NULL elements (an edit: the store never writes them) make the row undecodable."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TypeError("not a list of text")
    return tuple(values)
