"""Answers read off a query's document once, not once per request.

graphql-core's parser cache hands every request with the same query text the same document, so what a field's
selection beneath it asks for (which field classes it selects, `schema/access.py`; which source look-ups its
children will make, `schema/lookahead.py`) can be worked out on the first request and reused. An answer is keyed
by the schema, the field and the identity of the field's nodes in the document; the cache holds those nodes, so
their ids cannot be reused by another document while the answer is kept. Bounded: emptied when full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Generic, TypeVar

from graphql import FieldNode, GraphQLResolveInfo

T = TypeVar("T")

DEFAULT_SIZE: Final = 4096


class PerDocument(Generic[T]):
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size <= 0:
            raise ValueError("size must be positive")
        self.size = size
        self._answers: dict[tuple[object, ...], tuple[tuple[FieldNode, ...], T]] = {}

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, raw: GraphQLResolveInfo, compute: Callable[[GraphQLResolveInfo], T]) -> T:
        """`compute(raw)` for this field of this document, worked out once. `compute` must depend only on the
        document and the schema (never on variables or the request)."""
        nodes = raw.field_nodes
        key = (id(raw.schema), raw.parent_type.name, raw.field_name, *map(id, nodes))
        cached = self._answers.get(key)
        if cached is not None:
            return cached[1]
        answer = compute(raw)
        if len(self._answers) >= self.size:
            self._answers.clear()
        self._answers[key] = (tuple(nodes), answer)
        return answer
