"""Depth and alias limits as validation rules, linear in the document however its fragments are spread; the cost
budget refusing an operation before it runs."""

from __future__ import annotations

import time

import pytest
from graphql import GraphQLSchema, get_introspection_query, parse, specified_rules, validate

from schema.build import build_schema
from schema.limits import DEFAULT_BUDGET, EMPTY_SELECTION, alias_rule, depth_rule
from tests.schema.test_cost import bomb


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def refusals(schema: GraphQLSchema, query: str, *, max_depth: int = 6, max_aliases: int = 3) -> list[tuple[str, str]]:
    document = parse(query, max_tokens=4000)
    rules = [*specified_rules, depth_rule(max_depth), alias_rule(max_aliases)]
    return [(e.message, (e.extensions or {}).get("code", "")) for e in validate(schema, document, rules)]


def test_depth_is_counted_as_before_and_refused_above_the_limit(schema: GraphQLSchema) -> None:
    at_limit = '{ child(cmsId: "C1") { household { members { individual { ... on Child { household { id } } } } } } }'
    assert refusals(schema, at_limit, max_depth=5) == []
    over = (
        '{ child(cmsId: "C1") { household { members { individual { ... on Child { household { members '
        "{ relationshipToChild } } } } } } } }"
    )
    errors = refusals(schema, over, max_depth=5)
    assert [code for _, code in errors] == ["QUERY_TOO_COMPLEX"]
    assert "6 levels deep" in errors[0][0] and "limit of 5" in errors[0][0]


def test_depth_goes_through_fragments_each_measured_once(schema: GraphQLSchema) -> None:
    query = """{ child(cmsId: "C1") { ...H } }
      fragment H on Child { household { members { individual { ...M } } } }
      fragment M on Individual { ... on Child { household { members { relationshipToChild } } } }"""
    assert [code for _, code in refusals(schema, query, max_depth=5)] == ["QUERY_TOO_COMPLEX"]
    assert refusals(schema, query, max_depth=6) == []


def test_introspection_is_not_held_to_the_depth_limit(schema: GraphQLSchema) -> None:
    assert refusals(schema, get_introspection_query(), max_depth=3, max_aliases=50) == []


def test_aliases_are_counted_as_written(schema: GraphQLSchema) -> None:
    assert refusals(schema, "{ a: me { id } b: me { id } c: me { id } }") == []
    errors = refusals(schema, "{ a: me { id } b: me { id } c: me { id } d: me { id } }")
    assert errors == [
        ("This query uses 4 aliases, more than this gateway's limit of 3: split it.", "QUERY_TOO_COMPLEX")
    ]
    # A fragment's aliases count once however often it is spread (its spreads are priced by the cost).
    spread = "query { ...A ...A ...A } fragment A on Query { a: me { id } b: me { id } }"
    assert refusals(schema, spread) == []


def test_an_empty_selection_set_is_the_clients_error(schema: GraphQLSchema) -> None:
    assert refusals(schema, "{ }") == [(EMPTY_SELECTION, "BAD_USER_INPUT")]
    assert (EMPTY_SELECTION, "BAD_USER_INPUT") in refusals(schema, '{ child(cmsId: "C1") { } }')


def test_a_fragment_bomb_is_validated_in_linear_time(schema: GraphQLSchema) -> None:
    for levels in (7, 10):
        started = time.perf_counter()
        errors = refusals(schema, bomb(levels), max_depth=12, max_aliases=50)
        elapsed = time.perf_counter() - started
        assert errors == []  # neither too deep nor aliased: the cost refuses it (below)
        assert elapsed < 0.5, (levels, elapsed)  # generous: a few milliseconds; strawberry's rules took 53 s at 7


async def test_over_the_budget_nothing_runs(schema: GraphQLSchema) -> None:
    result = await build_schema().execute(bomb(10))
    assert result.data is None
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert error.extensions == {"code": "QUERY_TOO_COMPLEX", "cost": 2 * 10**10, "budget": DEFAULT_BUDGET}
    assert error.message.startswith(f"This query would cost {2 * 10**10}, over this gateway's budget of")
    within = await build_schema().execute("{ __typename }")
    assert within.errors is None and within.data == {"__typename": "Query"}
