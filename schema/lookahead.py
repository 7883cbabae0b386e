"""What a query will ask beneath a field, read off its document before the field's children run.

A resolver that knows which source look-ups its children will make can start them sooner, so that they share a
round trip with its own (`resolvers/people_queries.py`, `resolvers/household.py`). Read here:

* `asks_household`: whether `household` is selected beneath `child` (or `node`, for a child's id);
* `member_checks`: what `household` (or `node`, for a household's id) selects of each member's individual:
  `serviceChecks` (with its `services` argument, a literal or a variable) and `links`;
* `household_ahead`: for `child`, the same of the child itself and of each member beneath its `household`, so
  that all of the household's look-ups can start as soon as the CMS has answered for the child.

Only for one child at a time (`child`, `node`, and a sibling's household beneath them), not for a list (`children`): a
list is the integrators' bulk path, whose time is set by the sources' queues rather than by round trips, and there
members' checks started early would queue ahead of the address look-ups that the members found only at an address
wait for (measured with `children(500)` at 50 ms: 2.6 s with the look-ahead against 2.0 s without).

The document's part is worked out once per document and field (`schema/per_document.py`); only the `services`
argument's value is read per request, from the request's variables. Selections are followed through aliases and
inline and named fragments. A selection under `@skip` or `@include` is not looked ahead at (whether it runs is
decided per request), nor is a `services` value that cannot be read: either way the look-ups are made when the
field runs, as without a look-ahead. What is read here only decides what starts early, never what is shown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInputType,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
    ValueNode,
    get_nullable_type,
    is_list_type,
    value_from_ast,
)
from graphql.execution.values import VariableValues
from strawberry.types import Info

from resolvers.household import HouseholdAhead
from resolvers.service_checks import ChecksAhead
from schema.per_document import PerDocument
from sources.model import Service

HOUSEHOLD = "household"
INDIVIDUAL = "Individual"
MEMBER_PATH = ("members", "individual")
CHILDS_MEMBER_PATH = (HOUSEHOLD, *MEMBER_PATH)
SERVICE_CHECKS = "serviceChecks"
LINKS = "links"
SERVICES_ARGUMENT = "services"


@dataclass(frozen=True)
class _MemberSelection:
    """What a household selects of its members' individuals: each `serviceChecks` selection's `services` argument
    (None where it is not given), that argument's type, and whether `links` is selected."""

    services: tuple[ValueNode | None, ...]
    services_type: GraphQLInputType | None
    links: bool


def asks_household(info: Info[Any, Any]) -> bool:
    """Whether the query selects `household` beneath this field (`child`, `node`); False for a list (`children`)."""
    raw = info._raw_info
    if is_list_type(get_nullable_type(raw.return_type)):
        return False
    return _HOUSEHOLD.get(raw, _asks_household)


def member_checks(info: Info[Any, Any]) -> ChecksAhead | None:
    """What the query asks of each member's individual beneath this `household` (or `node`); None when nothing is
    read, or when the household's child is one of a list (`children`)."""
    raw = info._raw_info
    parent = raw.path.prev
    if parent is not None and isinstance(parent.key, int):
        return None
    return _ahead(raw, _MEMBERS.get(raw, _member_selection))


def household_ahead(info: Info[Any, Any]) -> HouseholdAhead | None:
    """What the query asks beneath this `child` of the child and of each member of its household; None when it
    selects no `household`, or for a list (`children`)."""
    if not asks_household(info):
        return None
    raw = info._raw_info
    own = _ahead(raw, _OWN.get(raw, _own_selection))
    members = _ahead(raw, _CHILDS_MEMBERS.get(raw, _childs_member_selection))
    return HouseholdAhead(own=own, members=members)


def _ahead(raw: GraphQLResolveInfo, selection: _MemberSelection) -> ChecksAhead | None:
    """A selection's look-ahead with this request's variables; None when nothing is read or a value cannot be."""
    # strawberry's resolve info carries the coerced variables themselves; graphql-core's, with their sources.
    variables = raw.variable_values
    coerced: dict[str, Any] = variables.coerced if isinstance(variables, VariableValues) else variables
    services: set[Service] | None = set()
    for argument in selection.services:
        try:
            asked = _services(argument, selection.services_type, coerced)
        except _Unreadable:
            return None
        services = None if asked is None or services is None else services | asked
    checks = bool(selection.services)
    ahead = ChecksAhead(
        checks=checks, services=frozenset(services) if checks and services is not None else None, links=selection.links
    )
    return ahead if ahead.anything else None


class _Unreadable(Exception):
    """A `services` value the look-ahead cannot read; the field reads it when it runs."""


def _services(
    argument: ValueNode | None, argument_type: GraphQLInputType | None, variables: dict[str, Any]
) -> set[Service] | None:
    """The services one `serviceChecks` selection asks for (None: all of them)."""
    if argument is None:
        return None
    if argument_type is None:
        raise _Unreadable
    value = value_from_ast(argument, argument_type, variables)
    if value is Undefined:
        raise _Unreadable
    if value is None:
        return None
    try:
        return {Service(v) for v in (value if isinstance(value, list) else [value])}
    except (ValueError, TypeError):
        raise _Unreadable from None


def _asks_household(raw: GraphQLResolveInfo) -> bool:
    return any(True for _ in _reach(raw.fragments, raw.field_nodes, (HOUSEHOLD,)))


def _member_selection(raw: GraphQLResolveInfo) -> _MemberSelection:
    return _selection(raw, list(_reach(raw.fragments, raw.field_nodes, MEMBER_PATH)))


def _childs_member_selection(raw: GraphQLResolveInfo) -> _MemberSelection:
    return _selection(raw, list(_reach(raw.fragments, raw.field_nodes, CHILDS_MEMBER_PATH)))


def _own_selection(raw: GraphQLResolveInfo) -> _MemberSelection:
    return _selection(raw, raw.field_nodes)


def _selection(raw: GraphQLResolveInfo, individuals: Sequence[FieldNode]) -> _MemberSelection:
    """What these individuals' field nodes select: `serviceChecks` (each one's `services` argument) and `links`."""
    field = getattr(raw.schema.get_type(INDIVIDUAL), "fields", {}).get(SERVICE_CHECKS)
    services_type = field.args[SERVICES_ARGUMENT].type if field is not None else None
    services = []
    for node in _reach(raw.fragments, individuals, (SERVICE_CHECKS,)):
        argument = next((a for a in node.arguments or () if a.name.value == SERVICES_ARGUMENT), None)
        services.append(argument.value if argument is not None else None)
    links = any(True for _ in _reach(raw.fragments, individuals, (LINKS,)))
    return _MemberSelection(tuple(services), services_type, links)


def _reach(
    fragments: Mapping[str, FragmentDefinitionNode], nodes: Sequence[FieldNode], path: Sequence[str]
) -> Iterator[FieldNode]:
    """The field nodes reached from `nodes` by following `path`'s field names, step by step."""
    for node in nodes:
        if node.selection_set is None:
            continue
        for found in _fields_named(fragments, node.selection_set, path[0], set()):
            if len(path) == 1:
                yield found
            else:
                yield from _reach(fragments, [found], path[1:])


def _fields_named(
    fragments: Mapping[str, FragmentDefinitionNode], selections: SelectionSetNode, name: str, spread: set[str]
) -> Iterator[FieldNode]:
    for selection in selections.selections:
        if selection.directives:
            continue  # @skip / @include: decided per request
        if isinstance(selection, FieldNode):
            if selection.name.value == name:
                yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields_named(fragments, selection.selection_set, name, spread)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields_named(fragments, fragment.selection_set, name, spread | {selection.name.value})


_HOUSEHOLD: PerDocument[bool] = PerDocument()
_MEMBERS: PerDocument[_MemberSelection] = PerDocument()
_OWN: PerDocument[_MemberSelection] = PerDocument()
_CHILDS_MEMBERS: PerDocument[_MemberSelection] = PerDocument()
