"""Random queries over the real schema, and a checker that knows the class of every value in an answer.

    roots = Roots(cms_ids=("C000001", "C999999"), node_ids=(...), family_names=("Smith",))
    query = data.draw(queries(roots))                      # a hypothesis strategy: GeneratedQuery(text=...)
    withheld = withheld_classes([Role.INTEGRATION], purpose=None)
    assert not leaks(query.text, body["data"], withheld)   # every withheld value is null

The generator walks the graphql-core schema the gateway serves: random subsets of fields, aliases, repeated fields,
named fragments, inline fragments (on the type itself, its interfaces, its possible types, nested), `__typename`,
kept under the gateway's limits. The checker reads the query document back (it does not trust response keys): for
each key of an answer it finds the schema field the key stands for, and so the field's declared class
(`schema.access.field_classes`); a `held` field has the effective class of the field holding its value.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_composite_type,
    is_leaf_type,
    is_required_argument,
    parse,
    specified_rules,
    validate,
)
from hypothesis import assume
from hypothesis import strategies as st
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

from auth.field_classes import FieldClass
from auth.policy import AccessPolicy, Denied
from auth.principal import Principal, Purpose, Role
from auth.settings import AccessSettings
from schema.access import HELD, Declared, field_classes
from schema.build import build_schema
from sources.model import Service

# The gateway's limits (`gateway/settings.py` Limits) and the margins the generator keeps under them.
MAX_DEPTH, MAX_ALIASES, MAX_TOKENS = 12, 50, 4000
DEPTH_BUDGET = 9  # deepest field, counting the root field as 1
ALIAS_BUDGET = 40
FIELD_BUDGET = 70  # fields in the whole document; past it, a selection set gets a single leaf
FRAGMENT_NESTING = 3  # fragments inside fragments inside fragments


@cache
def graphql_schema() -> GraphQLSchema:
    return build_schema()._schema


@cache
def _classes() -> Mapping[tuple[str, str], Declared | None]:
    return field_classes(graphql_schema())


def withheld_classes(
    roles: Iterable[Role], purpose: Purpose | None, settings: AccessSettings | None = None
) -> frozenset[FieldClass]:
    """The classes the access policy withholds from a principal with these roles and this purpose."""
    policy = AccessPolicy(settings or AccessSettings())
    principal = Principal(id="property-test", name=None, roles=frozenset(roles), purpose=purpose)
    return frozenset(c for c in FieldClass if isinstance(policy.decide(principal, c), Denied))


# ---------------------------------------------------------------- generating queries


@dataclass(frozen=True)
class Roots:
    """Values for the root fields' arguments: real ids and names, and some that are not."""

    cms_ids: tuple[str, ...]
    node_ids: tuple[str, ...]
    family_names: tuple[str, ...]


@dataclass(frozen=True)
class GeneratedQuery:
    text: str


@dataclass
class _Document:
    """What one query has used up so far, while it is being drawn."""

    roots: Roots
    aliases: int = 0
    fields: int = 0
    fragments: list[str] = field(default_factory=list)
    names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def alias(self, field_name: str) -> str:
        self.aliases += 1
        return f"{field_name}_{next(self.names)}"


ROOT_FIELDS = ("child", "children", "node", "searchPeople", "sources", "me")
_SERVICES = [s.name for s in Service]


def _literal(value: str) -> str:
    return json.dumps(value)  # a JSON string is a GraphQL string literal


def _arguments(draw: st.DrawFn, doc: _Document, owner: str, name: str) -> str | None:
    """Arguments for a field: '' for none, None when the field needs arguments this generator cannot give."""
    roots = doc.roots
    if (owner, name) == ("Query", "child"):
        return f"(cmsId: {_literal(draw(st.sampled_from(roots.cms_ids)))})"
    if (owner, name) == ("Query", "children"):
        chosen = draw(st.lists(st.sampled_from(roots.cms_ids), min_size=1, max_size=3))
        return f"(cmsIds: [{', '.join(_literal(i) for i in chosen)}])"
    if (owner, name) == ("Query", "node"):
        return f"(id: {_literal(draw(st.sampled_from(roots.node_ids)))})"
    if (owner, name) == ("Query", "searchPeople"):
        family = _literal(draw(st.sampled_from(roots.family_names)))
        first = draw(st.sampled_from(["", ", first: 3", ", first: 10"]))
        return f"(input: {{familyName: {family}}}{first})"
    if name == "serviceChecks":
        services = draw(st.none() | st.lists(st.sampled_from(_SERVICES), min_size=1, max_size=4, unique=True))
        return "" if services is None else f"(services: [{', '.join(services)}])"
    graphql_field = _composite(owner).fields[name]
    if any(is_required_argument(a) for a in graphql_field.args.values()):
        return None
    return ""


def _composite(name: str) -> GraphQLObjectType | GraphQLInterfaceType:
    named = graphql_schema().type_map[name]
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType), name
    return named


def _possible(named: GraphQLCompositeType) -> frozenset[str]:
    if isinstance(named, GraphQLObjectType):
        return frozenset({named.name})
    return frozenset(t.name for t in graphql_schema().get_possible_types(named))


@cache
def _conditions(type_name: str) -> tuple[str, ...]:
    """Type conditions a fragment may have inside a selection on `type_name`: any type sharing a possible type."""
    own = _possible(_composite(type_name))
    return tuple(
        sorted(
            named.name
            for named in graphql_schema().type_map.values()
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
            and not named.name.startswith("__")
            and named.name != "Query"
            and own & _possible(named)
        )
    )


def _is_leaf(owner: str, name: str) -> bool:
    return is_leaf_type(get_named_type(_composite(owner).fields[name].type))


# Classes that are seldom granted all together: the values a uniform walk of the schema would seldom reach (an
# involvement's details, a record's match evidence) are drawn more often.
_SELDOM = frozenset({FieldClass.DETAIL, FieldClass.LINKAGE, FieldClass.OPERATIONS})


@cache
def _leading_to_seldom() -> frozenset[str]:
    """Types with a field of a seldom-granted class somewhere below them."""
    schema = graphql_schema()
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for named in schema.type_map.values():
            if named.name in found or not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                continue
            if named.name.startswith("__"):
                continue
            types = [named, *(schema.get_possible_types(named) if isinstance(named, GraphQLInterfaceType) else [])]
            for each in types:
                for name, graphql_field in each.fields.items():
                    below = get_named_type(graphql_field.type).name
                    if _classes().get((each.name, name)) in _SELDOM or below in found:
                        found.add(named.name)
                        changed = True
                        break
                if named.name in found:
                    break
    return frozenset(found)


def _weight(owner: str, name: str) -> int:
    """How often a field is drawn, against 1 for a field that leads to no seldom-granted value."""
    below = get_named_type(_composite(owner).fields[name].type).name
    return 8 if _classes().get((owner, name)) in _SELDOM or below in _leading_to_seldom() else 1


@st.composite
def _field(draw: st.DrawFn, doc: _Document, owner: str, depth: int, nesting: int) -> str:
    """One field of `owner` at `depth` (the root fields are at depth 1), perhaps aliased, with its selection."""
    deeper = depth < DEPTH_BUDGET and doc.fields < FIELD_BUDGET
    choices = [n for n in _composite(owner).fields if deeper or _is_leaf(owner, n)]
    if not choices:
        return _typename(draw, doc)
    name = draw(st.sampled_from(sorted(n for n in choices for _ in range(_weight(owner, n)))))
    arguments = _arguments(draw, doc, owner, name)
    if arguments is None:
        return _typename(draw, doc)
    # A field given arguments is aliased, so that two of them never conflict; with the alias budget spent, it
    # goes without its arguments (or, if it cannot, is not asked for).
    aliased = doc.aliases < ALIAS_BUDGET and (bool(arguments) or draw(st.integers(0, 3)) == 0)
    if arguments and not aliased:
        if any(is_required_argument(a) for a in _composite(owner).fields[name].args.values()):
            return _typename(draw, doc)
        arguments = ""
    doc.fields += 1
    key = f"{doc.alias(name)}: {name}" if aliased else name
    returns = get_named_type(_composite(owner).fields[name].type)
    if is_leaf_type(returns):
        return f"{key}{arguments}"
    selection = draw(_selection_set(doc, returns.name, depth + 1, nesting))
    return f"{key}{arguments} {{ {selection} }}"


def _typename(draw: st.DrawFn, doc: _Document) -> str:
    if doc.aliases < ALIAS_BUDGET and draw(st.booleans()):
        return f"{doc.alias('typename')}: __typename"
    return "__typename"


@st.composite
def _selection_set(draw: st.DrawFn, doc: _Document, owner: str, depth: int, nesting: int) -> str:
    """The inside of `{ ... }` on a value of type `owner` whose fields are at `depth`."""
    generous = doc.fields < FIELD_BUDGET
    count = draw(st.integers(1, 4)) if generous else 1
    kinds = ["field", "field", "field", "typename"]
    if generous and nesting < FRAGMENT_NESTING:
        kinds += ["inline", "named"]
        if not isinstance(_composite(owner), GraphQLObjectType):
            kinds += ["inline", "inline"]  # on an interface, fragments on its types reach their own fields
    parts = []
    for _ in range(count):
        kind = draw(st.sampled_from(kinds))
        if kind == "field":
            parts.append(draw(_field(doc, owner, depth, nesting)))
        elif kind == "typename":
            parts.append(_typename(draw, doc))
        else:
            condition = draw(st.sampled_from([*_conditions(owner), None]))
            on = condition or owner
            aliases_before = doc.aliases
            inside = draw(_selection_set(doc, on, depth, nesting + 1))
            if kind == "inline":
                parts.append(f"... on {condition} {{ {inside} }}" if condition else f"... {{ {inside} }}")
            else:
                fragment = f"F{next(doc.names)}"
                doc.fragments.append(f"fragment {fragment} on {on} {{ {inside} }}")
                parts.append(f"...{fragment}")
                # Spread twice: merged, answered once (the alias limit counts its aliases at every spread).
                again = doc.aliases - aliases_before
                if doc.aliases + again <= ALIAS_BUDGET and draw(st.integers(0, 4)) == 0:
                    doc.aliases += again
                    parts.append(f"...{fragment}")
    return " ".join(parts)


@st.composite
def queries(draw: st.DrawFn, roots: Roots) -> GeneratedQuery:
    """A valid query within the gateway's limits, starting from one to three root fields."""
    doc = _Document(roots)
    chosen = draw(st.lists(st.sampled_from(ROOT_FIELDS), min_size=1, max_size=3))
    parts = []
    unaliased: set[str] = set()
    for name in chosen:
        arguments = _arguments(draw, doc, "Query", name)
        assert arguments is not None
        # The same root field twice with different arguments must be aliased apart.
        aliased = (bool(arguments) and name in unaliased) or draw(st.integers(0, 2)) == 0
        if not aliased:
            unaliased.add(name)
        doc.fields += 1
        key = f"{doc.alias(name)}: {name}" if aliased else name
        returns = get_named_type(_composite("Query").fields[name].type)
        parts.append(f"{key}{arguments} {{ {draw(_selection_set(doc, returns.name, 2, 0))} }}")
    if draw(st.integers(0, 4)) == 0:
        parts.append("__typename")
    name = draw(st.sampled_from(["", "query ", "query Generated "]))
    text = "\n".join([f"{name}{{ {' '.join(parts)} }}", *doc.fragments])
    assume(_within_token_limit(text))
    return GeneratedQuery(text)


def _within_token_limit(text: str) -> bool:
    try:
        parse(text, max_tokens=MAX_TOKENS)
    except GraphQLSyntaxError as error:
        if "Document contains more than" in error.message:
            return False
        raise
    return True


def validation_errors(text: str) -> list[str]:
    """What the gateway's parser and validation (with its depth and alias limits) would say of a query.

    Not run on every drawn query (the gateway validates each one, and a refused query has a null answer, which the
    property reports); `test_access_properties` checks the generator with it.
    """
    try:
        document = parse(text, max_tokens=MAX_TOKENS)
    except Exception as error:
        return [str(error)]
    rules = [
        *specified_rules,
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    return [e.message for e in validate(graphql_schema(), document, rules)]


# ---------------------------------------------------------------- checking answers


@dataclass(frozen=True)
class Leak:
    """A value shown that its class withholds (or a key the query did not ask for)."""

    path: str
    fields: tuple[str, ...]  # the schema fields the key stands for, as Type.field
    field_class: FieldClass | None
    value: object

    def __str__(self) -> str:
        shown = json.dumps(self.value)[:80]
        what = self.field_class.value if self.field_class else "not asked for"
        return f"{self.path} = {shown} ({'/'.join(self.fields)}: {what})"


def leaks(query: str, data: Mapping[str, Any] | None, withheld: frozenset[FieldClass]) -> list[Leak]:
    """Every non-null value in `data` whose effective class is in `withheld` (an empty list is a value too)."""
    if data is None:
        return []
    document = parse(query)
    return list(_Walker(document, withheld).walk_object(data, _composite("Query"), _selections(document), None, ""))


def _selections(document: DocumentNode) -> list[SelectionSetNode]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, "one operation per query"
    return [operations[0].selection_set]


@dataclass(frozen=True)
class _Candidate:
    on: GraphQLObjectType | GraphQLInterfaceType  # the type the field was selected on (a fragment's condition)
    node: FieldNode


class _Walker:
    def __init__(self, document: DocumentNode, withheld: frozenset[FieldClass]) -> None:
        self.withheld = withheld
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def walk_object(
        self,
        value: Mapping[str, Any],
        static: GraphQLObjectType | GraphQLInterfaceType,
        selections: Sequence[SelectionSetNode],
        holder: FieldClass | None,
        path: str,
    ) -> Iterator[Leak]:
        runtime = self._runtime_type(value, static, selections)
        collected = self._collect(runtime, selections)
        for key, item in value.items():
            candidates = collected.get(key, [])
            here = f"{path}.{key}" if path else key
            if not candidates:
                yield Leak(here, (), None, item)
                continue
            fields = tuple(sorted({f"{c.on.name}.{c.node.name.value}" for c in candidates}))
            classes = {self._effective(c, holder) for c in candidates}
            shown = [c for c in classes if c in self.withheld]
            if item is not None and shown:
                yield Leak(here, fields, shown[0], item)
                continue
            # The candidates of one key are the same field (the query is valid), and a null needs no walk: what
            # is walked below here is granted, and holds the values of its `held` fields.
            effective = next(iter(classes))
            node = candidates[0]
            if node.node.name.value == "__typename":
                continue
            returns = get_named_type(node.on.fields[node.node.name.value].type)
            if is_composite_type(returns) and item is not None:
                inner = [c.node.selection_set for c in candidates if c.node.selection_set is not None]
                yield from self.walk(item, _composite(returns.name), inner, effective, here)

    def walk(
        self,
        value: object,
        static: GraphQLObjectType | GraphQLInterfaceType,
        selections: Sequence[SelectionSetNode],
        holder: FieldClass | None,
        path: str,
    ) -> Iterator[Leak]:
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from self.walk(item, static, selections, holder, f"{path}[{index}]")
        elif isinstance(value, Mapping):
            yield from self.walk_object(value, static, selections, holder, path)

    def _effective(self, candidate: _Candidate, holder: FieldClass | None) -> FieldClass | None:
        name = candidate.node.name.value
        if name == "__typename":
            return holder
        declared = _classes()[(candidate.on.name, name)]
        assert declared is not None, f"{candidate.on.name}.{name} declares no class"
        if declared is HELD:
            return holder
        assert isinstance(declared, FieldClass)
        return declared

    def _runtime_type(
        self,
        value: Mapping[str, Any],
        static: GraphQLObjectType | GraphQLInterfaceType,
        selections: Sequence[SelectionSetNode],
    ) -> GraphQLObjectType | GraphQLInterfaceType:
        """The object's concrete type when the query asked for its `__typename`, else its static type."""
        for key, candidates in self._collect(static, selections).items():
            if any(c.node.name.value == "__typename" for c in candidates) and isinstance(value.get(key), str):
                return _composite(value[key])
        return static

    def _collect(
        self, runtime: GraphQLObjectType | GraphQLInterfaceType, selections: Sequence[SelectionSetNode]
    ) -> dict[str, list[_Candidate]]:
        """Response key -> the field nodes that may answer it on a value of type `runtime` (fragments applied)."""
        found: dict[str, list[_Candidate]] = {}

        def visit(selection_set: SelectionSetNode, on: GraphQLObjectType | GraphQLInterfaceType) -> None:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    found.setdefault(key, []).append(_Candidate(on, selection))
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    target = _composite(condition.name.value) if condition else on
                    if _possible(target) & _possible(runtime):
                        visit(selection.selection_set, target)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments[selection.name.value]
                    target = _composite(fragment.type_condition.name.value)
                    if _possible(target) & _possible(runtime):
                        visit(fragment.selection_set, target)

        for selection_set in selections:
            visit(selection_set, runtime)
        return found
