"""What one operation may cost, worked out before anything runs: roughly the values it can bring back and the
upstream work behind them.

Why a cost and not only depth and alias limits: a query far inside those limits can still ask for every child in
the case-management system (seven aliases of `children` with 500 ids each) or, through fragments spread inside
fragments, for billions of fields. The cost multiplies what each list can hold, so both are priced before a
source is asked, and the budget (`[limits] max_cost`) holds per request, whatever the query's shape.

The weights:

* every field costs 1, plus its selection's cost times its list multiplier (a field without a selection, a list of
  scalars included, costs 1);
* a field that reaches a source adds `UPSTREAM` (10) each time it runs: `child`, `node`, `searchPeople`,
  `auditEvents` (the trail's store), `sources` (a health probe per source), `serviceChecks`, `links`,
  `household`, `allocatedWorker`; `children` fetches one record per id, and federation's `_entities` one per
  representation, so each adds `UPSTREAM` per id;
* list multipliers, from the arguments where they say how long the list is:
  - `children(cmsIds:)` and `_entities(representations:)`: the number of ids or representations (from the
    literal or the variable's value, as a router sends them), at most `max_children` (more is refused before any
    fetch); the selection on `_entities` is the sum of its fragments on each entity type;
  - `serviceChecks(services:)`: the number of services asked, all 13 when not given;
  - `searchPeople(first:)` (20 when left out or null, at most 100) and `auditEvents(first:)` (50 when left
    out or null, at most 500): the page, which multiplies `matches` and `edges`;
* other lists by a fixed estimate (`LIST_ESTIMATES`): household `members` 6, `involvements` 3 per check,
  `links` 5, `addresses` 3, `otherNames` 2, `basis` 2, `sources` 13, any other list 5.

So a child with its household and everyone's checks (outcome only) costs about 290, and the family-context query
GraphiQL opens with about 9,300; `children` with 500 such children about 144,000 (see tests/schema/test_cost.py).

Fragments are priced once per document, however often they are spread: a spread adds its fragment's memoised cost
(times the multiplier of the list it sits in), so the work is linear in the document's size, and a fragment bomb
(F(n) spreading F(n-1) ten times) costs what it would expand to without being expanded. `@skip` and `@include`
are honoured with the request's variables. The cost saturates at `COST_CEILING`, which keeps the arithmetic
small whatever the document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    value_from_ast_untyped,
)

from resolvers import audit_read, search
from sources.model import Service

UPSTREAM: Final = 10
DEFAULT_LIST: Final = 5
SERVICES: Final = len(Service)
COST_CEILING: Final = 10**15

# Fields that reach a source (or the audit store) each time they run.
UPSTREAM_FIELDS: Final = frozenset(
    {
        "child",
        "children",
        "_entities",
        "node",
        "searchPeople",
        "auditEvents",
        "sources",
        "serviceChecks",
        "links",
        "household",
        "allocatedWorker",
    }
)

# Root fields that fetch one record per item of a list argument: field -> that argument.
PER_ID: Final[Mapping[str, str]] = {"children": "cmsIds", "_entities": "representations"}

# Lists whose length no argument gives: an estimate of a typical length.
LIST_ESTIMATES: Final[Mapping[str, int]] = {
    "members": 6,
    "involvements": 3,
    "links": 5,
    "addresses": 3,
    "otherNames": 2,
    "basis": 2,
    "sources": SERVICES,
}

# Connections: the root field whose `first` gives the page, and the list the page multiplies.
PAGES: Final[Mapping[str, tuple[int, int]]] = {  # field -> (default first, most first served)
    "searchPeople": (search.DEFAULT_FIRST, search.MAX_FIRST),
    "auditEvents": (audit_read.DEFAULT_FIRST, audit_read.MAX_FIRST),
}
PAGED_LISTS: Final = frozenset({"matches", "edges"})

# (cost of the selection once, cost per item of the page of the connection it sits in)
_Price = tuple[int, int]
_FREE: Final[_Price] = (0, 0)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    max_children: int,
) -> int:
    """The cost of the operation a request runs (see the module docstring), with its variables' values.

    An operation whose price no variable entered (most front ends' queries: their variables are ids, which the
    model does not read) is priced once per document: the parser cache hands every request with the same text the
    same document. The cache holds the documents it is keyed by, so their ids cannot be reused while it does, and it
    is emptied when it reaches `PRICE_CACHE_SIZE` entries."""
    key = (id(schema), id(document), operation_name, max_children)
    cached = _PRICES.get(key)
    if cached is not None:
        return cached[1]
    operation = find_operation(document, operation_name)
    if operation is None:
        return 0
    model = CostModel(schema, document, operation, variables, max_children=max_children)
    cost = model.cost()
    if not model.read_variables:
        if len(_PRICES) >= PRICE_CACHE_SIZE:
            _PRICES.clear()
        _PRICES[key] = (document, cost)
    return cost


# operation_cost's prices that no variable entered: (schema, document, operation, max_children) -> (the document,
# kept alive; the cost).
PRICE_CACHE_SIZE: Final = 256
_PRICES: dict[tuple[int, int, str | None, int], tuple[DocumentNode, int]] = {}


def children_asked(document: DocumentNode, *, operation_name: str | None, variables: Mapping[str, Any] | None) -> int:
    """How many case-management ids the operation's `children` fields ask for, all aliases together."""
    return ids_asked(document, "children", operation_name=operation_name, variables=variables)


def ids_asked(
    document: DocumentNode, field: str, *, operation_name: str | None, variables: Mapping[str, Any] | None
) -> int:
    """How many ids the operation's root `field` (`children`, or federation's `_entities` by its representations)
    asks for, all aliases together.

    Both are root fields, so they stand only in the operation's own selection or in fragments on `Query` spread
    there; a fragment spread twice at the root is merged by GraphQL and runs once, so each fragment counts once.
    `[limits] max_children` holds for this total, not per field.
    """
    operation = find_operation(document, operation_name)
    if operation is None:
        return 0
    given = _with_defaults(operation, variables or {})
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    seen: set[str] = set()
    total = 0
    pending = [operation.selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode) and selection.name.value == field:
                argument = PER_ID[field]
                ids = next((a.value for a in selection.arguments or () if a.name.value == argument), None)
                total += _length(value_from_ast_untyped(ids, given) if ids is not None else None, absent=0)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return total


def find_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == operation_name), None)


class CostModel:
    """Prices one operation. `fragment_walks` counts how often each fragment's selection was walked: once each."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
        *,
        max_children: int,
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.max_children = max_children
        self.variables = _with_defaults(operation, variables or {})
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.fragment_walks: Counter[str] = Counter()
        self._memo: dict[str, _Price] = {}
        self.read_variables = False  # whether a variable's value entered the price

    def cost(self) -> int:
        root = self.schema.get_root_type(self.operation.operation)
        fixed, paged = self._selection(self.operation.selection_set, root)
        return _cap(fixed + paged * DEFAULT_LIST)

    def _selection(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> _Price:
        fixed = paged = 0
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                own_fixed, own_paged = self._field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                narrowed = self.schema.get_type(condition.name.value) if condition else parent
                own_fixed, own_paged = self._selection(selection.selection_set, narrowed)
            elif isinstance(selection, FragmentSpreadNode):
                own_fixed, own_paged = self._fragment(selection.name.value)
            else:  # pragma: no cover - graphql-core has no other selection
                continue
            fixed, paged = _cap(fixed + own_fixed), _cap(paged + own_paged)
        return fixed, paged

    def _fragment(self, name: str) -> _Price:
        found = self._memo.get(name)
        if found is not None:
            return found
        fragment = self.fragments.get(name)
        if fragment is None:
            return _FREE
        self._memo[name] = _FREE  # a cycle (refused by validation anyway) adds nothing
        self.fragment_walks[name] += 1
        price = self._selection(fragment.selection_set, self.schema.get_type(fragment.type_condition.name.value))
        self._memo[name] = price
        return price

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None) -> _Price:
        name = node.name.value
        definition = getattr(parent, "fields", {}).get(name) if parent is not None else None
        if node.selection_set is None:
            return 1, 0
        if definition is None:  # __schema, __type: the meta-fields have no sources behind them
            fixed, paged = self._selection(node.selection_set, None)
            return _cap(1 + fixed + paged), 0
        item = get_named_type(definition.type)
        fixed, paged = self._selection(node.selection_set, item)
        upstream = UPSTREAM if name in UPSTREAM_FIELDS else 0
        if name in PAGED_LISTS:
            return 1, fixed
        if name in PAGES:
            default, most = PAGES[name]
            page = _clamp(self._argument(node, "first"), default=default, most=most)
            return _cap(1 + upstream + fixed + page * paged), 0
        if name in PER_ID:
            ids = _length(self._argument(node, PER_ID[name]), absent=0)
            return _cap(1 + min(ids, self.max_children) * (upstream + fixed + paged * DEFAULT_LIST)), 0
        per_item = fixed + paged * DEFAULT_LIST
        if not is_list_type(get_nullable_type(definition.type)):
            return _cap(1 + upstream + per_item), 0
        if name == "serviceChecks":
            length = _length(self._argument(node, "services"), absent=SERVICES)
        else:
            length = LIST_ESTIMATES.get(name, DEFAULT_LIST)
        return _cap(1 + upstream + length * per_item), 0

    def _argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return self._value(argument.value)
        return None

    def _value(self, node: ValueNode) -> Any:
        if _holds_variable(node):
            self.read_variables = True
        return value_from_ast_untyped(node, self.variables)

    def _included(self, node: SelectionNode) -> bool:
        """`@skip(if:)` and `@include(if:)` with this request's variables; anything unreadable counts as asked."""
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
            value = self._value(condition) if condition is not None else None
            if (name == "skip" and value is True) or (name == "include" and value is False):
                return False
        return True


def _holds_variable(node: ValueNode) -> bool:
    """Whether a literal is, or holds, a variable (`$ids`, `[$a, "C1"]`, `{first: $n}`)."""
    if isinstance(node, VariableNode):
        return True
    if isinstance(node, ListValueNode):
        return any(_holds_variable(item) for item in node.values)
    if isinstance(node, ObjectValueNode):
        return any(_holds_variable(item.value) for item in node.fields)
    return False


def _with_defaults(operation: OperationDefinitionNode, given: Mapping[str, Any]) -> dict[str, Any]:
    """The request's variables, with each variable's default value where the request gave none."""
    variables = dict(given)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables and definition.default_value is not None:
            variables[name] = value_from_ast_untyped(definition.default_value)
    return variables


def _length(value: Any, *, absent: int) -> int:
    """How many items a list argument holds; a single value counts as a list of one (GraphQL input coercion)."""
    if value is None:
        return absent
    return len(value) if isinstance(value, list | tuple) else 1


def _clamp(value: Any, *, default: int, most: int) -> int:
    """A page size as the resolver will serve it (beyond `most` it refuses the request before any fetch)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return max(0, min(value, most))


def _cap(cost: int) -> int:
    return min(cost, COST_CEILING)
