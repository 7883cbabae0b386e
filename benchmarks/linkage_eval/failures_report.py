"""The report's misses and false links of a method: grouped by outcome and agreement classes, with examples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from benchmarks.linkage_eval.markdown import row, table
from benchmarks.linkage_eval.tally import MethodResult, PairExample

MAX_EXAMPLES = 12
MAX_PATTERNS = 15
PATTERN_HEADER = ("pairs", "outcome: fields")
EXAMPLE_HEADER = ("", "system", "CMS id", "target id", "kinds", "outcome", "score", "fields")


def failures_section(m: MethodResult, label: str) -> list[str]:
    """The section's markdown lines for method `m`, titled with `label`."""
    lines = [f"#### Misses and false links ({label})", ""]
    if not m.misses and not m.false_links:
        return [*lines, "None.", ""]
    lines += [
        "Grouped by outcome and by each field's agreement class as `score` saw it (no names). Missed true pairs:",
        "",
        *table(PATTERN_HEADER, _top_patterns(m.miss_patterns)),
    ]
    if len(m.miss_patterns) > MAX_PATTERNS:
        others = m.miss_patterns.most_common()[MAX_PATTERNS:]
        lines.append(row([sum(n for _, n in others), f"({len(others)} other patterns)"]))
    lines += [
        "",
        "Missed kinds: " + _kinds_summary(m.misses) + ".",
        "",
        "Causes of the misses:",
        "",
        *table(("pairs", "cause"), ([n, cause] for cause, n in m.miss_causes.most_common())),
        "",
    ]
    if m.false_links:
        lines += ["False links:", "", *table(PATTERN_HEADER, _top_patterns(m.false_patterns)), ""]
    examples = [("miss", e) for e in _spread(m.misses)] + [("false", e) for e in _spread(m.false_links)]
    lines += [
        "Examples (record ids, planted kinds on either record, outcome, score):",
        "",
        *table(EXAMPLE_HEADER, (_example_cells(what, e) for what, e in examples)),
    ]
    return [*lines, ""]


def _top_patterns(patterns: Counter[str]) -> list[list[object]]:
    return [[n, pattern] for pattern, n in patterns.most_common(MAX_PATTERNS)]


def _example_cells(what: str, e: PairExample) -> list[object]:
    score = "" if e.score is None else f"{e.score:.4f}"
    return [what, e.system, e.subject_id, e.target_id, ", ".join(e.kinds), e.level, score, e.fields]


def _kinds_summary(examples: Sequence[PairExample]) -> str:
    counts = Counter(k for e in examples for k in e.kinds)
    return ", ".join(f"{k} {n}" for k, n in counts.most_common()) or "none"


def _spread(examples: Sequence[PairExample]) -> list[PairExample]:
    """Up to MAX_EXAMPLES examples, one per pattern of kinds and outcome first."""
    seen: set[tuple[tuple[str, ...], str]] = set()
    first: list[PairExample] = []
    for e in examples:
        key = (e.kinds, e.level)
        if key not in seen:
            seen.add(key)
            first.append(e)
    rest = [e for e in examples if e not in first]
    return (first + rest)[:MAX_EXAMPLES]
