"""schema/build.py's enum outputs by lookup answer exactly what strawberry's own coercion answers."""

from __future__ import annotations

import enum

import pytest
from graphql import GraphQLEnumType, GraphQLError

from schema.build import build_schema


def test_every_member_of_every_enum_serialises_as_strawberry_would() -> None:
    built = build_schema()._schema
    enums = [t for t in built.type_map.values() if isinstance(t, GraphQLEnumType) and hasattr(t, "wrapped_cls")]
    assert len(enums) > 5
    for graphql_type in enums:
        assert "coerce_output_value" in vars(graphql_type), graphql_type.name  # the lookup is installed
        members: type[enum.Enum] = graphql_type.wrapped_cls
        for member in members:
            original = type(graphql_type).coerce_output_value(graphql_type, member)
            assert graphql_type.coerce_output_value(member) == original
        # Names as plain strings, and values that are no member, still take strawberry's path and its errors.
        first = next(iter(graphql_type.values))
        assert graphql_type.coerce_output_value(first) == type(graphql_type).coerce_output_value(graphql_type, first)
        with pytest.raises(GraphQLError):
            graphql_type.coerce_output_value(object())
