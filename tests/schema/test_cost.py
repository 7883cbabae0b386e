"""The cost model: what representative queries cost, list sizes from arguments and variables, fragments priced
once however often they are spread, and a default budget that fits the real queries but not the abuse."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pytest
from graphql import GraphQLSchema, parse

from benchmarks.family_context import CHILDREN_QUERY
from gateway.graphiql import EXAMPLE_QUERY
from gateway.settings import Limits
from schema.access import strawberry_field
from schema.build import build_schema
from schema.cost import COST_CEILING, UPSTREAM, UPSTREAM_FIELDS, CostModel, find_operation, operation_cost

IDS = [f"C{n:06d}" for n in range(1, 501)]
BUDGET = Limits().max_cost
CHILD_CHECKS = "cmsId serviceChecks { service outcome }"
HOUSEHOLD_CHECKS = f"{CHILD_CHECKS} household {{ members {{ individual {{ serviceChecks {{ service outcome }} }} }} }}"


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def cost(schema: GraphQLSchema, query: str, variables: Mapping[str, Any] | None = None, max_children: int = 500) -> int:
    return operation_cost(schema, parse(query), operation_name=None, variables=variables, max_children=max_children)


def bomb(levels: int, base: str = "me { id }") -> str:
    """Fragment F(n) spreads F(n-1) ten times: 10^levels copies of F0 if expanded."""
    spreads = (f"fragment F{n} on Query {{ {' '.join([f'...F{n - 1}'] * 10)} }}" for n in range(1, levels + 1))
    return "\n".join([f"query {{ ...F{levels} }}", f"fragment F0 on Query {{ {base} }}", *spreads])


def test_representative_queries(schema: GraphQLSchema) -> None:
    assert cost(schema, "{ me { id name roles } }") == 4
    assert cost(schema, '{ child(cmsId: "C000001") { name { full } } }') == 1 + UPSTREAM + 2
    # A child with its own checks (13 services, 2 values each) and its household's checks (6 members).
    assert cost(schema, f"{{ children(cmsIds: {IDS[:1]!r}) {{ {HOUSEHOLD_CHECKS} }} }}".replace("'", '"')) == 289
    assert cost(schema, EXAMPLE_QUERY) == 9198
    assert cost(schema, CHILDREN_QUERY, {"cmsIds": IDS[:100]}) == 28_801
    search = '{ searchPeople(input: {familyName: "SMITH"}, first: 10) { totalCount matches { individual { id } } } }'
    assert cost(schema, search) == 1 + UPSTREAM + 1 + 1 + 10 * (1 + 1)


def test_the_default_budget_fits_real_queries_not_their_multiplication(schema: GraphQLSchema) -> None:
    assert cost(schema, EXAMPLE_QUERY) < BUDGET / 10
    assert cost(schema, CHILDREN_QUERY, {"cmsIds": IDS[:100]}) < BUDGET / 5
    one = cost(schema, CHILDREN_QUERY, {"cmsIds": IDS})
    assert one <= BUDGET * 0.75  # an integrator's 500 children with households and checks, with room to spare
    seven = "query($ids: [ID!]!) {" + " ".join(
        f"a{n}: children(cmsIds: $ids) {{ {HOUSEHOLD_CHECKS} }}" for n in range(7)
    )
    assert cost(schema, seven + "}", {"ids": IDS}) == 7 * one > BUDGET


def test_list_sizes_come_from_literals_variables_and_defaults(schema: GraphQLSchema) -> None:
    per_child = UPSTREAM + 1
    literal = '{ children(cmsIds: ["C000001", "C000002", "C000003"]) { cmsId } }'
    assert cost(schema, literal) == 1 + 3 * per_child
    by_variable = "query($ids: [ID!]!) { children(cmsIds: $ids) { cmsId } }"
    assert cost(schema, by_variable, {"ids": IDS[:40]}) == 1 + 40 * per_child
    in_a_list = 'query($one: ID!) { children(cmsIds: ["C000001", $one]) { cmsId } }'
    assert cost(schema, in_a_list, {"one": "C000002"}) == 1 + 2 * per_child
    defaulted = 'query($ids: [ID!]! = ["C000001", "C000002"]) { children(cmsIds: $ids) { cmsId } }'
    assert cost(schema, defaulted) == 1 + 2 * per_child
    single = "query($id: [ID!]!) { children(cmsIds: $id) { cmsId } }"
    assert cost(schema, single, {"id": "C000001"}) == 1 + per_child  # input coercion: one id is a list of one
    # Beyond `max_children` the resolver refuses before fetching anything: priced at the most it would fetch.
    assert cost(schema, by_variable, {"ids": IDS}, max_children=50) == 1 + 50 * per_child


def test_service_checks_are_priced_by_the_services_asked(schema: GraphQLSchema) -> None:
    every = cost(schema, '{ child(cmsId: "C1") { serviceChecks { outcome } } }')
    two = cost(schema, '{ child(cmsId: "C1") { serviceChecks(services: [POLICE, HOUSING]) { outcome } } }')
    chosen = cost(
        schema, 'query($s: [Service!]) { child(cmsId: "C1") { serviceChecks(services: $s) { outcome } } }', {"s": []}
    )
    assert every - two == 11 and two - chosen == 2


def test_pages_multiply_their_lists_and_are_clamped_to_what_is_served(schema: GraphQLSchema) -> None:
    page = 'query($n: Int!) { searchPeople(input: {familyName: "SMITH"}, first: $n) { matches { match { score } } } }'
    assert cost(schema, page, {"n": 50}) - cost(schema, page, {"n": 10}) == 40 * 2
    assert cost(schema, page, {"n": 10**9}) == cost(schema, page, {"n": 100})  # refused by the resolver above 100
    events = "{ auditEvents { totalCount edges { id action } } }"
    assert cost(schema, events) == 1 + UPSTREAM + 1 + 1 + 50 * 2


def test_skip_and_include_are_honoured(schema: GraphQLSchema) -> None:
    query = 'query($all: Boolean!) { child(cmsId: "C1") { id serviceChecks @include(if: $all) { outcome } } }'
    assert cost(schema, query, {"all": False}) == 1 + UPSTREAM + 1
    assert cost(schema, query, {"all": True}) == 1 + UPSTREAM + 1 + 1 + UPSTREAM + 13
    assert cost(schema, '{ me { id } child(cmsId: "C1") @skip(if: true) { id } }') == 2


def test_a_spread_costs_what_it_expands_to(schema: GraphQLSchema) -> None:
    inline = '{ child(cmsId: "C1") { household { members { individual { name { full } age } } } } }'
    spread = """{ child(cmsId: "C1") { household { members { individual { ...Who } } } } }
                fragment Who on Individual { name { full } age }"""
    assert cost(schema, inline) == cost(schema, spread)
    twice = "query { ...Me ...Me } fragment Me on Query { me { id name } }"
    assert cost(schema, twice) == 2 * cost(schema, "{ me { id name } }")
    on_child = '{ node(id: "x") { ... on Child { household { id } } ... on Person { age } } }'
    assert cost(schema, on_child) == 1 + UPSTREAM + (1 + UPSTREAM + 1) + 1


def test_a_fragment_bomb_is_priced_without_being_expanded(schema: GraphQLSchema) -> None:
    document = parse(bomb(10), max_tokens=4000)
    operation = find_operation(document, None)
    assert operation is not None
    started = time.perf_counter()
    model = CostModel(schema, document, operation, {}, max_children=500)
    priced = model.cost()
    elapsed = time.perf_counter() - started
    assert priced == 10**10 * cost(schema, "{ me { id } }") > BUDGET
    assert dict(model.fragment_walks) == {f"F{n}": 1 for n in range(11)}  # each fragment walked once
    assert elapsed < 0.5, elapsed  # generous: it takes about a millisecond
    # However deep the bomb, the arithmetic stays small: the cost saturates.
    assert cost(schema, bomb(30)) == COST_CEILING


def test_every_field_that_asks_a_source_adds_upstream_work(schema: GraphQLSchema) -> None:
    """A new resolver field must be priced: every field with a resolver but `me` is in `UPSTREAM_FIELDS`."""
    with_resolvers = set()
    for named in schema.type_map.values():
        for name, graphql_field in getattr(named, "fields", {}).items():
            definition = strawberry_field(graphql_field)
            if definition is not None and definition.base_resolver is not None:
                with_resolvers.add(name)
    # `me` and federation's `_service { sdl }` ask no source.
    assert with_resolvers - {"me", "_service"} == set(UPSTREAM_FIELDS)


def _priced_by_the_model(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how often the cost model prices an operation (a cached price does not)."""
    import schema.cost as cost_module

    priced = [0]
    price = cost_module.CostModel.cost

    def counting(self: CostModel) -> int:
        priced[0] += 1
        return price(self)

    monkeypatch.setattr(cost_module.CostModel, "cost", counting)
    monkeypatch.setattr(cost_module, "_PRICES", {})
    return priced


def test_a_price_no_variable_entered_is_worked_out_once_per_document(
    schema: GraphQLSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    priced = _priced_by_the_model(monkeypatch)
    document = parse("query F($cmsId: ID!) { child(cmsId: $cmsId) { name { full } serviceChecks { outcome } } }")

    def price(variables: dict[str, Any], *, max_children: int = 500) -> int:
        return operation_cost(schema, document, operation_name=None, variables=variables, max_children=max_children)

    first = price({"cmsId": "C000001"})
    assert price({"cmsId": "C000002"}) == first  # the id is no part of the price
    assert priced[0] == 1
    assert price({"cmsId": "C000002"}, max_children=10) == first  # another authority's limit: priced again
    assert priced[0] == 2
    # The same text parsed again is another document, priced again, the same.
    assert cost(schema, "query F($cmsId: ID!) { child(cmsId: $cmsId) { name { full } serviceChecks { outcome } } }",
                {"cmsId": "C1"}) == first  # fmt: skip
    assert priced[0] == 3


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query L($ids: [ID!]!) { children(cmsIds: $ids) { cmsId } }", [{"ids": IDS[:2]}, {"ids": IDS[:200]}]),
        # A variable inside a list: the same length either way, yet the price had to read it.
        ('query L($id: ID!) { children(cmsIds: ["C1", $id]) { cmsId } }', [{"id": "C2"}, {"id": "C3"}]),
        (
            'query S($n: Int!) { searchPeople(input: {familyName: "A"}, first: $n) { matches { match { score } } } }',
            [{"n": 1}, {"n": 100}],
        ),
        (
            'query I($all: Boolean!) { child(cmsId: "C1") { household @include(if: $all) { id } } }',
            [{"all": False}, {"all": True}],
        ),
    ],
)
def test_a_price_a_variable_entered_is_worked_out_for_each_request(
    schema: GraphQLSchema, monkeypatch: pytest.MonkeyPatch, query: str, variables: list[dict[str, Any]]
) -> None:
    priced = _priced_by_the_model(monkeypatch)
    document = parse(query)
    prices = [operation_cost(schema, document, operation_name=None, variables=v, max_children=500) for v in variables]
    assert priced[0] == 2
    assert operation_cost(schema, document, operation_name=None, variables=variables[0], max_children=500) == prices[0]
    assert priced[0] == 3
    if "$id" not in query:
        assert prices[0] < prices[1]  # the variable changed the price


def test_the_price_cache_is_bounded(schema: GraphQLSchema, monkeypatch: pytest.MonkeyPatch) -> None:
    import schema.cost as cost_module

    _priced_by_the_model(monkeypatch)
    monkeypatch.setattr(cost_module, "PRICE_CACHE_SIZE", 3)
    for _ in range(10):
        cost(schema, "{ me { id } }")
    assert len(cost_module._PRICES) <= 3
