"""Plain attribute fields are read by a reader of their own; fields with a resolver keep strawberry's, guard and all."""

from __future__ import annotations

import pytest

from auth.access import AccessDenied
from auth.policy import Denied
from schema.access import Withheld, plain_field_readers
from schema.build import build_schema


def test_plain_fields_get_readers_and_guarded_fields_keep_their_guard() -> None:
    schema = build_schema()._schema
    outcome = schema.type_map["ServiceCheck"].fields["outcome"]  # type: ignore[attr-defined]
    checks = schema.type_map["Person"].fields["serviceChecks"]  # type: ignore[attr-defined]
    household = schema.type_map["Child"].fields["household"]  # type: ignore[attr-defined]
    assert outcome.resolve.__qualname__ == "_reader.<locals>.read"
    assert checks.resolve.__qualname__ != "_reader.<locals>.read"
    assert household.resolve.__qualname__ != "_reader.<locals>.read"
    assert plain_field_readers(schema) > 100  # every plain field, again: idempotent


def test_a_reader_raises_the_denial_of_a_withheld_value() -> None:
    schema = build_schema()._schema
    start = schema.type_map["HousingInvolvement"].fields["tenancyStart"]  # type: ignore[attr-defined]

    class Source:
        tenancy_start = Withheld(Denied(code="FORBIDDEN", message="Details of housing are not shown to you."))

    with pytest.raises(AccessDenied):
        start.resolve(Source(), None)
    Source.tenancy_start = None  # type: ignore[assignment]
    assert start.resolve(Source(), None) is None
