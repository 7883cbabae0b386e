"""Fail closed: when the store cannot commit, `append` raises `AuditUnavailable` within its timeout (never
hangs), and once the store is back a later append succeeds and the chain still verifies."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from gateway.audit.open_trail import open_audit_trail
from gateway.audit.postgres_trail import APPLICATION_NAME, lock_key
from gateway.audit.settings import AuditSettings
from gateway.audit.store import ChainedTrail
from gateway.audit.tables import Tables
from resolvers.audit_trail import AuditFilter, AuditUnavailable
from tests.gateway.audit.support import (
    all_events,
    asyncpg_dsn_host_port,
    drop_postgres_tables,
    event,
    postgres_dsn,
    proxy_to,
    with_host_port,
)

SHORT_S = 0.5


async def appends_fail_closed(trail: ChainedTrail, count: int, *, within_s: float) -> None:
    """`count` concurrent appends all raise AuditUnavailable, all within `within_s`."""
    started = time.monotonic()
    results = await asyncio.gather(
        *(trail.append([event(n, request_id=f"lost-{n}")]) for n in range(count)), return_exceptions=True
    )
    assert all(isinstance(r, AuditUnavailable) for r in results), results
    assert time.monotonic() - started < within_s


async def recovered(trail: ChainedTrail, *, kept: int) -> None:
    """A later append succeeds; none of the failed appends' events were written; the chain verifies."""
    await trail.append([event(99, request_id="after")])
    stored = await all_events(trail)
    assert [s.event.request_id for s in stored][-1] == "after"
    assert len(stored) == kept + 1 and not any(s.event.request_id.startswith("lost-") for s in stored)
    assert [s.position for s in stored] == list(range(1, kept + 2))
    assert (await trail.verify()).ok


# -- SQLite ------------------------------------------------------------------------------------------------------


async def test_sqlite_locked_by_another_connection(tmp_path: Path, key: bytes) -> None:
    settings = AuditSettings(path=tmp_path / "audit.sqlite", timeout_s=SHORT_S)
    async with open_audit_trail(settings, key=key) as trail:
        await trail.append([event(0)])
        locker = sqlite3.connect(settings.path, isolation_level=None)
        try:
            locker.execute("BEGIN EXCLUSIVE")
            await appends_fail_closed(trail, 20, within_s=SHORT_S + 1.5)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        await recovered(trail, kept=1)


def _chattr(flag: str, *paths: Path) -> bool:
    tool = shutil.which("chattr")
    if tool is None:
        return False
    return subprocess.run([tool, flag, *map(str, paths)], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Really read-only, for this process too: chmod for a normal user; for root (whom chmod does not stop), the
    immutable attribute. Never on the -shm file, which SQLite maps into memory."""
    existing = [p for p in paths if p.exists()]
    if os.geteuid() == 0:
        if not _chattr("+i", *existing):
            pytest.skip("running as root, where chmod does not stop writes, and chattr +i is not available here")
        try:
            yield
        finally:
            _chattr("-i", *existing)
        return
    modes = {p: p.stat().st_mode for p in existing}
    for p in existing:
        p.chmod(0o444)
    try:
        yield
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


async def test_sqlite_store_on_a_read_only_file(tmp_path: Path, key: bytes) -> None:
    settings = AuditSettings(path=tmp_path / "audit.sqlite", timeout_s=SHORT_S)
    async with open_audit_trail(settings, key=key) as trail:
        await trail.append([event(0)])
    with contextlib.ExitStack() as stack:
        stack.enter_context(read_only(settings.path))
        async with open_audit_trail(settings, key=key) as trail:
            await appends_fail_closed(trail, 5, within_s=SHORT_S + 1.5)
            assert (await trail.read(AuditFilter(), first=5, after=None)).total_count == 1  # reads go on
            stack.close()  # writable again
            await recovered(trail, kept=1)


async def test_sqlite_file_made_read_only_while_open(tmp_path: Path, key: bytes) -> None:
    if os.geteuid() != 0:
        pytest.skip("an open file stays writable after chmod; only root's chattr +i makes it read-only under us")
    settings = AuditSettings(path=tmp_path / "audit.sqlite", timeout_s=SHORT_S)
    async with open_audit_trail(settings, key=key) as trail:
        await trail.append([event(0)])
        wal = Path(f"{settings.path}-wal")
        with contextlib.ExitStack() as stack:
            stack.enter_context(read_only(settings.path, wal))
            await appends_fail_closed(trail, 5, within_s=SHORT_S + 1.5)
        await recovered(trail, kept=1)


async def test_sqlite_store_that_cannot_be_created_fails_at_start(tmp_path: Path, key: bytes) -> None:
    settings = AuditSettings(path=tmp_path / "no-such-directory" / "audit.sqlite")
    with pytest.raises(AuditUnavailable, match=r"the audit store \(sqlite .*audit.sqlite\) could not be opened"):
        async with open_audit_trail(settings, key=key):
            pass


# -- PostgreSQL --------------------------------------------------------------------------------------------------


@pytest.fixture
async def pg_settings() -> AsyncIterator[AuditSettings]:
    dsn = postgres_dsn()
    prefix = f"fc_audit_test_{uuid.uuid4().hex[:12]}"
    try:
        yield AuditSettings(backend="postgres", dsn=dsn, table_prefix=prefix, timeout_s=SHORT_S)
    finally:
        await drop_postgres_tables(dsn, Tables.of(prefix))


@contextlib.asynccontextmanager
async def advisory_lock_held(settings: AuditSettings) -> AsyncIterator[asyncpg.Connection]:
    """Another session holding the trail's write lock, as a stuck writer on another host would."""
    assert settings.dsn is not None
    holder = await asyncpg.connect(settings.dsn)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", lock_key(settings.table_prefix))
        yield holder
        await holder.execute("SELECT pg_advisory_unlock($1)", lock_key(settings.table_prefix))
    finally:
        await holder.close()


@pytest.mark.postgres
async def test_postgres_write_lock_held_elsewhere_times_out(pg_settings: AuditSettings, key: bytes) -> None:
    async with open_audit_trail(pg_settings, key=key) as trail:
        await trail.append([event(0)])
        async with advisory_lock_held(pg_settings):
            await appends_fail_closed(trail, 20, within_s=SHORT_S + 1.5)
        await recovered(trail, kept=1)


@pytest.mark.postgres
async def test_postgres_connection_terminated_mid_append(pg_settings: AuditSettings, key: bytes) -> None:
    settings = dataclasses.replace(pg_settings, timeout_s=10.0)
    async with open_audit_trail(settings, key=key) as trail:
        await trail.append([event(0)])
        async with advisory_lock_held(settings) as admin:
            append = asyncio.create_task(trail.append([event(1, request_id="lost-1")]))
            application = f"{APPLICATION_NAME}:{settings.table_prefix}"
            pids: list[int] = []
            for _ in range(100):  # until our writer is waiting for the lock, inside its transaction
                rows = await admin.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
                    application,
                )
                pids = [row["pid"] for row in rows]
                if pids:
                    break
                await asyncio.sleep(0.05)
            assert pids, "the writer never waited for the lock"
            started = time.monotonic()
            await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", pids)
            with pytest.raises(AuditUnavailable):
                await append
            assert time.monotonic() - started < 3.0
        await recovered(trail, kept=1)


@pytest.mark.postgres
async def test_postgres_server_unreachable_then_back(pg_settings: AuditSettings, key: bytes) -> None:
    assert pg_settings.dsn is not None
    async with proxy_to(pg_settings.dsn) as proxy:
        settings = dataclasses.replace(pg_settings, dsn=with_host_port(pg_settings.dsn, "127.0.0.1", proxy.port))
        async with open_audit_trail(settings, key=key) as trail:
            await trail.append([event(0)])
            await proxy.stop()
            await appends_fail_closed(trail, 20, within_s=SHORT_S + 1.5)
            with pytest.raises(AuditUnavailable):
                await trail.read(AuditFilter(), first=5, after=None)
            await proxy.start()
            await recovered(trail, kept=1)


@pytest.mark.postgres
async def test_postgres_unreachable_at_start_fails_at_start(pg_settings: AuditSettings, key: bytes) -> None:
    assert pg_settings.dsn is not None
    host, _ = asyncpg_dsn_host_port(pg_settings.dsn)
    async with proxy_to(pg_settings.dsn) as proxy:
        port = proxy.port
    settings = dataclasses.replace(pg_settings, dsn=with_host_port(pg_settings.dsn, host, port))
    started = time.monotonic()
    with pytest.raises(AuditUnavailable, match=rf"the audit store \(postgres {host}:{port}/.*\) could not be opened"):
        async with open_audit_trail(settings, key=key):
            pass
    assert time.monotonic() - started < SHORT_S + 1.5
