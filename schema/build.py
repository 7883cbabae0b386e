"""Assembling the schema with its extensions."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from typing import Any

from graphql import FieldNode, GraphQLEnumType, GraphQLError, GraphQLSchema
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule, ValidationRule
from strawberry import Schema
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.federation import Schema as FederationSchema
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from schema.access import plain_field_readers, read_field
from schema.audit_hook import AuditHook
from schema.errors import ErrorShaping, log_errors
from schema.executor import FamilyContextExecutor
from schema.guarded_resolvers import direct_guarded_resolvers
from schema.limits import CostAndRate, alias_rule, depth_rule
from schema.neighbour import build_neighbour_types
from schema.people import Child, Household, Person
from schema.query import Query
from sources.registry import ServiceRegistry, builtin_registry


class _ParserCacheLeavingErrors(ParserCache):
    """strawberry's parser cache, except that a document that does not parse is left to strawberry's own parser.

    The cache raises a syntax error out of the extension, past every extension's error handling; strawberry's own
    parse reports it as a normal pre-execution error, which `ErrorShaping` then codes as BAD_USER_INPUT.
    """

    def on_parse(self) -> Iterator[None]:
        try:
            self.execution_context.graphql_document = self.cached_parse_document(
                self.execution_context.query, **self.execution_context.parse_options
            )
        except GraphQLError:
            self.execution_context.graphql_document = None
        yield


ValidationAnswers = dict[tuple[str, tuple[type[ASTValidationRule], ...]], list[GraphQLError]]


class ValidationByText(SchemaExtension):
    """Each query validated once per schema, its errors (none, mostly) looked up by the query's text.

    strawberry's `ValidationCache` keys its cache on the parsed document, whose hash walks every node of it on every
    request (about 1% of a family query's CPU, sampled); the parser cache gives one text one document, so the text,
    whose hash Python keeps, says the same. `answers` is the schema's own (one dict per `build_schema`), bounded
    like the parser's cache: emptied when full. Without a text or a document, strawberry validates as usual."""

    def __init__(self, answers: ValidationAnswers) -> None:
        super().__init__()
        self._answers = answers

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query, document = context.query, context.graphql_document
        if query is not None and document is not None:
            key = (query, tuple(context.validation_rules))
            errors = self._answers.get(key)
            if errors is None:
                errors = validate_document(context.schema._schema, document, key[1])
                if len(self._answers) >= DOCUMENT_CACHE_SIZE:
                    self._answers.clear()
                self._answers[key] = errors
            context.pre_execution_errors = errors
        yield


class NoSubgraphSdlRule(ValidationRule):
    """`_service { sdl }` shows the whole schema: refused wherever introspection is (routers compose offline)."""

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        if node.name.value == "_service":
            self.report_error(
                GraphQLError(
                    "GraphQL introspection has been disabled, but the requested query contained the field '_service'.",
                    node,
                )
            )


def _config(suggestions: bool) -> StrawberryConfig:
    # Every plain field is read through `read_field`, which turns a withheld value into its error.
    return StrawberryConfig(default_resolver=read_field, disable_field_suggestions=not suggestions)


class FamilyContextSchema(FederationSchema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # strawberry's default logs each error's message, which can echo personal data.
        log_errors(errors)


# Parsing and validating the same few documents (a front end's queries) again and again costs more than resolving
# them: both are cached, bounded so that unique query texts cannot grow memory without limit.
DOCUMENT_CACHE_SIZE = 256


def build_schema(
    *,
    max_depth: int = 12,
    max_aliases: int = 50,
    max_tokens: int = 4000,
    introspection: bool = True,
    suggestions: bool = True,
    neighbour_field: str | None = None,
    services: ServiceRegistry | None = None,
) -> Schema:
    """The gateway's schema; with `neighbour_field`, the `neighbour` subgraph instead (`schema/neighbour.py`),
    under the same extensions: access guard, audit, limits and cost. Limits and switches come from the authority's
    configuration.

    With `introspection` off, `__schema`, `__type` and federation's `_service` (the SDL) are refused at validation
    (`__typename` still works); with
    `suggestions` off, no error says "Did you mean ...?" (both reveal the schema to a caller probing it).
    `services` (default: the built-in services) brings each service's involvement type.
    """
    # Built once: the validation cache hits only when every request brings the same rule classes. Each request
    # still gets its own extension instances (an instance holds its request's execution context). Depth and
    # aliases are ours (schema/limits.py), linear in the document however its fragments are spread; the cost
    # budget and the rate limit are checked after validation, with the request's variables (`CostAndRate`).
    limit_rules: list[type[ASTValidationRule]] = [depth_rule(max_depth), alias_rule(max_aliases)]
    if not introspection:
        limit_rules += [NoSchemaIntrospectionCustomRule, NoSubgraphSdlRule]

    def limits() -> SchemaExtension:
        return AddValidationRules(limit_rules)

    def token_limiter() -> SchemaExtension:
        return MaxTokensLimiter(max_token_count=max_tokens)

    def parser_cache() -> SchemaExtension:
        return _ParserCacheLeavingErrors(maxsize=DOCUMENT_CACHE_SIZE)

    validated: ValidationAnswers = {}

    def validation_cache() -> SchemaExtension:
        return ValidationByText(validated)

    def error_shaping() -> SchemaExtension:
        return ErrorShaping(suggestions=suggestions)

    if neighbour_field is not None:
        entity_types = build_neighbour_types(neighbour_field)
        neighbour = FamilyContextSchema(
            types=entity_types,
            extensions=[AuditHook, error_shaping, token_limiter, parser_cache, limits, validation_cache, CostAndRate],
            config=_config(suggestions),
            execution_context_class=FamilyContextExecutor,
        )
        plain_field_readers(neighbour._schema)
        direct_guarded_resolvers(neighbour)
        enum_outputs_by_lookup(neighbour._schema)
        return neighbour
    schema = FamilyContextSchema(
        query=Query,
        types=[Person, Child, Household, *(services or builtin_registry()).involvement_types()],
        # Order matters: errors are shaped inside the audit hook, so a failed audit replaces everything; the
        # limits add their rules before the validation cache validates.
        extensions=[AuditHook, error_shaping, token_limiter, parser_cache, limits, validation_cache, CostAndRate],
        config=_config(suggestions),
        # Plain scalar and enum fields are read on a short path (schema/executor.py).
        execution_context_class=FamilyContextExecutor,
    )
    plain_field_readers(schema._schema)  # the same reads, one call each instead of strawberry's three
    direct_guarded_resolvers(schema)  # the guard and the resolver in one call instead of strawberry's six
    enum_outputs_by_lookup(schema._schema)
    return schema


def enum_outputs_by_lookup(schema: GraphQLSchema) -> int:
    """Give every enum type of the built schema an output coercion that looks a member's GraphQL name up in a
    dict. Why: strawberry's enum type finds it by scanning all the enum's values, reading `.value` (an enum
    property) on both sides of each comparison, for every enum in every answer (over a hundred per family
    query). Anything that is not a member of the enum goes to strawberry's own coercion, errors included.
    Returns how many enum types were changed."""
    changed = 0
    for named in schema.type_map.values():
        wrapped = getattr(named, "wrapped_cls", None)
        if not isinstance(named, GraphQLEnumType) or named.name.startswith("__"):
            continue
        if not (isinstance(wrapped, type) and issubclass(wrapped, enum.Enum)):
            continue
        names = {value.value: name for name, value in named.values.items()}
        # An instance attribute, read by graphql-core's executor in place of the class's method.
        named.coerce_output_value = _lookup_then(names, wrapped, named.coerce_output_value)  # type: ignore[method-assign,assignment]
        changed += 1
    return changed


def _lookup_then(
    names: dict[Any, str], members: type[enum.Enum], fallback: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    def coerce_output_value(output: Any) -> Any:
        if output.__class__ is members:
            name = names.get(output.value)
            if name is not None:
                return name
        return fallback(output)

    return coerce_output_value
