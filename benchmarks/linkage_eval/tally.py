"""Counting one method's pairs: true and false links overall, per target system, per discrepancy kind, per near
duplicate, with the misses and false links described without names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.linkage_eval.agreement import field_classes, miss_cause
from benchmarks.linkage_eval.records import TARGETS, LinkRecord
from benchmarks.linkage_eval.truth import KIND_ROWS, Truth, kind_rows
from linkage import Demographics
from sandbox.ground_truth import NEAR_DUPLICATE_KINDS, System


@dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives of a set of pairs."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def true_pairs(self) -> int:
        return self.tp + self.fn


@dataclass(frozen=True, slots=True)
class PairExample:
    """A missed or false pair, described without names: ids, kinds, level, score and each field's agreement."""

    system: str
    subject_id: str
    target_id: str
    kinds: tuple[str, ...]
    level: str  # CERTAIN / PROBABLE / POSSIBLE / "below possible" / "not a candidate" / "exact match"
    score: float | None
    fields: str  # e.g. "given EXACT, family DIFFERENT, dob EXACT, postcode PREVIOUS, gender SAME"


def _per_near_duplicate_kind() -> dict[str, int]:
    return dict.fromkeys(NEAR_DUPLICATE_KINDS, 0)


@dataclass
class MethodResult:
    """Everything counted for one method, over every target system."""

    method: str
    overall: Counts = field(default_factory=Counts)
    by_kind: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in KIND_ROWS})
    by_system: dict[str, Counts] = field(default_factory=lambda: {system: Counts() for system in TARGETS})
    near_duplicate_links: dict[str, int] = field(default_factory=_per_near_duplicate_kind)  # false strong links
    near_duplicate_possible: dict[str, int] = field(default_factory=_per_near_duplicate_kind)
    possible_true: int = 0
    possible_false: int = 0
    not_candidates: int = 0  # true pairs the candidate path never offered
    pairs_scored: dict[str, int] = field(default_factory=dict)
    misses: list[PairExample] = field(default_factory=list)
    false_links: list[PairExample] = field(default_factory=list)
    miss_patterns: Counter[str] = field(default_factory=Counter)
    miss_causes: Counter[str] = field(default_factory=Counter)
    false_patterns: Counter[str] = field(default_factory=Counter)


class Tally:
    """Counts the pairs of one target system into a method's result.

    A pair is a (subject, target record) pair that is true, predicted (linked), or both; POSSIBLE matches are
    counted apart.
    """

    def __init__(
        self,
        result: MethodResult,
        truth: Truth,
        system: System,
        describe: Callable[[Demographics, Demographics], str] = field_classes,
    ) -> None:
        self.result = result
        self.truth = truth
        self.system = system
        self.describe = describe  # each field's agreement class, as the method's scorer saw it

    def linked_true(self, subject: LinkRecord, target: LinkRecord) -> None:
        """A true pair that was linked."""
        for counts in self._counters(self.truth.pair_kinds(subject, target)):
            counts.tp += 1

    def missed(self, subject: LinkRecord, target: LinkRecord, level: str, score: float | None) -> None:
        """A true pair that was not linked; `level` is the outcome (a match level, or why there was none)."""
        kinds = self.truth.pair_kinds(subject, target)
        example = self._example(subject, target, kinds, level, score)
        for counts in self._counters(kinds):
            counts.fn += 1
        self.result.miss_patterns[f"{level}: {example.fields}"] += 1
        self.result.miss_causes[miss_cause(level, example.fields)] += 1
        self.result.misses.append(example)

    def false_link(self, subject: LinkRecord, target: LinkRecord, level: str, score: float | None) -> None:
        """A pair of two different people that was linked."""
        kinds = self.truth.pair_kinds(subject, target)
        example = self._example(subject, target, kinds, level, score)
        for counts in self._counters(kinds):
            counts.fp += 1
        self.result.false_patterns[f"{level}: {example.fields}"] += 1
        self.result.false_links.append(example)
        near = self.truth.near_kind(subject.person_id, target.person_id)
        if near is not None:
            self.result.near_duplicate_links[near] += 1

    def possible(self, subject: LinkRecord, target: LinkRecord, *, correct: bool) -> None:
        """A POSSIBLE match: shown to the user, never counted as a link."""
        if correct:
            self.result.possible_true += 1
            return
        self.result.possible_false += 1
        near = self.truth.near_kind(subject.person_id, target.person_id)
        if near is not None:
            self.result.near_duplicate_possible[near] += 1

    def _counters(self, kinds: tuple[str, ...]) -> list[Counts]:
        rows = kind_rows(kinds)
        return [self.result.overall, self.result.by_system[self.system], *(self.result.by_kind[r] for r in rows)]

    def _example(
        self, subject: LinkRecord, target: LinkRecord, kinds: tuple[str, ...], level: str, score: float | None
    ) -> PairExample:
        fields = self.describe(subject.demographics, target.demographics)
        return PairExample(self.system, subject.record_id, target.record_id, kinds, level, score, fields)
