"""The executor the schema runs with: graphql-core's, with a short path for plain scalar and enum fields.

Why: a family-context answer has a few hundred fields, and most are a plain attribute holding a scalar or an enum
(a name's parts, a date, a service's outcome). For each, graphql-core builds a resolve info (a 15-part tuple) and a
list of the field's nodes, calls the reader, asks twice whether the result is awaitable, then walks its completion
steps: about 4 us a field, measured, several times what reading and coercing the value costs.

The short path is taken only for a field whose resolver is a plain reader (`schema/access.py`, `_reader`: no
resolver, no field extension, so no access guard to run) and whose type is a scalar or an enum, nullable or not.
It reads the attribute and coerces it exactly as graphql-core would. Anything else goes the whole way, through
graphql-core's own `execute_field`: a withheld value (`Withheld`, which becomes the field's error), a null where
the type forbids it, a value the type cannot coerce, a list. So every error is raised, located and shaped by
graphql-core as before, and an answer is the same on either path (tests/schema/test_executor.py).

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
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfoHelpers, Undefined
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.access import PLAIN_LEAF_KEY, PlainLeaf, Withheld


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
            plan: PlainLeaf | None = getattr(field_def.resolve, PLAIN_LEAF_KEY, None)
            if plan is not None:
                value = getattr(source, plan.attribute)
                if value is None:
                    if not plan.non_null:
                        return None
                elif value.__class__ is not Withheld:
                    try:
                        coerced = plan.leaf_type.coerce_output_value(value)
                    except Exception:  # graphql-core's own path raises and locates it again
                        coerced = None
                    if coerced is not None and coerced is not Undefined:
                        return coerced
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def _alive(executor: weakref.ref[FamilyContextExecutor]) -> FamilyContextExecutor:
    found = executor()
    if found is None:  # only a resolver that kept its info past its request could get here
        raise RuntimeError("This request has finished: its executor is gone.")
    return found
