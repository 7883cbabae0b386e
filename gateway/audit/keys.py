"""The trail's MAC key: from an environment variable or an owner-only file, never from the TOML.

Without the key nobody can extend or rewrite the chain so that it still verifies: a chain re-hashed with plain
sha256 fails the MAC check at the first row touched. So the key is checked at start-up, and a missing or weak
key stops the gateway rather than letting it write an unanchored trail.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from gateway.audit.settings import AuditSettings
from gateway.settings import ConfigError

MIN_KEY_BYTES = 32

KEY_ENV_MISSING = (
    "the audit MAC key is missing: set the environment variable {name} to at least 32 random bytes, hex or "
    "base64 (e.g. the output of: python3 -c 'import secrets; print(secrets.token_hex(32))')"
)
KEY_FILE_MISSING = "the audit MAC key file {path} cannot be read ({error})"
KEY_FILE_OPEN = (
    "the audit MAC key file {path} is readable or writable by group or others: make it the owner's only "
    "(chmod 600 {path})"
)
KEY_NOT_ENCODED = "the audit MAC key in {source} is neither hex nor base64"
KEY_TOO_SHORT = "the audit MAC key in {source} is {length} bytes long; at least 32 are needed"


class AuditKeyError(ConfigError):
    """The MAC key is missing or unusable; the message names the variable or file, never the key."""


def load_key(settings: AuditSettings, environ: Mapping[str, str] | None = None) -> bytes:
    """The decoded key from `key_file` if set, else from the environment variable `key_env`."""
    if settings.key_file is not None:
        return _from_file(settings.key_file)
    env = os.environ if environ is None else environ
    text = env.get(settings.key_env, "").strip()
    if not text:
        raise AuditKeyError(KEY_ENV_MISSING.format(name=settings.key_env))
    return decode_key(text, source=f"the environment variable {settings.key_env}")


def _from_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise AuditKeyError(KEY_FILE_OPEN.format(path=path))
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(KEY_FILE_MISSING.format(path=path, error=type(exc).__name__)) from exc
    return decode_key(text, source=str(path))


def decode_key(text: str, *, source: str) -> bytes:
    """Hex when the text is hex (a 64-digit hex key is also valid base64; hex wins), else base64."""
    key: bytes | None = None
    if len(text) % 2 == 0:
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = None
    if key is None:
        try:
            padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
            key = base64.b64decode(padded, validate=True)
        except (binascii.Error, ValueError):
            raise AuditKeyError(KEY_NOT_ENCODED.format(source=source)) from None
    if len(key) < MIN_KEY_BYTES:
        raise AuditKeyError(KEY_TOO_SHORT.format(source=source, length=len(key)))
    return key


def write_key_file(path: Path) -> Path:
    """A new random key in an owner-only file (the demo's, or one an operator makes); an existing file is kept."""
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(MIN_KEY_BYTES) + "\n")
    return path
