"""`[audit]` in the authority's file, and the MAC key: errors name the key; the key never comes from the file."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import pytest

from gateway.audit.keys import AuditKeyError, load_key
from gateway.audit.open_trail import open_audit_trail
from gateway.audit.settings import AuditSettings
from gateway.settings import ConfigError, parse_authority


def authority(audit: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "authority": {"name": "A"},
        "cms": {"system": "LCS", "kind": "cms_rest", "url": "http://127.0.0.1:1"},
    }
    if audit is not None:
        config["audit"] = audit
    return config


def test_defaults_without_an_audit_table() -> None:
    settings = parse_authority(authority()).audit
    assert settings == AuditSettings()
    assert (settings.backend, settings.path, settings.key_env) == (
        "sqlite",
        Path("family-context-audit.sqlite"),
        "FC_AUDIT_KEY",
    )


def test_a_postgres_table() -> None:
    settings = parse_authority(
        authority(
            {
                "backend": "postgres",
                "dsn": "postgresql://family_context@db.example:5433/audit?sslmode=require",
                "password_env": "FC_AUDIT_DB_PASSWORD",
                "key_file": "/etc/family-context/audit.key",
                "table_prefix": "audit.trail",
                "timeout_s": 2,
                "pool_size": 8,
            }
        )
    ).audit
    assert settings == AuditSettings(
        backend="postgres",
        dsn="postgresql://family_context@db.example:5433/audit?sslmode=require",
        password_env="FC_AUDIT_DB_PASSWORD",
        key_file=Path("/etc/family-context/audit.key"),
        table_prefix="audit.trail",
        timeout_s=2.0,
        pool_size=8,
    )


@pytest.mark.parametrize(
    ("audit", "message"),
    [
        ({"backend": "oracle"}, "audit.backend must be one of: sqlite, postgres"),
        ({"key": "00" * 32}, "audit.key is not allowed: the audit MAC key must never be written in the configuration"),
        ({"backend": "postgres"}, "audit.dsn is required for backend = postgres"),
        ({"backend": "postgres", "dsn": "postgresql://u:secret@db/audit"}, "audit.dsn must not hold a password"),
        ({"backend": "postgres", "dsn": "postgresql://u@db/audit?password=x"}, "audit.dsn must not hold a password"),
        ({"backend": "postgres", "dsn": "mysql://u@db/audit"}, "audit.dsn must be a postgresql:// address"),
        ({"key_env": "K", "key_file": "/k"}, "audit.key_env and audit.key_file are both set"),
        ({"key_env": "NOT A NAME"}, "audit.key_env must be the name of an environment variable"),
        ({"password_env": "$PW"}, "audit.password_env must be the name of an environment variable"),
        ({"table_prefix": "Robert'); DROP TABLE"}, "audit.table_prefix must be a lower-case identifier"),
        ({"table_prefix": "x" * 41}, "audit.table_prefix must be a lower-case identifier"),
        ({"table_prefix": "audit.trail"}, "audit.table_prefix: a schema-qualified prefix applies only to backend"),
        ({"timeout_s": 0}, "audit.timeout_s must be a positive number"),
        ({"pool_size": 0}, "audit.pool_size must be a positive integer"),
        ({"path": 3}, "audit.path must be a string"),
        ({"retention_days": 30}, "audit.retention_days is not a known setting"),
    ],
)
def test_a_bad_audit_table_names_the_key(audit: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_authority(authority(audit))
    assert str(error.value).startswith(message)
    assert "secret" not in str(error.value)


def test_audit_is_a_known_top_level_table() -> None:
    with pytest.raises(ConfigError, match="audits is not a known setting"):
        parse_authority({**authority(), "audits": {}})


# -- the MAC key -------------------------------------------------------------------------------------------------

KEY = secrets.token_bytes(32)


@pytest.mark.parametrize(
    "text",
    [
        KEY.hex(),
        KEY.hex().upper(),
        base64.b64encode(KEY).decode(),
        base64.urlsafe_b64encode(KEY).decode().rstrip("="),
        f"  {KEY.hex()}\n",
    ],
)
def test_the_key_from_the_environment_hex_or_base64(text: str) -> None:
    assert load_key(AuditSettings(), {"FC_AUDIT_KEY": text}) == KEY


def test_a_longer_key_is_fine() -> None:
    assert load_key(AuditSettings(key_env="K"), {"K": "ab" * 64}) == bytes.fromhex("ab" * 64)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "the audit MAC key is missing: set the environment variable FC_AUDIT_KEY to at least 32 random bytes"),
        ({"FC_AUDIT_KEY": "  "}, "the audit MAC key is missing: set the environment variable FC_AUDIT_KEY"),
        (
            {"FC_AUDIT_KEY": "ab" * 31},
            "the audit MAC key in the environment variable FC_AUDIT_KEY is 31 bytes long; at least 32 are needed",
        ),
        ({"FC_AUDIT_KEY": "not a key!"}, "the audit MAC key in the environment variable FC_AUDIT_KEY is neither hex"),
    ],
)
def test_a_missing_or_weak_key_is_refused_naming_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(AuditKeyError) as error:
        load_key(AuditSettings(), environ)
    assert str(error.value).startswith(message)
    assert isinstance(error.value, ConfigError)  # `serve` reports it as a bad configuration


def test_the_key_from_an_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    path.write_text(KEY.hex() + "\n")
    path.chmod(0o600)
    assert load_key(AuditSettings(key_file=path), {"FC_AUDIT_KEY": "ignored"}) == KEY
    path.chmod(0o400)
    assert load_key(AuditSettings(key_file=path), {}) == KEY


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644])
def test_a_key_file_others_can_reach_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "audit.key"
    path.write_text(KEY.hex())
    path.chmod(mode)
    with pytest.raises(
        AuditKeyError, match=rf"the audit MAC key file {path} is readable or writable by group or others"
    ):
        load_key(AuditSettings(key_file=path), {})


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.key"
    with pytest.raises(AuditKeyError, match=rf"the audit MAC key file {path} cannot be read \(FileNotFoundError\)"):
        load_key(AuditSettings(key_file=path), {})


async def test_opening_without_a_key_fails_before_touching_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FC_AUDIT_KEY_FOR_THIS_TEST", raising=False)
    settings = AuditSettings(path=tmp_path / "audit.sqlite", key_env="FC_AUDIT_KEY_FOR_THIS_TEST")
    with pytest.raises(AuditKeyError, match="FC_AUDIT_KEY_FOR_THIS_TEST"):
        async with open_audit_trail(settings):
            pass
    assert not settings.path.exists()
