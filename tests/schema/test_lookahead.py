"""schema/lookahead.py: what a query asks beneath `child`/`children` and `household`, read off its document."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from graphql import FieldNode, FragmentDefinitionNode, GraphQLObjectType, OperationDefinitionNode, parse
from graphql.pyutils import Path

from resolvers.household import HouseholdAhead
from resolvers.service_checks import ChecksAhead
from schema import lookahead
from schema.build import build_schema
from sources.model import Service

SCHEMA = build_schema()._schema


def _info(text: str, *, field: str, variables: dict[str, Any] | None = None) -> Any:
    """A resolve info for `field`: the operation's first field (`child`, `children`), or `household` beneath it
    (beneath its first item, for `children`)."""
    document = parse(text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    child = operation.selection_set.selections[0]
    assert isinstance(child, FieldNode) and child.selection_set is not None
    root = Path(None, child.name.value, "Query")
    if field in ("child", "children"):
        nodes, parent, path = [child], "Query", root
    else:
        nodes = [s for s in child.selection_set.selections if isinstance(s, FieldNode) and s.name.value == field]
        parent = "Child"
        above = root.add_key(0, "Child") if child.name.value == "children" else root
        path = above.add_key(field, "Household")
    parent_type = SCHEMA.type_map[parent]
    assert isinstance(parent_type, GraphQLObjectType)
    raw = SimpleNamespace(
        schema=SCHEMA,
        parent_type=parent_type,
        return_type=parent_type.fields[field].type,
        path=path,
        field_name=field,
        field_nodes=nodes,
        fragments={d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)},
        variable_values=variables or {},
    )
    return SimpleNamespace(_raw_info=raw)


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ('{ child(cmsId: "C1") { household { id } } }', True),
        ('{ child(cmsId: "C1") { home: household { id } } }', True),
        ('{ child(cmsId: "C1") { ... on Child { household { id } } } }', True),
        ('{ child(cmsId: "C1") { ...H } } fragment H on Child { household { id } }', True),
        ('{ child(cmsId: "C1") { ...A } } fragment A on Child { ...B } fragment B on Child { household { id } }', True),
        ('{ child(cmsId: "C1") { name { full } serviceChecks { outcome } } }', False),
        # Run or not per request: not looked ahead at.
        ('query($h: Boolean!) { child(cmsId: "C1") { household @include(if: $h) { id } } }', False),
        ('query($h: Boolean!) { child(cmsId: "C1") { ... @skip(if: $h) { household { id } } } }', False),
    ],
)
def test_asks_household(text: str, asked: bool) -> None:
    assert lookahead.asks_household(_info(text, field="child")) is asked


LIST = '{ children(cmsIds: ["C1", "C2"]) { household { members { individual { serviceChecks { outcome } } } } } }'


def test_a_list_of_children_is_not_looked_ahead_at() -> None:
    """The bulk path: its time is set by the sources' queues, where early checks would hold up address look-ups."""
    assert lookahead.asks_household(_info(LIST, field="children")) is False
    assert lookahead.member_checks(_info(LIST, field="household")) is None
    # The same selection beneath one child is looked ahead at.
    single = LIST.replace('children(cmsIds: ["C1", "C2"])', 'child(cmsId: "C1")')
    assert lookahead.asks_household(_info(single, field="child")) is True
    assert lookahead.member_checks(_info(single, field="household")) is not None


def _members(selection: str, fragments: str = "") -> str:
    return '{ child(cmsId: "C1") { household { members { individual { ' + selection + " } } } } } " + fragments


@pytest.mark.parametrize(
    ("text", "variables", "ahead"),
    [
        (_members("serviceChecks { outcome }"), {}, ChecksAhead(checks=True, services=None, links=False)),
        (
            _members("serviceChecks(services: [HOUSING, POLICE]) { outcome }"),
            {},
            ChecksAhead(checks=True, services=frozenset({Service.HOUSING, Service.POLICE}), links=False),
        ),
        (
            _members("serviceChecks(services: HOUSING) { outcome }"),
            {},
            ChecksAhead(checks=True, services=frozenset({Service.HOUSING}), links=False),
        ),
        # Aliases: every selection's services together.
        (
            _members(
                "a: serviceChecks(services: [HOUSING]) { outcome } b: serviceChecks(services: [SCHOOL]) { outcome }"
            ),
            {},
            ChecksAhead(checks=True, services=frozenset({Service.HOUSING, Service.SCHOOL}), links=False),
        ),
        (
            _members("a: serviceChecks(services: [HOUSING]) { outcome } b: serviceChecks { outcome }"),
            {},
            ChecksAhead(checks=True, services=None, links=False),
        ),
        (
            _members(
                "... on Person { links { recordId } } ...C", "fragment C on Individual { serviceChecks { outcome } }"
            ),
            {},
            ChecksAhead(checks=True, services=None, links=True),
        ),
        (_members("links { recordId }"), {}, ChecksAhead(checks=False, services=None, links=True)),
        (_members("name { full }"), {}, None),
        (_members("serviceChecks @include(if: false) { outcome }"), {}, None),
    ],
)
def test_member_checks(text: str, variables: dict[str, Any], ahead: ChecksAhead | None) -> None:
    assert lookahead.member_checks(_info(text, field="household", variables=variables)) == ahead


VARIABLE_SERVICES = """
query($s: [Service!]) {
  child(cmsId: "C1") { household { members { individual { serviceChecks(services: $s) { outcome } } } } }
}
"""


def test_a_services_variable_is_read_per_request() -> None:
    # One document, two requests: the document's part is cached, the variable's value is not.
    document_info = _info(VARIABLE_SERVICES, field="household", variables={"s": ["HOUSING"]})
    first = lookahead.member_checks(document_info)
    assert first is not None and first.services == frozenset({Service.HOUSING})
    document_info._raw_info.variable_values = {"s": ["POLICE", "SCHOOL"]}
    second = lookahead.member_checks(document_info)
    assert second is not None and second.services == frozenset({Service.POLICE, Service.SCHOOL})
    document_info._raw_info.variable_values = {"s": None}
    everything = lookahead.member_checks(document_info)
    assert everything is not None and everything.services is None


def test_a_services_value_it_cannot_read_starts_nothing() -> None:
    info = _info(VARIABLE_SERVICES, field="household", variables={"s": ["NOT_A_SERVICE"]})
    assert lookahead.member_checks(info) is None


@pytest.mark.parametrize(
    ("text", "own", "members"),
    [
        (
            '{ child(cmsId: "C1") { serviceChecks(services: [SCHOOL]) { outcome } household { members { individual {'
            " serviceChecks { outcome } } } } } }",
            ChecksAhead(checks=True, services=frozenset({Service.SCHOOL}), links=False),
            ChecksAhead(checks=True, services=None, links=False),
        ),
        # Aliases and fragments, on the child and beneath its household.
        (
            '{ child(cmsId: "C1") { ...Own home: household { ...M } } } '
            "fragment Own on Child { links { recordId } } "
            "fragment M on Household { members { individual { a: serviceChecks(services: HOUSING) { outcome } } } }",
            ChecksAhead(checks=False, services=None, links=True),
            ChecksAhead(checks=True, services=frozenset({Service.HOUSING}), links=False),
        ),
        # Only the household's basic details: its residents are still looked up early, but nobody's checks.
        ('{ child(cmsId: "C1") { household { members { individual { name { full } } } } } }', None, None),
    ],
)
def test_household_ahead(text: str, own: ChecksAhead | None, members: ChecksAhead | None) -> None:
    assert lookahead.household_ahead(_info(text, field="child")) == HouseholdAhead(own=own, members=members)


def test_household_ahead_only_where_a_household_is_asked_for_one_child() -> None:
    assert (
        lookahead.household_ahead(_info('{ child(cmsId: "C1") { serviceChecks { outcome } } }', field="child")) is None
    )
    assert lookahead.household_ahead(_info(LIST, field="children")) is None
