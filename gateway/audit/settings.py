"""`[audit]`: where the audit trail lives and where its MAC key comes from (never from the file itself).

Parsed by `gateway.settings` like every other table, so a bad value fails at start-up naming the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

AuditBackend = Literal["sqlite", "postgres"]
BACKENDS: tuple[str, ...] = ("sqlite", "postgres")

DEFAULT_PATH = Path("family-context-audit.sqlite")
DEFAULT_KEY_ENV = "FC_AUDIT_KEY"
DEFAULT_PASSWORD_ENV = "PGPASSWORD"
DEFAULT_TABLE_PREFIX = "family_context_audit"
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_POOL_SIZE = 4

# An environment variable's name, and a table prefix (optionally schema-qualified for PostgreSQL). The prefix is
# spliced into SQL, so it is held to plain lower-case identifiers, short enough for PostgreSQL's 63-byte names.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TABLE_PREFIX = re.compile(r"(?:([a-z_][a-z0-9_]{0,39})\.)?([a-z_][a-z0-9_]{0,39})")

KEY_IN_FILE = (
    "{where} is not allowed: the audit MAC key must never be written in the configuration file. Put it in the "
    "environment variable named by audit.key_env (default FC_AUDIT_KEY) or in a file named by audit.key_file "
    "(readable by its owner only)"
)
KEY_SOURCES_BOTH = "{key_env} and {key_file} are both set: give one (where the audit MAC key comes from)"
DSN_REQUIRED = "{where} is required for backend = postgres (e.g. postgresql://family_context@db.example/audit)"
DSN_NOT_POSTGRES = "{where} must be a postgresql:// address"
DSN_HAS_PASSWORD = (
    "{where} must not hold a password: put it in the environment variable named by audit.password_env "
    "(default PGPASSWORD)"
)
BAD_ENV_NAME = "{where} must be the name of an environment variable (letters, digits and _)"
BAD_TABLE_PREFIX = (
    "{where} must be a lower-case identifier of at most 40 characters (letters, digits, _), optionally "
    "schema-qualified for postgres (schema.prefix)"
)
SQLITE_SCHEMA = "{where}: a schema-qualified prefix applies only to backend = postgres"


@dataclass(frozen=True, kw_only=True)
class AuditSettings:
    """Where the trail is kept. Secrets (the MAC key, the database password) are named here, never held."""

    backend: AuditBackend = "sqlite"
    path: Path = DEFAULT_PATH  # sqlite: the database file (its -wal and -shm files sit next to it)
    dsn: str | None = None  # postgres: postgresql://user@host:port/database, without a password
    password_env: str = DEFAULT_PASSWORD_ENV  # postgres: the environment variable holding the password
    key_env: str = DEFAULT_KEY_ENV  # the environment variable holding the MAC key (hex or base64, >= 32 bytes)
    key_file: Path | None = None  # or a file holding it, readable by its owner only
    table_prefix: str = DEFAULT_TABLE_PREFIX  # tables are <prefix>_events, <prefix>_head, ...
    timeout_s: float = DEFAULT_TIMEOUT_S  # an append that cannot commit within this fails (fail closed)
    pool_size: int = DEFAULT_POOL_SIZE  # postgres: connections in the pool (one writer, the rest readers)
