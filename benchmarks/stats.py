"""Small statistics shared by the benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank `q` quantile of `values` (q in 0..1)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def in_levels(calls: Iterable[T], start: Callable[[T], float], end: Callable[[T], float]) -> list[list[T]]:
    """Upstream calls in the levels that waited for each other: in order of their start, a call that started
    before every call of the current level had ended joins it, otherwise it starts the next. The one rule for
    the spans of `benchmarks/timeline.py` and the recorded calls of `benchmarks/family_context.py`."""
    levels: list[list[T]] = []
    for call in sorted(calls, key=start):
        if levels and start(call) < max(end(c) for c in levels[-1]):
            levels[-1].append(call)
        else:
            levels.append([call])
    return levels
