"""Opening the configured audit store: the one entry point for the app's lifespan and the CLI."""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import AsyncIterator

from gateway.audit.keys import load_key
from gateway.audit.settings import AuditSettings
from gateway.audit.store import ChainedTrail
from resolvers.audit_trail import AuditUnavailable

START_FAILED = "the audit store ({where}) could not be opened: {error}"


def build_trail(settings: AuditSettings, key: bytes) -> ChainedTrail:
    """The store for `settings`, not yet started."""
    if settings.backend == "postgres":
        from gateway.audit.postgres_trail import PostgresAuditTrail  # asyncpg only where it is used

        return PostgresAuditTrail(settings, key)
    from gateway.audit.sqlite_trail import SqliteAuditTrail

    return SqliteAuditTrail(settings.path, key, table_prefix=settings.table_prefix, timeout_s=settings.timeout_s)


def location(settings: AuditSettings) -> str:
    """Where the store is, for messages: the file, or host, port and database (never a user or password)."""
    if settings.backend == "sqlite":
        return f"sqlite {settings.path}"
    parts = urllib.parse.urlsplit(settings.dsn or "")
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"postgres {host}{port}{parts.path}"


@contextlib.asynccontextmanager
async def open_audit_trail(settings: AuditSettings, *, key: bytes | None = None) -> AsyncIterator[ChainedTrail]:
    """The started store (key loaded, tables created), closed on exit.

    Raises `AuditKeyError` (a `ConfigError`) when the key is missing or weak, and `AuditUnavailable` when the
    store cannot be opened: either way the gateway should not start.
    """
    trail = build_trail(settings, load_key(settings) if key is None else key)
    try:
        await trail.start()
    except AuditUnavailable as exc:
        await trail.close()
        raise AuditUnavailable(START_FAILED.format(where=location(settings), error=exc)) from exc
    try:
        yield trail
    finally:
        await trail.close()
