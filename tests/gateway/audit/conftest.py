"""Fixtures: every store test runs against a SQLite file in tmp_path and against the PostgreSQL test server
(its own tables, dropped afterwards), through the real stores."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator

import pytest

from gateway.audit.open_trail import open_audit_trail
from gateway.audit.settings import AuditSettings
from gateway.audit.store import ChainedTrail
from gateway.audit.tables import Tables
from tests.gateway.audit.support import PostgresRaw, Raw, SqliteRaw, drop_postgres_tables, postgres_dsn

BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
TEST_TIMEOUT_S = 2.0


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def store_settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AuditSettings]:
    if backend == "sqlite":
        yield AuditSettings(path=tmp_path_factory.mktemp("audit") / "audit.sqlite", timeout_s=TEST_TIMEOUT_S)
        return
    dsn = postgres_dsn()
    prefix = f"fc_audit_test_{uuid.uuid4().hex[:12]}"
    try:
        yield AuditSettings(backend="postgres", dsn=dsn, table_prefix=prefix, timeout_s=TEST_TIMEOUT_S)
    finally:
        await drop_postgres_tables(dsn, Tables.of(prefix))


@pytest.fixture
def key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
async def trail(store_settings: AuditSettings, key: bytes) -> AsyncIterator[ChainedTrail]:
    async with open_audit_trail(store_settings, key=key) as opened:
        yield opened


@pytest.fixture
def raw(store_settings: AuditSettings) -> Raw:
    tables = Tables.of(store_settings.table_prefix)
    if store_settings.backend == "sqlite":
        return SqliteRaw(store_settings.path, tables)
    assert store_settings.dsn is not None
    return PostgresRaw(store_settings.dsn, tables)
