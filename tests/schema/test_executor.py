"""schema/executor.py: plain scalar and enum fields on the short path answer exactly what graphql-core's whole path
answers (values, nulls, errors and where they are), and a request's objects are freed without the collector."""

from __future__ import annotations

import asyncio
import datetime
import enum
import gc
import json
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from auth.policy import Denied
from schema.access import Withheld, basic, plain_field_readers, read_field
from schema.build import enum_outputs_by_lookup
from schema.executor import FamilyContextExecutor

WITHHELD = Withheld(Denied(code="FORBIDDEN", message="Details of housing are not shown to you."))


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    DARK_BLUE = "dark blue"


@strawberry.type
class Item:
    text: str | None = basic()
    required: str = basic()
    when: datetime.date | None = basic()
    colour: Colour | None = basic()
    colours: list[Colour] | None = basic()
    count: int | None = basic()
    inner: Item | None = basic()

    @strawberry.field
    async def later(self) -> str | None:  # a resolver that awaits: the selection set's answer comes later
        await asyncio.sleep(0)
        return self.text


FIELDS = ("text", "required", "when", "colour", "colours", "count", "inner")


def _item(**values: Any) -> Item:
    return Item(**{name: values.get(name) for name in FIELDS})  # type: ignore[arg-type]  # nulls and markers too


def _items() -> list[Item]:
    plain = _item(
        text="a",
        required="b",
        when=datetime.date(2020, 2, 29),
        colour=Colour.DARK_BLUE,
        colours=[Colour.RED, Colour.DARK_BLUE],
        count=3,
        inner=_item(text="in", required="c", count=None),
    )
    nulls = _item(required="d")
    withheld = _item(text=WITHHELD, required="e", when=WITHHELD, colour=WITHHELD, count=WITHHELD)
    required_withheld = _item(required=WITHHELD)
    required_null = _item(required=None)
    uncoercible = _item(required="f", count="many", colour="GREEN", when="yesterday")
    # An empty list, and an object whose non-null field is null: the error nulls the object, at its own path.
    empties = _item(required="g", colours=[], inner=_item(required=None, text="x"))
    return [plain, nulls, withheld, required_withheld, required_null, uncoercible, empties]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return _items()

    @strawberry.field
    def plain(self) -> Item:
        return _items()[0]

    @strawberry.field
    def item(self) -> Item:
        return _items()[3]  # its required field is withheld: the error nulls the whole answer


def _schema(executor: type[StrawberryGraphQLCoreExecutionContext]) -> strawberry.Schema:
    schema = strawberry.Schema(
        query=Query, config=StrawberryConfig(default_resolver=read_field), execution_context_class=executor
    )
    plain_field_readers(schema._schema)
    enum_outputs_by_lookup(schema._schema)
    return schema


QUERIES = [
    "{ items { text required when colour colours count inner { text required count } } }",
    "{ items { inner { text required colours inner { text } } } }",
    "{ plain { inner { text } ...on Item { inner { count } } } }",
    "{ items { t: text ...F r: required again: required ... on Item { count c2: count } } }"
    " fragment F on Item { when colour }",
    "{ items { __typename text } item { text } }",
    "{ item { required } }",
    # Leaves before, between and after fields that run (objects, lists, a resolver that awaits), under aliases.
    "{ items { count inner { text } later t: text colours l2: later when inner { count } } }",
    "{ plain { a: later text b: later c: count } }",
]


class _Counting(FamilyContextExecutor):
    """Counts the fields that took graphql-core's whole path (it builds a resolve info for each)."""

    whole_path = 0

    def build_resolve_info(self, *args: Any, **kwargs: Any) -> Any:
        type(self).whole_path += 1
        return super().build_resolve_info(*args, **kwargs)


def _shape(result: Any) -> tuple[str, list[tuple[str, list[str | int] | None]]]:
    """The answer as JSON (the order of every object's keys, the query's, counts) and its errors."""
    errors = sorted((e.message, e.path) for e in result.errors or [])
    return json.dumps(result.data), errors


@pytest.mark.parametrize("query", QUERIES)
async def test_an_answer_and_its_errors_are_the_same_on_either_path(query: str) -> None:
    short = await _schema(FamilyContextExecutor).execute(query)
    whole = await _schema(StrawberryGraphQLCoreExecutionContext).execute(query)
    assert _shape(short) == _shape(whole)
    # Only the errors the items were made to have: withheld values, nulls where refused, values of the wrong type.
    # (A date that is text fails in strawberry's Date serializer, as the error its `isoformat` raises.)
    expected = ("Details of housing", "Cannot return null", "Int cannot represent", "Enum 'Colour'", "Date", "'str'")
    assert all(e.message.startswith(expected) or "cannot represent" in e.message for e in short.errors or []), short


async def test_the_plain_leaves_that_are_readable_take_the_short_path() -> None:
    _Counting.whole_path = 0
    result = await _schema(_Counting).execute("{ items { text count colours inner { text } } }")
    assert result.data is not None
    # `items`; the fields that fail (two withheld, a value that is no Int); the one list with items. The readable
    # leaves, the empty and null lists, and the objects (and their fields) do not.
    assert _Counting.whole_path == 1 + 3 + 1
    assert [e.path for e in result.errors or []] == [["items", 2, "text"], ["items", 2, "count"], ["items", 5, "count"]]
    assert result.data["items"][6] == {"text": None, "count": None, "colours": [], "inner": {"text": "x"}}


def test_withheld_values_are_the_access_modules_marker() -> None:
    # One marker: what the redaction writes (schema/access.py) is what the short path recognises.
    assert WITHHELD.__class__ is Withheld


@pytest.fixture
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("no_collector")
@pytest.mark.parametrize(
    ("executor", "freed_without_collector"),
    [(FamilyContextExecutor, True), (StrawberryGraphQLCoreExecutionContext, False)],
)
async def test_a_requests_executor_is_freed_by_reference_counting(
    executor: type[StrawberryGraphQLCoreExecutionContext], freed_without_collector: bool
) -> None:
    made: list[weakref.ref[Any]] = []

    class Watched(executor):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    result = await _schema(Watched).execute("{ plain { text colour inner { text } } }")
    assert result.data is not None
    assert not result.errors  # an error's traceback would keep the executor's frames, and it, until it is freed
    del result
    assert len(made) == 1
    # graphql-core's own executor stays in a reference cycle until a collection; ours is gone at once.
    assert (made[0]() is None) is freed_without_collector
