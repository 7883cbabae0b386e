"""The exported schema is current, and it keeps every name of the public contract."""

from __future__ import annotations

import re
from pathlib import Path

from schema.export import DEFAULT_PATH, sdl

# The public contract, copied into the repository from the design (docs/contract.graphql says where from).
CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "contract.graphql"


def test_docs_schema_is_current() -> None:
    assert DEFAULT_PATH.read_text(encoding="utf-8") == sdl(), "docs/schema.graphql is stale: run `make schema`"


def _definitions(text: str) -> dict[str, set[str]]:
    """type/interface/enum/input name -> its field or value names, from SDL (comments and descriptions dropped)."""
    text = re.sub(r'"""[\s\S]*?"""', "", text)
    text = re.sub(r'"[^"\n]*"', "", text)
    text = re.sub(r"#.*", "", text)
    found: dict[str, set[str]] = {}
    for _kind, name, body in re.findall(r"\b(type|interface|enum|input)\s+(\w+)[^{]*\{([^}]*)\}", text):
        members = set(re.findall(r"^\s*(\w+)", body, flags=re.MULTILINE))
        found[name] = members
    return found


def test_every_contract_name_is_present() -> None:
    contract = _definitions(CONTRACT.read_text(encoding="utf-8"))
    implemented = _definitions(sdl())
    for name, members in contract.items():
        assert name in implemented, f"{name} is missing"
        assert members <= implemented[name], f"{name} lacks {sorted(members - implemented[name])}"
