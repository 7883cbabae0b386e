"""The page's GraphQL operations: one `.graphql` file each in `webapp/operations/`, read once.

Each operation is registered as a persisted operation by its sha256 (Apollo's `extensions.persistedQuery`),
sent alongside the query text; `python -m webapp.operations` writes the hash list (`manifest.json`) that an
allow-list of persisted operations reads.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OPERATIONS_DIR = Path(__file__).resolve().parent / "operations"
MANIFEST = OPERATIONS_DIR / "manifest.json"


@dataclass(frozen=True)
class Operation:
    name: str  # the operation's name in its document, the file's stem
    document: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.document.encode("utf-8")).hexdigest()

    def extensions(self) -> dict[str, object]:
        return {"persistedQuery": {"version": 1, "sha256Hash": self.sha256}}


@cache
def operations() -> dict[str, Operation]:
    """Every operation of the page, by name."""
    return {
        path.stem: Operation(name=path.stem, document=path.read_text(encoding="utf-8"))
        for path in sorted(OPERATIONS_DIR.glob("*.graphql"))
    }


def operation(name: str) -> Operation:
    return operations()[name]


def manifest() -> dict[str, object]:
    """The persisted-operation list: each operation's name and the sha256 of its exact text."""
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {"id": op.sha256, "name": op.name, "type": "query", "body": op.document} for op in operations().values()
        ],
    }


def write_manifest(path: Path = MANIFEST) -> Path:
    path.write_text(json.dumps(manifest(), indent=2) + "\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    path = write_manifest(Path(argv[0]) if argv else MANIFEST)
    print(f"wrote {len(operations())} operations to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
