"""Which operation of a document a request runs, decided before anything runs.

Why here and not left to strawberry: with several operations and no `operationName`, strawberry picks the first
one's type, validates the whole document, and only then does graphql-core refuse, as a 200 with an error; an
unknown `operationName`, a mutation or a subscription raise exceptions outside the schema's error handling. The
GraphQL-over-HTTP convention makes each of these a request the client must fix: 400, `BAD_USER_INPUT`, with a
message saying what to send.

The operations of a document are read with graphql-core's parser under the same token limit as the schema's, and
remembered for the last `CACHE_SIZE` documents only, so that unique query texts cannot grow memory. A document
that does not parse is left to the schema, whose errors say where the syntax is wrong.
"""

from __future__ import annotations

import functools

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

CACHE_SIZE = 256

NO_OPERATION = "The document holds no operation to run (only fragments)."
OPERATION_NAME_REQUIRED = (
    "The document holds several operations: say which one to run with operationName (the GraphQL spec requires it)."
)
UNKNOWN_OPERATION = "operationName does not name an operation of the document."
QUERIES_ONLY = "Only queries are served: this API has no mutations or subscriptions."
NESTED_TOO_DEEPLY = "The document is nested too deeply."

Operations = tuple[tuple[str | None, OperationType], ...]


class OperationRefused(ValueError):
    """The request cannot run as sent; the message is safe to show. `code` is the `extensions.code`."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def check_operation(query: str, operation_name: str | None, *, max_tokens: int) -> None:
    """Raise `OperationRefused` unless `query` names exactly one query operation to run."""
    operations = _operations(query, max_tokens)
    if operations is None:
        return  # does not parse: the schema reports where
    if not operations:
        raise OperationRefused(NO_OPERATION)
    if operation_name is None:
        if len(operations) > 1:
            raise OperationRefused(OPERATION_NAME_REQUIRED)
        chosen = operations[0][1]
    else:
        found = [kind for name, kind in operations if name == operation_name]
        if not found:
            raise OperationRefused(UNKNOWN_OPERATION)
        chosen = found[0]
    if chosen is not OperationType.QUERY:
        raise OperationRefused(QUERIES_ONLY)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _operations(query: str, max_tokens: int) -> Operations | None:
    """Each operation's name and type; None when the document does not parse."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return None
    except RecursionError:
        raise OperationRefused(NESTED_TOO_DEEPLY, "QUERY_TOO_COMPLEX") from None
    return tuple(
        (d.name.value if d.name else None, d.operation)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )
