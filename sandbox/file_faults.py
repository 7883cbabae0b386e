"""Faults for the systems that are files: the police CSV extract and the schools' SQLite database.

* `down`: the file is absent (moved aside, as when the nightly transfer failed);
* `garbage`: the file holds malformed content (a CSV with the wrong header and garbled rows; for SQLite a file
  that is not a database);
* `slow`: reading blocks. For the CSV a named pipe (FIFO) takes the file's place, so `open()` blocks until a
  writer appears; for SQLite a background thread holds `BEGIN EXCLUSIVE`, so readers wait on the lock.

`clear()` undoes the fault and puts the good file back, first releasing any reader still blocked on the FIFO.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Literal, get_args

FileFaultMode = Literal["none", "down", "slow", "garbage"]
FILE_FAULT_MODES: tuple[FileFaultMode, ...] = get_args(FileFaultMode)

GARBLED_CSV = (
    "RecordRef;Name;DOB;Offence\n"
    "PN-000001;SMITH, Robert;1970-02-01\n"
    '"unterminated quote,\x00\x00,,,\n'
    "\ufffd\ufffd\ufffd\n"
)
NOT_A_DATABASE = b"This is not an SQLite database: the export job was interrupted.\n" * 64


class _ExclusiveLockHolder:
    """Holds an exclusive lock on an SQLite database from a background thread until released."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._locked = threading.Event()
        self._release = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._hold, name=f"sqlite-lock-{path.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._locked.wait(timeout=10)
        if self._error is not None:
            raise RuntimeError(f"could not lock {self._path.name}") from self._error

    def _hold(self) -> None:
        try:
            with contextlib.closing(sqlite3.connect(self._path, isolation_level=None)) as connection:
                # In rollback-journal mode (the default) EXCLUSIVE keeps every reader out until we roll back.
                connection.execute("BEGIN EXCLUSIVE")
                self._locked.set()
                self._release.wait()
                connection.execute("ROLLBACK")
        except sqlite3.Error as error:
            self._error = error
            self._locked.set()

    def stop(self) -> None:
        self._release.set()
        self._thread.join(timeout=10)


class FileFaults:
    """Applies and clears faults on one file, keeping the good file aside while a fault is on."""

    def __init__(self, path: Path, *, kind: Literal["csv", "sqlite"]) -> None:
        self.path = path
        self.kind = kind
        self.mode: FileFaultMode = "none"
        self._backup = path.with_name(f".{path.name}.sandbox-good")
        self._lock: _ExclusiveLockHolder | None = None

    def apply(self, mode: FileFaultMode) -> None:
        """Put the file into `mode` (clearing any previous fault first)."""
        if mode not in FILE_FAULT_MODES:
            raise ValueError(f"files support only {', '.join(FILE_FAULT_MODES)}, not {mode!r}")
        self.clear()
        if mode == "none":
            return
        if mode == "slow" and self.kind == "sqlite":
            self._lock = _ExclusiveLockHolder(self.path)
            self._lock.start()
        else:
            self.path.replace(self._backup)
            if mode == "garbage" and self.kind == "csv":
                self.path.write_text(GARBLED_CSV, encoding="utf-8")
            elif mode == "garbage":
                self.path.write_bytes(NOT_A_DATABASE)
            elif mode == "slow":
                os.mkfifo(self.path)
        self.mode = mode

    def clear(self) -> None:
        """Undo the fault: release the lock or blocked readers, and put the good file back."""
        if self._lock is not None:
            self._lock.stop()
            self._lock = None
        # Holding the FIFO open read-write counts as a writer: readers blocked in open() return (and then read
        # an empty file) while the good file is put back, so no thread stays blocked on an unlinked pipe.
        fifo = os.open(self.path, os.O_RDWR | os.O_NONBLOCK) if self.mode == "slow" and self.kind == "csv" else None
        try:
            if self._backup.exists():
                self.path.unlink(missing_ok=True)
                self._backup.replace(self.path)
        finally:
            if fifo is not None:
                os.close(fifo)
        self.mode = "none"
