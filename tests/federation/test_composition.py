"""The subgraph composes, with @apollo/composition (pinned in federation/), with the other subgraphs of the
federation demo: another authority's neighbour subgraph and an early-help case system. Any error or hint fails."""

from __future__ import annotations

from pathlib import Path

from gateway.federation_demo import compose, subgraph_sdls
from schema.export import SUBGRAPH_PATH, subgraph_sdl
from tests.federation.node import require_node


def test_docs_subgraph_is_current() -> None:
    assert SUBGRAPH_PATH.read_text(encoding="utf-8") == subgraph_sdl(), "docs/subgraph.graphql is stale: make schema"


def test_the_subgraphs_compose_without_errors_or_hints(tmp_path: Path) -> None:
    require_node()
    sdls = subgraph_sdls()
    done = compose({name: (sdl, f"http://127.0.0.1:1/{name}") for name, sdl in sdls.items()}, tmp_path / "s.graphql")
    assert done.returncode == 0, done.stderr
    assert "hint" not in done.stderr.lower(), done.stderr
    supergraph = (tmp_path / "s.graphql").read_text(encoding="utf-8")
    for name in ("AUTHORITY_A", "AUTHORITY_B", "EARLY_HELP"):
        assert f"{name} @join__graph" in supergraph
    assert "inAuthorityB" in supergraph and "earlyHelp" in supergraph


def test_a_broken_subgraph_fails_composition(tmp_path: Path) -> None:
    """The check can fail: a subgraph that redefines a field of ours without @shareable is refused."""
    require_node()
    sdls = subgraph_sdls()
    rival = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key"])\n'
        'type Child @key(fields: "id") { id: ID! name: Name }\ntype Name { given: String }\n'
    )
    subgraphs = {name: (sdl, f"http://127.0.0.1:1/{name}") for name, sdl in sdls.items()}
    subgraphs["rival"] = (rival, "http://127.0.0.1:1/rival")
    done = compose(subgraphs, tmp_path / "s.graphql")
    assert done.returncode == 1
    assert "ERROR INVALID_FIELD_SHARING" in done.stderr


def test_a_hint_fails_composition(tmp_path: Path) -> None:
    """Composing is not enough: a subgraph whose copy of a shared enum lacks values composes with hints (the
    supergraph's `Gender` would hold values that subgraph never returns), and the check fails on them."""
    require_node()
    rival = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key"])\n'
        'type Child @key(fields: "cmsId") { cmsId: ID! recordedGender: Gender }\n'
        "enum Gender { FEMALE }\n"
    )
    subgraphs = {name: (sdl, f"http://127.0.0.1:1/{name}") for name, sdl in subgraph_sdls().items()}
    subgraphs["rival"] = (rival, "http://127.0.0.1:1/rival")
    done = compose(subgraphs, tmp_path / "s.graphql")
    assert done.returncode == 1, done.stderr
    assert "HINT INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM" in done.stderr
    assert "composition gave hints that matter" in done.stderr
    assert not (tmp_path / "s.graphql").exists()
