"""`python -m schema.export [PATH]`: write the implemented schema's SDL (default docs/schema.graphql)."""

from __future__ import annotations

import sys
from pathlib import Path

from schema.build import build_schema

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "docs" / "schema.graphql"
HEADER = "# Family Context gateway: the implemented schema, exported by `make schema`. Do not edit by hand.\n\n"


def sdl() -> str:
    return HEADER + build_schema().as_str() + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    path.write_text(sdl(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
