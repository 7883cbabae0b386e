"""How common each name and postcode is in the training records, and what that does to an exact match.

Two records that share a rare surname are likelier the same person than two that share "Smith". Splink adjusts
the weight of an exact match by the value's term frequency tf (its share of the records where the field is
recorded): the level's weight uses tf in place of the level's u, so the adjustment is log2(u) - log2(tf). The
online scorer applies the same adjustment from these tables.

The tables hold only values shared by at least `min_count` records: a value seen fewer times is treated as rare,
at the floor `min_count / recorded` (Splink's `tf_minimum_u_value`, set to the same floor, so Splink's weights
and the scorer's agree). So a model file never lists a name or postcode that only one or two people have, and a
value the training records never showed counts as rare too.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

DEFAULT_MIN_COUNT = 3


@dataclass(frozen=True)
class TermFrequencies:
    """One column's term frequencies: value -> tf for values of at least `min_count` records, and the floor."""

    column: str
    minimum: float  # tf of a value below min_count records, or never seen: min_count / recorded
    frequencies: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def count(cls, column: str, values: Iterable[str | None], min_count: int = DEFAULT_MIN_COUNT) -> TermFrequencies:
        """The table of `values` (None: not recorded), as Splink computes it: count / count of recorded values."""
        counts = Counter(value for value in values if value is not None)
        recorded = sum(counts.values())
        if recorded == 0:
            return cls(column, 1.0, MappingProxyType({}))
        kept = {value: n / recorded for value, n in sorted(counts.items()) if n >= min_count}
        return cls(column, min(1.0, min_count / recorded), MappingProxyType(kept))

    def tf(self, value: str) -> float:
        """The value's term frequency, never below the floor."""
        return max(self.frequencies.get(value, 0.0), self.minimum)

    def adjustments(self, u_exact: float) -> tuple[dict[str, float], float]:
        """The weight adjustment, in bits, of an exact match on each listed value, and on any other value."""
        base = math.log2(u_exact)
        listed = {value: base - math.log2(max(tf, self.minimum)) for value, tf in self.frequencies.items()}
        return listed, base - math.log2(self.minimum)

    def to_json(self) -> dict[str, Any]:
        return {"minimum": self.minimum, "values": dict(self.frequencies)}

    @classmethod
    def from_json(cls, column: str, data: Mapping[str, Any]) -> TermFrequencies:
        values = data.get("values")
        minimum = data.get("minimum")
        if not isinstance(values, Mapping) or not isinstance(minimum, int | float) or not 0 < minimum <= 1:
            raise ValueError(f"term frequencies of {column}: expected {{'minimum': (0, 1], 'values': {{...}}}}")
        return cls(column, float(minimum), MappingProxyType({str(k): float(v) for k, v in values.items()}))
