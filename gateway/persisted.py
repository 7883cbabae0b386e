"""Persisted operations: an allow-list of operations by the sha256 of their text (`[persisted_operations]`).

Requests may name an operation in Apollo's form, `"extensions": {"persistedQuery": {"version": 1, "sha256Hash":
...}}`, with or without `query`:

* with the text, the hash must be the text's sha256 (else 400, `BAD_USER_INPUT`);
* without it, the listed operation's text is used; a hash not in the list answers Apollo's
  `PersistedQueryNotFound` (`PERSISTED_QUERY_NOT_FOUND`, HTTP 200, so that Apollo clients resend with the text).

With `require = true`, every request must be a listed operation, named by its hash or sent as its exact text: any
other is refused before it is parsed (400, `PERSISTED_QUERY_NOT_IN_LIST`), so production runs only the operations
its clients were built with. The list is read once at start-up (`gateway/settings.py`). Behind a federation
router, enforce the list at the router: the router writes its own operations to each subgraph.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Final

from gateway.graphql_request import GraphQLRequest
from gateway.settings import PersistedOperationsSettings
from resolvers.errors import BAD_USER_INPUT

PERSISTED_QUERY_NOT_FOUND: Final = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_IN_LIST: Final = "PERSISTED_QUERY_NOT_IN_LIST"
NOT_FOUND_MESSAGE: Final = "PersistedQueryNotFound"
NOT_IN_LIST_MESSAGE: Final = (
    "This gateway runs only its persisted operations: send one of them (by extensions.persistedQuery.sha256Hash)."
)
HASH_MISMATCH: Final = "provided sha does not match query"


@dataclass(frozen=True)
class PersistedRefusal(Exception):
    status: int
    code: str
    message: str


class PersistedOperations:
    def __init__(self, settings: PersistedOperationsSettings) -> None:
        self._operations = dict(settings.operations)
        self._require = settings.require

    def resolve(self, request: GraphQLRequest) -> GraphQLRequest:
        """The request with its operation's text, or `PersistedRefusal`."""
        given = request.persisted_hash
        if given is not None and not request.query:
            text = self._operations.get(given)
            if text is None:
                raise PersistedRefusal(200, PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE)
            return dataclasses.replace(request, query=text)
        digest = hashlib.sha256(request.query.encode("utf-8")).hexdigest() if given or self._require else None
        if given is not None and given != digest:
            raise PersistedRefusal(400, BAD_USER_INPUT, HASH_MISMATCH)
        if self._require and digest not in self._operations:
            raise PersistedRefusal(400, PERSISTED_QUERY_NOT_IN_LIST, NOT_IN_LIST_MESSAGE)
        return request
