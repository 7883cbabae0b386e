"""Field classes, declared next to each field, and the guard that enforces them on every path.

Every field of the schema declares the class of data it carries (`auth/field_classes.py`):

* a plain attribute: `name: Name | None = basic()`, `start_date: datetime.date | None = detail()`;
* a field with a resolver: `@guarded(FieldClass.FLAG)` instead of `@strawberry.field`;
* a part of a small value (`Name.given`, `Practitioner.phone`): `held()`, the class of the field holding it.

Enforcement, in two places that cannot be routed around with aliases, fragments or a different root field:

1. every resolver field carries `AccessGuard`: before its resolver runs, the request's `RequestAccess` must grant
   the field's class, else the field is null with one `FORBIDDEN`/`PURPOSE_REQUIRED` error and no source is asked;
2. what the resolver returns is redacted before graphql-core sees it: every plain attribute, reachable from the
   returned value through plain attributes, whose class the policy withholds (for the service of the object it is
   on: police details, say) is replaced by a `Withheld` marker. The schema's default resolver (`read_field`)
   turns a marker into that field's error, so a withheld value is null with an error at its own path, and a
   field that was not asked for costs nothing.

The redaction plan for a return type is compiled once, from these declarations, and walks only the paths that can
hold a withholdable field (for `serviceChecks`: each involvement's details and its record's linkage fields).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
)
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from auth.access import AccessDenied, RequestAccess
from auth.field_classes import FieldClass
from auth.policy import Denied
from schema.per_document import PerDocument
from sources.model import Service

ACCESS_KEY: Final = "family_context.access"
DEFINITION_BACKREF: Final = "strawberry-definition"


class Held:
    """The class of a part of a value is the class of the field that holds the value."""

    def __repr__(self) -> str:
        return "HELD"


HELD: Final = Held()
Declared = FieldClass | Held


# ---------------------------------------------------------------- declarations


def classified(field_class: Declared, *, description: str | None = None) -> Any:
    """A plain attribute field of this class."""
    return strawberry.field(description=description, metadata={ACCESS_KEY: field_class})


def basic(description: str | None = None) -> Any:
    return classified(FieldClass.BASIC, description=description)


def flag(description: str | None = None) -> Any:
    return classified(FieldClass.FLAG, description=description)


def detail(description: str | None = None) -> Any:
    return classified(FieldClass.DETAIL, description=description)


def linkage(description: str | None = None) -> Any:
    return classified(FieldClass.LINKAGE, description=description)


def operations(description: str | None = None) -> Any:
    return classified(FieldClass.OPERATIONS, description=description)


def own(description: str | None = None) -> Any:
    """The caller's own identity (`me`)."""
    return classified(FieldClass.SELF, description=description)


def held(description: str | None = None) -> Any:
    return classified(HELD, description=description)


def guarded(field_class: FieldClass, *, description: str | None = None, name: str | None = None) -> Any:
    """`@strawberry.field` for a field with a resolver, guarded by its class (see `AccessGuard`)."""
    return strawberry.field(
        name=name, description=description, metadata={ACCESS_KEY: field_class}, extensions=[AccessGuard(field_class)]
    )


def declared_class(field: StrawberryField) -> Declared | None:
    value = field.metadata.get(ACCESS_KEY) if field.metadata else None
    return value if isinstance(value, FieldClass | Held) else None


# ---------------------------------------------------------------- withholding


@dataclass(frozen=True, slots=True)
class Withheld:
    """Stands in for a withheld value on a redacted object; reading it raises the denial."""

    denied: Denied


def read_field(source: Any, name: str) -> object:
    """The schema's default resolver: `getattr`, except that a withheld value raises its denial."""
    value = getattr(source, name)
    if value.__class__ is Withheld:
        raise AccessDenied(value.denied)
    return value


def plain_field_readers(schema: GraphQLSchema) -> int:
    """Give every plain attribute field of the built schema a reader of its own, doing what `read_field` does.

    Why: strawberry resolves a plain field through three calls (its basic-result wrapper, `get_result` with a new
    argument list and dict, then the default resolver); a `children` answer has tens of thousands of such fields.
    Only fields strawberry itself resolves that way are changed (no resolver, no field extension), so a guarded
    field keeps its `AccessGuard`. Returns how many fields were given a reader.
    """
    changed = 0
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for graphql_field in named.fields.values():
            definition = strawberry_field(graphql_field)
            resolve = graphql_field.resolve
            if definition is None or definition.base_resolver is not None or definition.extensions:
                continue
            if resolve is None or not getattr(resolve, "_is_default", False):
                continue
            graphql_field.resolve = _reader(definition.python_name, graphql_field)
            changed += 1
    return changed


def _reader(name: str, graphql_field: GraphQLField) -> Callable[..., object]:
    def read(source: Any, info: Any) -> object:
        value = getattr(source, name)
        if value.__class__ is Withheld:
            raise AccessDenied(value.denied)
        return value

    read._is_default = True  # type: ignore[attr-defined]  # as strawberry marks its own default resolvers
    setattr(read, PLAIN_READ_KEY, plain_read(name, graphql_field))
    return read


# Where a plain reader keeps its `PlainRead`, for the executor's short path (`schema/executor.py`).
PLAIN_READ_KEY: Final = "_plain_read"


class PlainKind(enum.Enum):
    LEAF = "a scalar or an enum"
    OBJECT = "an object type"
    LIST = "a list"


class PlainRead(NamedTuple):
    """How a plain field's value is read: the attribute's name, the kind of its type, the named type, and whether
    null is refused."""

    attribute: str
    kind: PlainKind
    named: GraphQLNamedType
    non_null: bool


def plain_read(attribute: str, graphql_field: GraphQLField) -> PlainRead | None:
    """The short path's plan for a plain attribute field; None for an interface or a union, which only graphql-core
    resolves (to their object type)."""
    field_type = graphql_field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if isinstance(inner, GraphQLList):
        return PlainRead(attribute, PlainKind.LIST, get_named_type(inner), non_null)
    if is_leaf_type(inner):
        return PlainRead(attribute, PlainKind.LEAF, inner, non_null)
    if isinstance(inner, GraphQLObjectType):
        return PlainRead(attribute, PlainKind.OBJECT, inner, non_null)
    return None


class AccessGuard(FieldExtension):
    """Grants or refuses a resolver field by its class, then redacts what the resolver returned. strawberry calls
    it as a field extension; the schema as built calls `check` and `redact` directly instead, on a short path
    (`schema/guarded_resolvers.py`)."""

    def __init__(self, field_class: FieldClass) -> None:
        self.field_class = field_class
        self._plans: dict[int, _Plan | None] = {}

    def check(self, info: Info) -> RequestAccess:
        """The request's access, once it grants the field's class; else `AccessDenied`."""
        access: RequestAccess = info.context.access
        access.require(self.field_class)
        return access

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        access = self.check(info)
        return self.redact(next_(source, info, **kwargs), info, access)

    async def resolve_async(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        access = self.check(info)
        return self.redact(await next_(source, info, **kwargs), info, access)

    def redact(self, value: Any, info: Info, access: RequestAccess) -> Any:
        """What the resolver returned, with every value the request may not see replaced by its `Withheld`."""
        if value is None:
            return None
        schema = info._raw_info.schema
        plan = self._plans.get(id(schema), _MISSING)
        if plan is _MISSING:
            parent = info._raw_info.parent_type.fields[info._raw_info.field_name]
            plan = compile_plan(schema, parent.type, self.field_class)
            self._plans[id(schema)] = plan
        if plan is None:
            return value
        return plan.redact(value, access, None)


_MISSING: Any = object()


# ---------------------------------------------------------------- redaction plans


class _Plan:
    """How to redact a value of one GraphQL type: which of its attributes may be withheld, and where to recurse."""

    def redact(self, value: Any, access: RequestAccess, service: Service | None) -> Any:
        raise NotImplementedError


class _ListPlan(_Plan):
    def __init__(self, item: _Plan) -> None:
        self.item = item

    def redact(self, value: Any, access: RequestAccess, service: Service | None) -> Any:
        if value is None or value.__class__ is Withheld:
            return value
        items = [self.item.redact(v, access, service) for v in value]
        return tuple(items) if isinstance(value, tuple) else items


class _AbstractPlan(_Plan):
    def __init__(self, candidates: list[tuple[GraphQLObjectType, _Plan]]) -> None:
        self.candidates = candidates

    def redact(self, value: Any, access: RequestAccess, service: Service | None) -> Any:
        if value is None or value.__class__ is Withheld:
            return value
        for object_type, plan in self.candidates:
            if object_type.is_type_of is not None and object_type.is_type_of(value, None):  # type: ignore[arg-type]
                return plan.redact(value, access, service)
        return value


class _ObjectPlan(_Plan):
    def __init__(self, name: str) -> None:
        self.name = name
        self.classes: dict[str, FieldClass] = {}  # attribute -> class, for attributes that may be withheld
        self.nested: dict[str, _Plan] = {}  # attribute -> plan of its value

    def redact(self, value: Any, access: RequestAccess, service: Service | None) -> Any:
        if value is None or value.__class__ is Withheld:
            return value
        if _may_carry_service(value.__class__):
            own_service = getattr(value, "service", None)
            if isinstance(own_service, Service):
                service = own_service
        withheld = self._withheld_for(access, service)
        changes: dict[str, Any] | None = dict(withheld) if withheld else None
        for attribute, plan in self.nested.items():
            if changes is not None and attribute in changes:
                continue
            current = getattr(value, attribute)
            redacted = plan.redact(current, access, service)
            if redacted is not current:
                if changes is None:
                    changes = {}
                changes[attribute] = redacted
        return dataclasses.replace(value, **changes) if changes else value

    def _withheld_for(self, access: RequestAccess, service: Service | None) -> Mapping[str, Withheld]:
        """The attributes withheld on this type for this service, worked out once per request."""
        key = (self, service)
        found: Mapping[str, Withheld] | None = access.memo.get(key)
        if found is None:
            found = {}
            for attribute, field_class in self.classes.items():
                decision = access.decide(field_class, service)
                if isinstance(decision, Denied):
                    found[attribute] = Withheld(decision)
            access.memo[key] = found
        return found


def _may_carry_service(cls: type) -> bool:
    """Whether values of this class may carry a `service` of their own (a check, a link), which then decides for
    them and beneath them. Worked out once per dataclass (a field or a class attribute named `service`): looking on
    a value without one raises and swallows an AttributeError every time. Any other class: looked at each time."""
    found = _MAY_CARRY_SERVICE.get(cls)
    if found is None:
        if dataclasses.is_dataclass(cls):
            found = hasattr(cls, "service") or any(f.name == "service" for f in dataclasses.fields(cls))
        else:
            found = True
        _MAY_CARRY_SERVICE[cls] = found
    return found


_MAY_CARRY_SERVICE: dict[type, bool] = {}


def compile_plan(schema: GraphQLSchema, return_type: GraphQLType, gate: FieldClass) -> _Plan | None:
    """The redaction plan for a resolver field of class `gate`, or None when nothing under it can be withheld.

    An attribute is withholdable when its class differs from the gate's (the guard already granted the gate's
    class) and is not `HELD`; recursion stops at fields with resolvers, which carry their own guard.
    """
    return _compile(schema, return_type, gate, {})


def _compile(
    schema: GraphQLSchema, graphql_type: GraphQLType, gate: FieldClass, seen: dict[str, _Plan | None]
) -> _Plan | None:
    while isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    if isinstance(graphql_type, GraphQLList):
        item = _compile(schema, graphql_type.of_type, gate, seen)
        return _ListPlan(item) if item is not None else None
    if is_abstract_type(graphql_type):
        assert isinstance(graphql_type, GraphQLAbstractType)
        candidates = [
            (t, p)
            for t in schema.get_possible_types(graphql_type)
            if (p := _compile(schema, t, gate, seen)) is not None
        ]
        return _AbstractPlan(candidates) if candidates else None
    if not isinstance(graphql_type, GraphQLObjectType):
        return None
    if graphql_type.name in seen:
        return seen[graphql_type.name]
    seen[graphql_type.name] = None  # a cycle through plain attributes adds nothing new
    plan = _ObjectPlan(graphql_type.name)
    for graphql_field in graphql_type.fields.values():
        definition = strawberry_field(graphql_field)
        if definition is None or definition.base_resolver is not None:
            continue
        declared = declared_class(definition)
        if isinstance(declared, FieldClass) and declared not in (gate, FieldClass.SELF):
            plan.classes[definition.python_name] = declared
        nested = _compile(schema, graphql_field.type, gate, seen)
        if nested is not None:
            plan.nested[definition.python_name] = nested
    result = plan if plan.classes or plan.nested else None
    seen[graphql_type.name] = result
    return result


def strawberry_field(graphql_field: GraphQLField) -> StrawberryField | None:
    definition = (graphql_field.extensions or {}).get(DEFINITION_BACKREF)
    return definition if isinstance(definition, StrawberryField) else None


def selected_classes(info: Info) -> frozenset[tuple[str, FieldClass]]:
    """(object type, class) of every field the query selects beneath this field, through aliases, named and
    inline fragments and interfaces: what the audit trail records as viewed follows what was asked for and
    returned, not the query's text. Worked out once per document and field (`schema/per_document.py`)."""
    return _SELECTED.get(info._raw_info, _selected_classes)


def _selected_classes(raw: GraphQLResolveInfo) -> frozenset[tuple[str, FieldClass]]:
    parent = raw.parent_type.fields[raw.field_name]
    collected: set[tuple[str, FieldClass]] = set()
    for node in raw.field_nodes:
        if node.selection_set is not None:
            _collect(raw.schema, raw.fragments, node.selection_set, get_named_type(parent.type), collected, set())
    return frozenset(collected)


_SELECTED: PerDocument[frozenset[tuple[str, FieldClass]]] = PerDocument()


def _collect(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    selections: SelectionSetNode,
    parent: GraphQLNamedType,
    found: set[tuple[str, FieldClass]],
    spread: set[str],
) -> None:
    concrete = list(schema.get_possible_types(parent)) if is_abstract_type(parent) else [parent]
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            for owner in concrete:
                graphql_field = getattr(owner, "fields", {}).get(name)
                definition = strawberry_field(graphql_field) if graphql_field is not None else None
                declared = declared_class(definition) if definition is not None else None
                if isinstance(declared, FieldClass):
                    found.add((owner.name, declared))
                if graphql_field is not None and selection.selection_set is not None:
                    nested = get_named_type(graphql_field.type)
                    _collect(schema, fragments, selection.selection_set, nested, found, spread)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            narrowed = schema.type_map.get(condition.name.value, parent) if condition else parent
            _collect(schema, fragments, selection.selection_set, narrowed, found, spread)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                narrowed = schema.type_map.get(fragment.type_condition.name.value, parent)
                _collect(schema, fragments, fragment.selection_set, narrowed, found, spread | {selection.name.value})


def field_classes(schema: GraphQLSchema) -> dict[tuple[str, str], Declared | None]:
    """(type name, field name) -> declared class, for every field of every object and interface type."""
    table: dict[tuple[str, str], Declared | None] = {}
    for named in schema.type_map.values():
        if named.name.startswith("__") or not hasattr(named, "fields"):
            continue
        if not isinstance(named, GraphQLNamedType) or not hasattr(named, "interfaces"):
            continue
        for name, graphql_field in named.fields.items():
            definition = strawberry_field(graphql_field)
            table[(named.name, name)] = declared_class(definition) if definition is not None else None
    return table
