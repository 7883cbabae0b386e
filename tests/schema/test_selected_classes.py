"""schema/access.py `selected_classes`: what a field's selection asks for, worked out once per document and field."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from graphql import FieldNode, FragmentDefinitionNode, OperationDefinitionNode, parse

import schema.access as access
from auth.field_classes import FieldClass
from schema.build import build_schema
from schema.per_document import PerDocument

QUERY = """
query { child(cmsId: "C1") { serviceChecks { ...Checks } } }
fragment Checks on ServiceCheck { outcome involvements { ... on HousingInvolvement { tenancyStart } } }
"""
SCHEMA = build_schema()._schema


def _info(text: str) -> Any:
    document = parse(text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    child = operation.selection_set.selections[0]
    assert isinstance(child, FieldNode) and child.selection_set is not None
    checks = child.selection_set.selections[0]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    raw = SimpleNamespace(
        schema=SCHEMA,
        parent_type=SCHEMA.type_map["Child"],
        field_name="serviceChecks",
        field_nodes=[checks],
        fragments=fragments,
    )
    return SimpleNamespace(_raw_info=raw)


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted = [0]
    walk = access._collect

    def counting(*args: Any) -> None:
        counted[0] += 1
        walk(*args)

    monkeypatch.setattr(access, "_collect", counting)
    monkeypatch.setattr(access, "_SELECTED", PerDocument())
    return counted


def test_a_document_is_walked_once_however_many_requests_run_it(walks: list[int]) -> None:
    info = _info(QUERY)
    first = access.selected_classes(info)
    assert first == {("HousingInvolvement", FieldClass.DETAIL), ("ServiceCheck", FieldClass.FLAG)}
    walked = walks[0]
    assert access.selected_classes(info) is first  # a second request with the parser cache's document
    assert walks[0] == walked
    # The same text parsed again is another document: walked again, to the same answer.
    assert access.selected_classes(_info(QUERY)) == first
    assert walks[0] > walked


def test_the_cache_is_bounded(walks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "_SELECTED", PerDocument(size=3))
    for _ in range(10):
        access.selected_classes(_info(QUERY))
    assert len(access._SELECTED) <= 3
