"""The gateway as an Apollo Federation v2 subgraph: the SDL a router composes, and `_service { sdl }`.

The entities are declared where their types are (`schema/people.py`: `@key(fields: "id")` on `Individual`,
`Person`, `Child` and `Household`, and `@key(fields: "cmsId")` on `Child`); `Query._entities` is in
`schema/query.py` and resolves every representation as `node(id:)` does (`resolvers/entities.py`).

The subgraph SDL is the served schema without federation's own plumbing (`_service`, `_entities`, `_Any`,
`_Entity`, `_Service`), which composition adds back itself. `_service` answers like introspection does: to every
signed-in caller, and not at all when `[graphql] introspection = false` (refused at validation, as `__schema` is).
"""

from __future__ import annotations

import re
from typing import Any, Final

import strawberry
from graphql import (
    DocumentNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    parse,
    print_ast,
)
from strawberry import Schema
from strawberry.printer import print_schema

from schema.access import held

PLUMBING_TYPES: Final = frozenset({"_Any", "_Entity", "_Service", "_FieldSet", "link__Import", "link__Purpose"})
PLUMBING_FIELDS: Final = frozenset({"_service", "_entities"})

_SDL_CACHE: dict[int, str] = {}


@strawberry.type(name="_Service", description="Apollo Federation: this subgraph's SDL, for composition.")
class ServiceDefinition:
    sdl: str = held()


def subgraph_sdl(schema: Schema) -> str:
    """The SDL composition needs: the schema with its `@link` and `@key` directives, without the plumbing."""
    found = _SDL_CACHE.get(id(schema))
    if found is None:
        document = parse(print_schema(schema))
        kept: list[Any] = []
        for definition in document.definitions:
            name = getattr(getattr(definition, "name", None), "value", None)
            if name in PLUMBING_TYPES:
                continue
            if isinstance(definition, ObjectTypeDefinitionNode) and name == "Query":
                fields = tuple(f for f in definition.fields or () if f.name.value not in PLUMBING_FIELDS)
                if not fields:  # a subgraph that only extends entities has no root fields of its own
                    continue
                definition = ObjectTypeDefinitionNode(
                    name=definition.name,
                    description=definition.description,
                    interfaces=definition.interfaces,
                    directives=definition.directives,
                    fields=fields,
                )
            kept.append(definition)
        if not any(getattr(getattr(d, "name", None), "value", None) == "Query" for d in kept):
            # No root fields of its own: `extend schema @link(...)` without a query root.
            kept = [
                SchemaExtensionNode(directives=d.directives, operation_types=())
                if isinstance(d, SchemaDefinitionNode)
                else d
                for d in kept
            ]
        found = print_ast(DocumentNode(definitions=tuple(kept))) + "\n"
        _SDL_CACHE[id(schema)] = found
    return found


_SCHEMA_LINK = re.compile(r"^schema @link\([^\n]*\) \{\n  query: Query\n\}\n\n", re.MULTILINE)
_APPLIED = re.compile(r' @(?:key|requires|provides)\(fields: "[^"]*"\)| @(?:shareable|external)\b')


def without_federation_directives(sdl: str) -> str:
    """`sdl` as strawberry prints it, without federation's directive applications (`@link` on the schema, `@key`,
    `@shareable`, ...): plain SDL any GraphQL tool reads."""
    return _APPLIED.sub("", _SCHEMA_LINK.sub("", sdl))
