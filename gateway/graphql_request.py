"""What a `POST /graphql` body asks for, checked: `{"query", "variables", "operationName", "extensions"}`.

Why the gateway reads the body itself rather than leaving it to strawberry's HTTP view: that view answers some
malformed requests in plain text, and every error a client of this gateway sees must be JSON with an
`extensions.code`. A body that is not what the GraphQL-over-HTTP convention describes is refused here, with a
message saying what is expected (never echoing what was sent: it can hold search terms).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NOT_JSON_CONTENT = "Send the request as JSON: Content-Type: application/json."
NOT_UTF8 = "The request body is not valid UTF-8."
NOT_JSON = "The request body is not valid JSON."
NOT_A_GRAPHQL_REQUEST = 'Expected a JSON object: {"query": "...", "variables": {...}, "operationName": "..."}.'
MISSING_QUERY = 'The request must include a query: {"query": "{ ... }"}.'
QUERY_NOT_A_STRING = "query must be a string holding a GraphQL document."
VARIABLES_NOT_AN_OBJECT = "variables must be a JSON object (or null)."
OPERATION_NAME_NOT_A_STRING = "operationName must be a string (or null)."
EXTENSIONS_NOT_AN_OBJECT = "extensions must be a JSON object (or null)."


class BadRequest(ValueError):
    """The body is not a GraphQL request; the message is safe to show (it never quotes the body)."""


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    operation_name: str | None = None


def is_json_content_type(value: str | None) -> bool:
    """`application/json`, with or without parameters (`; charset=utf-8`)."""
    return value is not None and value.split(";", 1)[0].strip().lower() == "application/json"


def parse_graphql_request(body: bytes) -> GraphQLRequest:
    """The request in `body` (UTF-8 JSON), or `BadRequest` saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(NOT_UTF8) from None
    try:
        raw = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise BadRequest(NOT_JSON) from None
    if not isinstance(raw, Mapping):
        raise BadRequest(NOT_A_GRAPHQL_REQUEST)
    query = raw.get("query")
    if query is None or query == "":
        raise BadRequest(MISSING_QUERY)
    if not isinstance(query, str):
        raise BadRequest(QUERY_NOT_A_STRING)
    variables = raw.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest(VARIABLES_NOT_AN_OBJECT)
    operation_name = raw.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest(OPERATION_NAME_NOT_A_STRING)
    extensions = raw.get("extensions")  # nothing here reads them (no persisted queries); refused only if malformed
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest(EXTENSIONS_NOT_AN_OBJECT)
    return GraphQLRequest(query=query, variables=variables or {}, operation_name=operation_name or None)


def _refuse_constant(name: str) -> Any:
    """`NaN` and `Infinity` are not JSON, although Python's parser accepts them."""
    raise ValueError(name)
