"""The subgraph's SDL: printed by the CLI, served by `_service` only where introspection is, and the neighbour
subgraph's configuration checked at start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest
from graphql import parse

from gateway.settings import ConfigError, parse_authority
from schema.build import build_schema
from schema.cost import operation_cost
from schema.export import SUBGRAPH_PATH, neighbour_sdl
from schema.federation import subgraph_sdl
from tests.gateway.test_settings import minimal


def test_the_cli_prints_the_subgraph_sdl() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "schema", "--federation"], capture_output=True, text=True, check=True
    )
    assert done.stdout == SUBGRAPH_PATH.read_text(encoding="utf-8")
    assert '@key(fields: "id")' in done.stdout and "_entities" not in done.stdout


def test_the_neighbour_sdl_extends_the_home_entities() -> None:
    sdl = neighbour_sdl("inStockport")
    assert 'type Person @key(fields: "id")' in sdl and "inStockport: [NeighbourMatch!] @requires" in sdl
    assert "type Query" not in sdl  # no root fields of its own


async def test_service_sdl_is_served_like_introspection() -> None:
    open_schema = build_schema()
    served = await open_schema.execute("{ _service { sdl } }")
    assert served.errors is None and served.data == {"_service": {"sdl": subgraph_sdl(open_schema)}}
    closed = await build_schema(introspection=False).execute("{ _service { sdl } }")
    assert closed.data is None and closed.errors
    assert "introspection has been disabled" in closed.errors[0].message


@pytest.mark.parametrize("name", ["InStockport", "in-stockport", "", "x" * 70])
def test_a_bad_neighbour_field_names_the_key(name: str) -> None:
    with pytest.raises(ConfigError, match=r"federation\.neighbour_field"):
        parse_authority(minimal(federation={"neighbour_field": name}))


def test_the_cost_of_entities_grows_with_its_representations() -> None:
    schema = build_schema()._schema
    query = parse(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Child { serviceChecks { outcome } } } }"
    )
    costs = [
        operation_cost(schema, query, operation_name=None, variables={"r": [{}] * n}, max_children=500)
        for n in (1, 10, 100)
    ]
    assert costs[1] > 9 * costs[0] and costs[2] > 9 * costs[1], costs
