"""An `[audit]` table for test configurations: a SQLite trail and its MAC key in a directory of the test's own."""

from __future__ import annotations

import tempfile
from pathlib import Path

from gateway.audit.keys import write_key_file


def audit_table(directory: Path | None = None) -> dict[str, str]:
    """The trail in `directory` (a new temporary one when None: configs built outside a fixture)."""
    where = directory if directory is not None else Path(tempfile.mkdtemp(prefix="fc-audit-"))
    return {
        "backend": "sqlite",
        "path": str(where / "audit.sqlite"),
        "key_file": str(write_key_file(where / "audit.key")),
    }
