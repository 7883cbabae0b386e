"""Assembling the schema with its extensions."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.types import ExecutionContext

from schema.audit_hook import AuditHook
from schema.errors import ErrorShaping, log_errors
from schema.people import Child, Household, Person
from schema.query import Query
from schema.services import INVOLVEMENT_TYPES


class FamilyContextSchema(Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # strawberry's default logs each error's message, which can echo personal data.
        log_errors(errors)


def build_schema(*, max_depth: int = 12, max_aliases: int = 50, max_tokens: int = 4000) -> Schema:
    """The gateway's schema. Limits come from the authority's configuration."""

    def depth_limiter() -> SchemaExtension:
        return QueryDepthLimiter(max_depth=max_depth)

    def alias_limiter() -> SchemaExtension:
        return MaxAliasesLimiter(max_alias_count=max_aliases)

    def token_limiter() -> SchemaExtension:
        return MaxTokensLimiter(max_token_count=max_tokens)

    return FamilyContextSchema(
        query=Query,
        types=[Person, Child, Household, *INVOLVEMENT_TYPES],
        # Order matters: errors are shaped inside the audit hook, so a failed audit replaces everything.
        extensions=[AuditHook, ErrorShaping, token_limiter, depth_limiter, alias_limiter],
    )
