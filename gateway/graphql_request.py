"""What a `POST /graphql` body asks for, checked: `{"query", "variables", "operationName", "extensions"}`.

Why the gateway reads the body itself rather than leaving it to strawberry's HTTP view: that view answers some
malformed requests in plain text, and every error a client of this gateway sees must be JSON with an
`extensions.code`. A body that is not what the GraphQL-over-HTTP convention describes is refused here, with a
message saying what is expected (never echoing what was sent: it can hold search terms).

Only `application/json` is read as JSON, in UTF-8: any other media type (`application/jsonp`, `application/graphql`,
`text/plain`, a form) or charset is refused with 415 before the body is looked at, so that no body reaches a parser
it was not meant for. Nesting is measured on the text before anything parses it (`gateway/nesting.py`): lists and
objects in `variables` (and anywhere else in the body) at most `max_variable_depth` deep, and the query's own
brackets at most `MAX_DOCUMENT_NESTING` deep, so that neither Python's JSON parser nor graphql-core's recursive
parser, validation and printing ever run out of stack on a request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.nesting import document_nests_deeper_than, json_brackets_balanced, json_nests_deeper_than
from gateway.operation_check import OperationRefused
from resolvers.errors import QUERY_TOO_COMPLEX

# Far beyond any query this schema answers (selections are at most `max_query_depth` deep, 12 by default, and no
# argument takes more than a list or an input object), and far below where graphql-core's recursive parser gives up
# (about 190 levels inside a served request).
MAX_DOCUMENT_NESTING = 64
# The body's own object and the `variables` object around each variable's value: a value nested
# `max_variable_depth` deep sits this much deeper in the body.
_BODY_LEVELS_ABOVE_A_VARIABLE = 2
_JSON_MEDIA_TYPE = "application/json"
_UTF8 = "utf-8"

NOT_JSON_CONTENT = "Send the request as JSON in UTF-8: Content-Type: application/json (optionally ; charset=utf-8)."
NOT_UTF8 = "The request body is not valid UTF-8."
NOT_JSON = "The request body is not valid JSON."
NOT_A_GRAPHQL_REQUEST = 'Expected a JSON object: {"query": "...", "variables": {...}, "operationName": "..."}.'
MISSING_QUERY = 'The request must include a query: {"query": "{ ... }"}.'
QUERY_NOT_A_STRING = "query must be a string holding a GraphQL document."
VARIABLES_NOT_AN_OBJECT = "variables must be a JSON object (or null)."
OPERATION_NAME_NOT_A_STRING = "operationName must be a string (or null)."
EXTENSIONS_NOT_AN_OBJECT = "extensions must be a JSON object (or null)."
BAD_PERSISTED_QUERY = 'extensions.persistedQuery must be {"version": 1, "sha256Hash": "<64 hex digits>"}.'
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
NESTED_TOO_DEEPLY = (
    "Lists and objects in variables (and anywhere else in the request body) may nest at most {limit} levels deep."
)
DOCUMENT_NESTED_TOO_DEEPLY = (
    "The query nests selections, arguments, lists and input objects more than {limit} levels deep."
)


class BadRequest(ValueError):
    """The body is not a GraphQL request; the message is safe to show (it never quotes the body)."""


@dataclass(frozen=True)
class GraphQLRequest:
    query: str  # empty when the request names a persisted operation by its hash alone
    variables: dict[str, Any] = field(default_factory=dict)
    operation_name: str | None = None
    persisted_hash: str | None = None  # extensions.persistedQuery.sha256Hash


def is_json_content_type(value: str | None) -> bool:
    """`application/json` (any case), with or without parameters; a `charset`, if given, must be UTF-8 (the only
    encoding JSON over HTTP has, RFC 8259). Anything else, a missing header included, is not JSON to this gateway:
    `application/jsonp` or `application/json-seq` only begin like it."""
    if value is None:
        return False
    media_type, *parameters = value.split(";")
    if media_type.strip().lower() != _JSON_MEDIA_TYPE:
        return False
    for parameter in parameters:
        if not parameter.strip():
            continue  # `application/json;`: an empty parameter list, as some clients send
        name, equals, setting = parameter.partition("=")
        if not equals or not name.strip():
            return False  # not a parameter at all
        if name.strip().lower() == "charset" and setting.strip().strip('"').lower() != _UTF8:
            return False
    return True


def parse_graphql_request(body: bytes, *, max_variable_depth: int) -> GraphQLRequest:
    """The request in `body` (UTF-8 JSON), or `BadRequest` saying what is wrong with it; `OperationRefused`
    (`QUERY_TOO_COMPLEX`) when the query's own brackets nest deeper than `MAX_DOCUMENT_NESTING`."""
    try:
        text = body.decode(_UTF8)
    except UnicodeDecodeError:
        raise BadRequest(NOT_UTF8) from None
    if json_nests_deeper_than(text, max_variable_depth + _BODY_LEVELS_ABOVE_A_VARIABLE):
        if not json_brackets_balanced(text):
            raise BadRequest(NOT_JSON)  # say what is wrong first: a truncated body is no JSON at any depth
        raise BadRequest(NESTED_TOO_DEEPLY.format(limit=max_variable_depth))
    try:
        raw = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # RecursionError: only when max_variable_depth is set in the thousands
        raise BadRequest(NOT_JSON) from None
    if not isinstance(raw, Mapping):
        raise BadRequest(NOT_A_GRAPHQL_REQUEST)
    extensions = raw.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest(EXTENSIONS_NOT_AN_OBJECT)
    persisted_hash = _persisted_hash(extensions)
    query = raw.get("query")
    if (query is None or query == "") and persisted_hash is not None:
        query = ""  # a persisted operation sent by its hash alone (`gateway/persisted.py` finds its text)
    elif query is None or query == "":
        raise BadRequest(MISSING_QUERY)
    if not isinstance(query, str):
        raise BadRequest(QUERY_NOT_A_STRING)
    variables = raw.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest(VARIABLES_NOT_AN_OBJECT)
    operation_name = raw.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest(OPERATION_NAME_NOT_A_STRING)
    if document_nests_deeper_than(query, MAX_DOCUMENT_NESTING):
        raise OperationRefused(DOCUMENT_NESTED_TOO_DEEPLY.format(limit=MAX_DOCUMENT_NESTING), QUERY_TOO_COMPLEX)
    return GraphQLRequest(
        query=query, variables=variables or {}, operation_name=operation_name or None, persisted_hash=persisted_hash
    )


def _persisted_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """`extensions.persistedQuery.sha256Hash` (Apollo's form), lower-case hex, or None when not given."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    digest = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
    if not isinstance(digest, str) or not SHA256_HEX.match(digest.lower()) or persisted.get("version", 1) != 1:
        raise BadRequest(BAD_PERSISTED_QUERY)
    return digest.lower()


def _refuse_constant(name: str) -> Any:
    """`NaN` and `Infinity` are not JSON, although Python's parser accepts them."""
    raise ValueError(name)
