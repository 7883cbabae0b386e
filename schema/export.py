"""`python -m schema.export [PATH]`: write the implemented schema's SDL (default docs/schema.graphql), and the
subgraph SDL a federation router composes (docs/subgraph.graphql; `family-context schema --federation`)."""

from __future__ import annotations

import sys
from pathlib import Path

from schema.build import build_schema
from schema.federation import subgraph_sdl as federation_sdl
from schema.federation import without_federation_directives

DOCS = Path(__file__).resolve().parent.parent / "docs"
DEFAULT_PATH = DOCS / "schema.graphql"
SUBGRAPH_PATH = DOCS / "subgraph.graphql"
HEADER = "# Family Context gateway: the implemented schema, exported by `make schema`. Do not edit by hand.\n\n"
SUBGRAPH_HEADER = (
    "# Family Context gateway as an Apollo Federation v2 subgraph (`family-context schema --federation`), exported\n"
    "# by `make schema`. Do not edit by hand. docs/federation.md says how it composes.\n\n"
)


def sdl() -> str:
    """The schema clients see, as plain SDL: federation's directives (`@link`, `@key`, `@shareable`) are for
    composition and are in docs/subgraph.graphql; `_entities` and `_service` are served, so they are here."""
    return HEADER + without_federation_directives(build_schema().as_str()) + "\n"


def subgraph_sdl() -> str:
    return SUBGRAPH_HEADER + federation_sdl(build_schema())


def neighbour_sdl(field_name: str) -> str:
    """The neighbour subgraph's SDL (`/graphql/neighbour` with `[federation] neighbour_field = field_name`)."""
    return federation_sdl(build_schema(neighbour_field=field_name))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    path.write_text(sdl(), encoding="utf-8")
    print(f"wrote {path}")
    if not args:
        SUBGRAPH_PATH.write_text(subgraph_sdl(), encoding="utf-8")
        print(f"wrote {SUBGRAPH_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
