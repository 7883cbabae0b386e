"""The exported schema is current, and it keeps every name of the public contract."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import DangerousChangeType, build_schema, find_breaking_changes, find_dangerous_changes

from schema.export import DEFAULT_PATH, sdl

# The public contract, copied into the repository from the design (docs/contract.graphql says where from).
CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "contract.graphql"

# Where the implementation differs from the contract on purpose, in graphql-core's words, and why.
DELIBERATE = {
    "Field Query.sources changed type from [Source!]! to [Source!].": (
        "operational information: a role without it gets null and an error for this field alone; were it non-null, "
        "that refusal would null the whole answer, the child's details included"
    ),
}
# What the contract allows an implementation to add (add, never rename): a client of the contract cannot break on it.
ADDITIONS = frozenset(
    {
        DangerousChangeType.VALUE_ADDED_TO_ENUM,
        DangerousChangeType.TYPE_ADDED_TO_UNION,
        DangerousChangeType.OPTIONAL_INPUT_FIELD_ADDED,
        DangerousChangeType.OPTIONAL_ARG_ADDED,
        DangerousChangeType.IMPLEMENTED_INTERFACE_ADDED,
    }
)


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


def test_nothing_a_client_of_the_contract_relies_on_is_changed() -> None:
    """Types, nullability, arguments and their defaults, as graphql-core compares two schemas: a client written
    against the contract (its variables' types, its generated types) works against the gateway. Besides additions,
    only the deliberate differences above, each with its reason; a stale entry there fails too."""
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    implemented = build_schema(sdl())
    breaking = {change.description for change in find_breaking_changes(contract, implemented)}
    assert breaking == set(DELIBERATE)
    dangerous = [c.description for c in find_dangerous_changes(contract, implemented) if c.type not in ADDITIONS]
    assert dangerous == []
