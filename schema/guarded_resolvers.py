"""Guarded resolver fields called on a short path: the same steps as strawberry's, in the same order, in one call.

Why: strawberry resolves a field that has a resolver and a field extension (every guarded field: `AccessGuard`,
`schema/access.py`) through six calls per value: its async wrapper, a new `Info`, the argument conversion, a chain
of `functools.partial`s built for the call, the extension, and `get_result`, then awaits the result twice (its
wrapper's `await_maybe` and the extension's). `serviceChecks` runs once per person, so a `children(500)` answer
paid that some thousands of times (about 7% of its CPU, sampled).

Here each such field gets a resolver of its own, built once with the schema, which does what strawberry's does:

1. converts the arguments with strawberry's own `convert_argument` (enums, IDs, input types), as strawberry
   does before any extension runs;
2. asks the field's `AccessGuard` (`AccessGuard.check`): refused, the field is null with its error and the
   resolver is not called, so no source is asked;
3. calls the resolver with the parent, `info` and the arguments where its signature asks for them;
4. redacts what it returns (`AccessGuard.redact`), awaited first when the resolver is async: an async field's
   resolver is itself async, as strawberry's is, so a refusal is raised when graphql-core awaits the field and
   the answer's errors come in the same order.

Who may see what is decided in one place still, the guard; this module only calls it. A field with any other
extension, or none, keeps strawberry's own resolver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry import Info, Schema
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

from schema.access import AccessGuard, strawberry_field

# Marks a resolver built here, for tests and for anyone reading a built schema.
DIRECT_KEY = "_guarded_directly"


def direct_guarded_resolvers(schema: Schema) -> int:
    """Give every guarded resolver field of the built schema its short path. Returns how many fields changed."""
    changed = 0
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for graphql_field in named.fields.values():
            definition = strawberry_field(graphql_field)
            if definition is None or definition.base_resolver is None:
                continue
            guards = [e for e in definition.extensions if isinstance(e, AccessGuard)]
            if len(guards) != 1 or len(definition.extensions) != 1 or _handles_exceptions(schema, definition):
                continue
            graphql_field.resolve = _direct(schema, definition, guards[0])
            changed += 1
    return changed


def _handles_exceptions(schema: Schema, field: StrawberryField) -> bool:
    """Whether strawberry would turn the field's exceptions into results (its schema-level exception handlers,
    which this gateway does not use): such a field keeps strawberry's resolver, which applies them."""
    handlers = getattr(schema.schema_converter, "_get_field_exception_handlers", None)
    return bool(handlers(field)) if handlers is not None else False


def _direct(schema: Schema, field: StrawberryField, guard: AccessGuard) -> Callable[..., Any]:
    resolver = field.base_resolver
    assert resolver is not None
    call = cast(Callable[..., Any], resolver.wrapped_func)  # a plain function: our resolvers are methods
    config = schema.config
    info_class = config.info_class
    scalar_registry = schema.schema_converter.scalar_registry
    passes_self = resolver.self_parameter is not None
    named_source = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    # (GraphQL name, Python name, the type, whether a null needs no conversion) per argument, named once.
    named_arguments = [
        (config.name_converter.from_argument(a), a.python_name, a.type, a.type.__class__ is StrawberryOptional)
        for a in field.arguments
    ]

    def arguments_of(source: Any, strawberry_info: Info, raw: dict[str, Any]) -> dict[str, Any]:
        # strawberry's `convert_arguments`, except that a null (an optional argument left out: graphql-core
        # passes its default) is None at once, as `convert_argument` would answer after two calls. The guard's
        # `map_arguments` is the identity, so it is not called.
        kwargs: dict[str, Any] = {}
        for name, python_name, argument_type, optional in named_arguments:
            if name in raw:
                value = raw[name]
                if value is None and optional:
                    kwargs[python_name] = None
                else:
                    kwargs[python_name] = convert_argument(
                        value, argument_type, scalar_registry, config, strawberry_info, path=(name,)
                    )
        for name in named_source:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = strawberry_info
        return kwargs

    if field.is_async:
        # As strawberry's async resolver: everything happens when graphql-core awaits the field, refusals and
        # argument errors included, so errors come in the order they did.
        async def resolve_async(source: Any, info: GraphQLResolveInfo, **raw: Any) -> Any:
            strawberry_info = info_class(_raw_info=info, _field=field)
            kwargs = arguments_of(source, strawberry_info, raw)
            access = guard.check(strawberry_info)
            result = call(source, **kwargs) if passes_self else call(**kwargs)
            return guard.redact(await result, strawberry_info, access)

        setattr(resolve_async, DIRECT_KEY, True)
        return resolve_async

    def resolve(source: Any, info: GraphQLResolveInfo, **raw: Any) -> Any:
        strawberry_info = info_class(_raw_info=info, _field=field)
        kwargs = arguments_of(source, strawberry_info, raw)
        access = guard.check(strawberry_info)
        result = call(source, **kwargs) if passes_self else call(**kwargs)
        return guard.redact(result, strawberry_info, access)

    setattr(resolve, DIRECT_KEY, True)
    return resolve
