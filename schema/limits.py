"""Size limits checked before anything runs: depth and aliases (validation rules), then the cost budget and the
caller's rate limit (an extension, once the request's variables are known).

Why our own rules instead of strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter`: those walk a fragment again
at every spread, so a 685-byte document whose fragment F(n) spreads F(n-1) ten times kept the event loop busy for
53 s at seven levels. Here each fragment's depth is worked out once per document and aliases are counted as
written, so both rules are linear in the document's size; what the fragments would expand to is priced by the
cost model (`schema/cost.py`), which memoises them too.

Every refusal carries its `extensions.code` itself: `QUERY_TOO_COMPLEX` for the limits, `RATE_LIMITED` (with
`retryAfter`, in seconds, which the HTTP layer turns into a 429 with `Retry-After`), `BAD_USER_INPUT` for an empty
selection set (`{ }`, which graphql-core parses and would run).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VisitorAction,
)
from strawberry.extensions import SchemaExtension

from resolvers.context import RequestContext
from resolvers.entities import TOO_MANY as TOO_MANY_ENTITIES
from resolvers.errors import BAD_USER_INPUT, QUERY_TOO_COMPLEX, RATE_LIMITED
from resolvers.people_queries import TOO_MANY_CHILDREN
from resolvers.rate_limit import RateDecision
from resolvers.runtime import GatewayRuntime
from schema.cost import COST_CEILING, children_asked, ids_asked, operation_cost

EMPTY_SELECTION = "A selection set may not be empty: ask for at least one field."
TOO_DEEP = (
    "This query is nested {depth} levels deep, deeper than this gateway's limit of {limit}: ask for fewer nested "
    "fields."
)
TOO_MANY_ALIASES = "This query uses {count} aliases, more than this gateway's limit of {limit}: split it."
TOO_COSTLY = (
    "This query would cost {cost}, over this gateway's budget of {budget} per request: ask for fewer children or "
    "fields, or split it."
)
TOO_MANY_REQUESTS = "Too many requests: at most {limit} a minute for each caller. Try again in {retry} s."
TOO_MUCH_COST = (
    "Your queries in the last minute used up your budget of {limit}; this one would cost {cost}. "
    "Try again in {retry} s, or ask for less at once."
)
# Without a request context (the schema run directly, in tests) the runtime's defaults apply.
DEFAULT_BUDGET: Final = GatewayRuntime.max_cost
DEFAULT_MAX_CHILDREN: Final = GatewayRuntime.max_children


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """Refuses operations nested deeper than `max_depth` and empty selection sets.

    Depth as strawberry counted it: root fields are at depth 0 and a field is one deeper than the field holding it
    (fragments add nothing); introspection fields (`__schema`, `__type`) are not followed.
    """

    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._fragments = {
                d.name.value: d for d in context.document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            self._heights: dict[str, int] = {}
            self._empty_reported = False

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth = self._levels(node.selection_set) - 1
            if depth > max_depth:
                name = node.name.value if node.name else "anonymous"
                self.report_error(
                    GraphQLError(
                        TOO_DEEP.format(depth=depth, limit=max_depth),
                        [node],
                        extensions={"code": QUERY_TOO_COMPLEX, "operation": name},
                    )
                )

        def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> VisitorAction:
            if not node.selections and not self._empty_reported:
                self._empty_reported = True
                self.report_error(GraphQLError(EMPTY_SELECTION, [node], extensions={"code": BAD_USER_INPUT}))
            return None

        def _levels(self, selection_set: SelectionSetNode) -> int:
            """How many levels of fields this selection set holds (a field without a selection is one level)."""
            most = 0
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    if selection.name.value.startswith("__"):
                        continue
                    below = self._levels(selection.selection_set) if selection.selection_set else 0
                    most = max(most, 1 + below)
                elif isinstance(selection, InlineFragmentNode):
                    most = max(most, self._levels(selection.selection_set))
                elif isinstance(selection, FragmentSpreadNode):
                    most = max(most, self._fragment_levels(selection.name.value))
            return most

        def _fragment_levels(self, name: str) -> int:
            known = self._heights.get(name)
            if known is not None:
                return known
            fragment = self._fragments.get(name)
            self._heights[name] = 0  # a cycle (graphql-core reports it) adds nothing
            levels = self._levels(fragment.selection_set) if fragment is not None else 0
            self._heights[name] = levels
            return levels

    return DepthLimit


def alias_rule(max_aliases: int) -> type[ValidationRule]:
    """Refuses documents with more than `max_aliases` aliases, counted as written (once each, however often the
    fragment holding one is spread: the cost prices the spreads)."""

    class AliasLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._count = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self._count += 1

        def leave_document(self, *_: Any) -> None:
            if self._count > max_aliases:
                self.report_error(
                    GraphQLError(
                        TOO_MANY_ALIASES.format(count=self._count, limit=max_aliases),
                        extensions={"code": QUERY_TOO_COMPLEX},
                    )
                )

    return AliasLimit


class CostAndRate(SchemaExtension):
    """Prices the operation with the request's variables once it has been validated; refuses it over the budget
    (`QUERY_TOO_COMPLEX`), else charges the caller's rate limit with it (`RATE_LIMITED` when used up). Either
    refusal replaces the result before execution: no resolver runs, no source is asked."""

    async def on_execute(self) -> AsyncIterator[None]:
        refusal = await self._refusal()
        if refusal is not None:
            self.execution_context.result = ExecutionResult(data=None, errors=[refusal])
        yield

    async def _refusal(self) -> GraphQLError | None:
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        if document is None:
            return None
        runtime = context.runtime if isinstance(context, RequestContext) else None
        budget = runtime.max_cost if runtime is not None else DEFAULT_BUDGET
        try:
            cost = operation_cost(
                execution.schema._schema,
                document,
                operation_name=execution.operation_name,
                variables=execution.variables,
                max_children=runtime.max_children if runtime is not None else DEFAULT_MAX_CHILDREN,
            )
        except RecursionError:
            cost = COST_CEILING
        if cost > budget:
            return too_costly(cost, budget)
        most = runtime.max_children if runtime is not None else DEFAULT_MAX_CHILDREN
        asked = children_asked(document, operation_name=execution.operation_name, variables=execution.variables)
        if asked > most:
            return GraphQLError(TOO_MANY_CHILDREN.format(limit=most, count=asked), extensions={"code": BAD_USER_INPUT})
        # Federation's `_entities`, whichever subgraph: at most as many representations as `children` takes ids.
        sent = ids_asked(document, "_entities", operation_name=execution.operation_name, variables=execution.variables)
        if sent > most:
            return GraphQLError(TOO_MANY_ENTITIES.format(limit=most, count=sent), extensions={"code": BAD_USER_INPUT})
        if runtime is None or runtime.rate_limiter is None:
            return None
        assert isinstance(context, RequestContext)
        decision = await runtime.rate_limiter.admit(context.principal.id, cost)
        return None if decision.allowed else rate_limited(decision, cost)


def too_costly(cost: int, budget: int) -> GraphQLError:
    shown = f"more than {COST_CEILING - 1}" if cost >= COST_CEILING else str(cost)
    return GraphQLError(
        TOO_COSTLY.format(cost=shown, budget=budget),
        extensions={"code": QUERY_TOO_COMPLEX, "cost": min(cost, COST_CEILING), "budget": budget},
    )


def rate_limited(decision: RateDecision, cost: int) -> GraphQLError:
    template = TOO_MUCH_COST if decision.exhausted == "cost" else TOO_MANY_REQUESTS
    message = template.format(limit=decision.limit, cost=cost, retry=decision.retry_after_s)
    return GraphQLError(message, extensions={"code": RATE_LIMITED, "retryAfter": decision.retry_after_s})
