"""Precision, recall and F1 of scored candidate pairs against the true pairs: at a threshold, at zero false links,
and at the best threshold.

A pair is predicted a link when its score reaches the threshold (and, for this project, no rule of the authority
refuses it). Recall counts against every true pair, including those no candidate rule offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScoredPair:
    score: float
    true: bool
    allowed: bool = True  # False: the authority's rules refuse the link whatever its score


@dataclass(frozen=True, slots=True)
class Quality:
    """Links predicted, of which true, against `true_pairs` true pairs."""

    predicted: int
    correct: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true_pairs if self.true_pairs else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_links(self) -> int:
        return self.predicted - self.correct


def at_threshold(pairs: Iterable[ScoredPair], threshold: float, true_pairs: int) -> Quality:
    """The links scoring at least `threshold`."""
    predicted = [p for p in pairs if p.allowed and p.score >= threshold]
    return Quality(len(predicted), sum(p.true for p in predicted), true_pairs)


@dataclass(frozen=True, slots=True)
class Sweep:
    """The best a single threshold can do: recall with no false link, and the best F1 (and where)."""

    recall_at_zero_false: float
    best_f1: Quality
    best_f1_threshold: float


def sweep(pairs: Sequence[ScoredPair], true_pairs: int) -> Sweep:
    """Every threshold at once: pairs best first, ties taken together (one threshold cannot split them)."""
    ranked = sorted((p for p in pairs if p.allowed), key=lambda p: -p.score)
    correct = predicted = 0
    zero_false_recall = 0.0
    best = Quality(0, 0, true_pairs)
    best_threshold = 1.0
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j].score == ranked[i].score:
            correct += ranked[j].true
            predicted += 1
            j += 1
        quality = Quality(predicted, correct, true_pairs)
        if quality.false_links == 0:
            zero_false_recall = quality.recall
        if quality.f1 > best.f1:
            best, best_threshold = quality, ranked[i].score
        i = j
    return Sweep(zero_false_recall, best, best_threshold)
