"""Reading a file extract from disk (a local path or a mounted share) without ever hanging the gateway.

Only regular files are read: a FIFO or device at the extract's path would block a reader forever (and a thread
blocked in `open` never returns, holding up process shutdown), so it is refused before it is opened, and the file is
opened non-blocking as a second guard against a swap between the check and the open.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

EXTRACT_MISSING = "extract missing"
EXTRACT_UNAVAILABLE = "extract unavailable"
MALFORMED_EXTRACT = "malformed extract"


class ExtractUnreadable(Exception):
    """The extract cannot be read; `reason` is one of the fixed phrases above."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FileVersion:
    """What identifies one version of the file: a change in any of these means re-read it."""

    mtime_ns: int
    size: int
    inode: int


def current_version(path: str) -> FileVersion:
    """The version of the regular file at `path`. Blocking: call it in a thread."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ExtractUnreadable(EXTRACT_MISSING) from None
    except OSError:
        raise ExtractUnreadable(EXTRACT_UNAVAILABLE) from None
    if not stat.S_ISREG(info.st_mode):
        raise ExtractUnreadable(EXTRACT_UNAVAILABLE)
    return FileVersion(info.st_mtime_ns, info.st_size, info.st_ino)


def read_regular_file(path: str) -> tuple[bytes, FileVersion]:
    """The whole content of the regular file at `path`, and its version. Blocking: call it in a thread."""
    current_version(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ExtractUnreadable(EXTRACT_MISSING) from None
    except OSError:
        raise ExtractUnreadable(EXTRACT_UNAVAILABLE) from None
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ExtractUnreadable(EXTRACT_UNAVAILABLE)
        try:
            content = file.read()
        except OSError:
            raise ExtractUnreadable(EXTRACT_UNAVAILABLE) from None
    return content, FileVersion(info.st_mtime_ns, info.st_size, info.st_ino)
