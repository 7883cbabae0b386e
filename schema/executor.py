"""The executor the schema runs with: graphql-core's, with a short path for plain attribute fields.

Why: a family-context answer has a few hundred fields, and most are a plain attribute: a scalar or an enum (a
name's parts, a date, a service's outcome), an object (a name, an address), or a list, most often empty (a check's
involvements). For each, graphql-core builds a resolve info (a 15-part tuple) and a list of the field's nodes,
calls the reader, asks twice whether the result is awaitable, then walks its completion steps: about 4 us a
field, measured, several times what reading and coercing the value costs.

The short path is taken only for a field whose resolver is a plain reader (`schema/access.py`, `_reader`: no
resolver, no field extension, so no access guard to run), and only for these values:

* a scalar or an enum, coerced exactly as graphql-core would;
* an object of an object type that needs no type check (`is_type_of`): its sub-fields are executed as graphql-core
  executes them, and an error they raise is located and handled at this field as graphql-core would;
* an empty list;
* null, where the type allows it.

Anything else goes the whole way, through graphql-core's own `execute_field`: a withheld value (`Withheld`, which
becomes the field's error), a null where the type forbids it, a value the type cannot coerce, a list with items,
an interface or a union. So every error is raised, located and shaped by graphql-core as before, and an answer is
the same on either path (tests/schema/test_executor.py).

A selection set's scalars and enums are read before graphql-core sees the selection set at all (`execute_fields`):
it then runs only the other fields, and the answers are put back in the query's order. So a leaf costs neither a
response path, nor a call, nor an awaitable check: most of what is left of its cost on the short path, in an
answer whose values are mostly leaves (two thirds of a family-context answer's fields).

It also leaves out the one reference cycle a request made: graphql-core's executor holds its resolve-info helpers,
which held the executor's own bound methods. Through it, everything the request built (the context, the loaders,
the source records, graphql-core's collected fields: about 630 objects per family query) could be freed only by
the garbage collector, which then ran every few requests and spent most of its time freeing them. The helpers here
reach the executor through a weak reference, so a request's objects are freed by reference counting as soon as it
is answered. While a field runs, its executor is alive (the call stack holds it).
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any, cast

from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLOutputType, GraphQLResolveInfoHelpers, Undefined
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.access import PLAIN_READ_KEY, PlainKind, PlainRead, Withheld


class FamilyContextExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor (as strawberry configures it), with the short path and the helpers of this module's
    docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        executor = weakref.ref(self)

        def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
            return _alive(executor).gather_async_work(values)

        def track(values: Sequence[Any]) -> None:
            _alive(executor).track_async_work(values)

        self.async_helpers = GraphQLResolveInfoHelpers(gather=gather, track=track)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: dict[str, Any],
        position_context: Any,
    ) -> Any:
        leaves = _leaf_reads(parent_type)
        answered: dict[str, Any] = {}
        rest: dict[str, Any] | None = None
        for response_name, field_details_list in grouped_field_set.items():
            plan = leaves.get(field_details_list[0].node.name.value)
            if plan is not None:
                value = getattr(source_value, plan.attribute)
                if value is None:
                    if not plan.non_null:
                        answered[response_name] = None
                        continue
                elif value.__class__ is not Withheld:
                    try:
                        coerced = plan.named.coerce_output_value(value)  # type: ignore[attr-defined]  # a leaf type
                    except Exception:  # graphql-core's own path raises and locates it again
                        coerced = None
                    if coerced is not None and coerced is not Undefined:
                        answered[response_name] = coerced
                        continue
            if rest is None:
                rest = {}
            rest[response_name] = field_details_list
        if rest is None:
            return answered
        executed = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if not answered:
            return executed
        if self.is_awaitable(executed):
            return self._in_order(grouped_field_set, answered, cast(Awaitable[dict[str, Any]], executed))
        return _in_order(grouped_field_set, answered, cast(dict[str, Any], executed))

    async def _in_order(
        self, grouped_field_set: dict[str, Any], answered: dict[str, Any], executed: Awaitable[dict[str, Any]]
    ) -> dict[str, Any]:
        return _in_order(grouped_field_set, answered, await executed)

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # An object (or a list's item) of a plain object type: graphql-core's steps come down to executing its
        # sub-fields, so that is done at once; anything else (null, an error, a withheld value, a leaf, a list, an
        # interface, a type with `is_type_of`) takes graphql-core's steps.
        object_type = _plain_object_type(return_type)
        if (
            object_type is not None
            and result is not None
            and result is not Undefined
            and result.__class__ is not Withheld
            and not isinstance(result, Exception)
        ):
            return self.collect_and_execute_subfields(object_type, field_details_list, path, result, position_context)
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        field_def = parent_type.fields.get(field_details_list[0].node.name.value)
        if field_def is not None:
            plan: PlainRead | None = getattr(field_def.resolve, PLAIN_READ_KEY, None)
            if plan is not None:
                value = getattr(source, plan.attribute)
                if value is None:
                    if not plan.non_null:
                        return None
                elif value.__class__ is not Withheld:
                    # A leaf gets here only when `execute_fields` could not answer it: graphql-core's way, then.
                    kind = plan.kind
                    if kind is PlainKind.OBJECT:
                        object_type: GraphQLObjectType = plan.named  # type: ignore[assignment]
                        if object_type.is_type_of is None:
                            return self._plain_object(
                                object_type, field_def.type, field_details_list, path, value, position_context
                            )
                    elif kind is PlainKind.LIST and not value and isinstance(value, list | tuple):
                        return []
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _plain_object(
        self,
        object_type: GraphQLObjectType,
        field_type: GraphQLOutputType,
        field_details_list: Any,
        path: Path,
        value: Any,
        position_context: Any,
    ) -> Any:
        """The object's sub-fields, executed; an error they raise (a null in a non-null sub-field) handled at this
        field, as graphql-core's `execute_field` handles it."""
        try:
            completed = self.collect_and_execute_subfields(
                object_type, field_details_list, path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, field_details_list, path)
            return None
        if self.is_awaitable(completed):
            return self._settled(completed, field_type, field_details_list, path)
        return completed

    async def _settled(
        self, completed: Awaitable[Any], field_type: GraphQLOutputType, field_details_list: Any, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, field_details_list, path)
            return None


def _in_order(grouped_field_set: dict[str, Any], answered: dict[str, Any], executed: dict[str, Any]) -> dict[str, Any]:
    """The answers of both paths, in the selection set's order (a field graphql-core left out stays out)."""
    merged: dict[str, Any] = {}
    for response_name in grouped_field_set:
        if response_name in answered:
            merged[response_name] = answered[response_name]
        elif response_name in executed:
            merged[response_name] = executed[response_name]
    return merged


def _leaf_reads(parent_type: GraphQLObjectType) -> dict[str, PlainRead]:
    """The type's plain scalar and enum fields by name, worked out once per type and kept on it (a type lives as
    long as its schema)."""
    found: dict[str, PlainRead] | None = parent_type.__dict__.get(_LEAF_READS_KEY)
    if found is None:
        found = {}
        for name, field_def in parent_type.fields.items():
            plan: PlainRead | None = getattr(field_def.resolve, PLAIN_READ_KEY, None)
            if plan is not None and plan.kind is PlainKind.LEAF:
                found[name] = plan
        setattr(parent_type, _LEAF_READS_KEY, found)
    return found


_LEAF_READS_KEY = "_family_context_leaf_reads"


def _plain_object_type(return_type: GraphQLOutputType) -> GraphQLObjectType | None:
    """The object type when `return_type` is one (or a non-null one) that needs no type check (`is_type_of`), else
    None; worked out once per type and kept on it."""
    found = return_type.__dict__.get(_PLAIN_OBJECT_KEY, _UNKNOWN)
    if found is _UNKNOWN:
        inner = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        found = inner if isinstance(inner, GraphQLObjectType) and inner.is_type_of is None else None
        setattr(return_type, _PLAIN_OBJECT_KEY, found)
    return found


_PLAIN_OBJECT_KEY = "_family_context_plain_object"
_UNKNOWN: Any = object()


def _alive(executor: weakref.ref[FamilyContextExecutor]) -> FamilyContextExecutor:
    found = executor()
    if found is None:  # only a resolver that kept its info past its request could get here
        raise RuntimeError("This request has finished: its executor is gone.")
    return found
