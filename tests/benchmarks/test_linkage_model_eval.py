"""The linkage benchmark's model parts on small data: the trained model's rows, FEBRL's loading and candidate
pairs, the threshold sweep, and docs/linkage.md keeping its hand-written sections."""

from __future__ import annotations

import pytest

import linkage
from benchmarks.linkage_eval.febrl import candidate_pairs, load_febrl
from benchmarks.linkage_eval.model_report import levels_section
from benchmarks.linkage_eval.pair_metrics import ScoredPair, at_threshold, sweep
from benchmarks.linkage_eval.quality import MODEL_METHOD, QualityReport, evaluate_quality
from benchmarks.linkage_eval.quality_report import quality_section
from benchmarks.linkage_eval.report import GENERATED, merge, render
from benchmarks.linkage_eval.training_records import sandbox_records
from sandbox.population import generate

pytest.importorskip("splink")


@pytest.fixture(scope="module")
def report() -> QualityReport:
    population = generate(7, 60)
    model = linkage.train(sandbox_records(population), max_pairs=2e5)
    thresholds = linkage.MatchThresholds(model=model, probable=0.99)
    return evaluate_quality(7, 60, model_thresholds=thresholds, population=population)


def test_the_trained_model_is_measured_on_the_same_true_pairs(report: QualityReport) -> None:
    model = report.methods[MODEL_METHOD]
    assert model.overall.true_pairs == report.true_pairs
    assert model.near_duplicate_links == dict.fromkeys(model.near_duplicate_links, 0)
    assert (model.overall.recall or 0) > 0.9
    text = "\n".join(quality_section(report))
    assert "trained model, gateway candidate paths" in text
    assert "model: recall" in text


def test_the_levels_section_lists_every_level(report: QualityReport) -> None:
    assert report.model_thresholds is not None and report.model_thresholds.model is not None
    model = report.model_thresholds.model
    text = "\n".join(levels_section(model))
    assert all(f"| {f.comparison} | {f.level.key} |" in text for f in model.parameters())


def test_the_report_replaces_only_its_own_section(report: QualityReport) -> None:
    existing = "# Linkage and search\n\n## How people are matched\n\nHand-written.\n\n## Linkage and search\n\nOld.\n"
    merged = merge(existing, render(report, None))
    assert "Hand-written." in merged and "Old." not in merged
    assert merged.index("## How people are matched") < merged.index(GENERATED)


def test_febrl_loads_with_its_true_pairs_and_the_candidates_hold_nearly_all() -> None:
    data = load_febrl()
    assert len(data.a) == len(data.b) == 5_000 and len(data.truth) == 5_000
    pairs = set(candidate_pairs(data))
    assert len(pairs & data.truth) / len(data.truth) > 0.99
    assert len(pairs) < 400_000  # a small fraction of the 25 million


def test_sweep_finds_recall_at_zero_false_links_and_the_best_f1() -> None:
    pairs = [ScoredPair(0.99, True), ScoredPair(0.9, True), ScoredPair(0.8, False), ScoredPair(0.7, True)]
    swept = sweep(pairs, true_pairs=4)
    assert swept.recall_at_zero_false == 0.5
    assert swept.best_f1.f1 == pytest.approx(2 * 0.75 * 0.75 / 1.5)
    assert at_threshold(pairs, 0.85, 4).precision == 1.0
    refused = [ScoredPair(0.99, True, allowed=False), ScoredPair(0.5, True)]
    assert at_threshold(refused, 0.9, 2).predicted == 0
