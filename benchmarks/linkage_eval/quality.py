"""Linkage quality: every CMS person linked into every target system by each method, counted against the truth."""

from __future__ import annotations

import dataclasses
import datetime
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import linkage
from benchmarks.linkage_eval import REFERENCE_DATE
from benchmarks.linkage_eval.agreement import field_classes, model_field_classes
from benchmarks.linkage_eval.candidates import Finder, blocking_finder, exact_key, target_systems
from benchmarks.linkage_eval.records import LinkRecord, cms_subjects
from benchmarks.linkage_eval.tally import MethodResult, Tally
from benchmarks.linkage_eval.truth import Truth
from sandbox.ground_truth import System
from sandbox.population import Population, generate

METHODS = ("gateway", "blocking", "exact")
MODEL_METHOD = "model"  # the trained model over the gateway's candidate paths, when one is given
MODEL_AT_DEFAULTS = "model, default thresholds"  # the same with the default thresholds, to show why they moved


@dataclass
class QualityReport:
    """The population measured and each method's result on it."""

    seed: int
    households: int
    reference_date: datetime.date
    subjects: int
    target_records: dict[str, int]
    cross_product: dict[str, int]
    true_pairs: int
    candidate_paths: dict[str, str]
    methods: dict[str, MethodResult]
    seconds: float
    model_thresholds: linkage.MatchThresholds | None = None  # the trained model and its thresholds, if measured


def evaluate_quality(
    seed: int,
    households: int,
    *,
    today: datetime.date = REFERENCE_DATE,
    workdir: Path | None = None,
    model_thresholds: linkage.MatchThresholds | None = None,
    population: Population | None = None,
) -> QualityReport:
    """Generate the seeded population (unless given) and measure the three methods on it, and a fourth,
    `MODEL_METHOD`, when `model_thresholds` carries a trained model."""
    started = time.perf_counter()
    population = population or generate(seed, households, today=today)
    truth = Truth(population.ground_truth)
    subjects = cms_subjects(population)
    with tempfile.TemporaryDirectory() as tmp:
        targets = target_systems(population, Path(workdir or tmp))
    gateway = evaluate_scored("gateway", truth, subjects, [(t.system, t.records, t.gateway_finder) for t in targets])
    blocking = evaluate_scored(
        "blocking", truth, subjects, [(t.system, t.records, blocking_finder(t.records)) for t in targets]
    )
    exact = evaluate_exact(truth, subjects, [(t.system, t.records) for t in targets])
    methods = {"gateway": gateway, "blocking": blocking, "exact": exact}
    if model_thresholds is not None and model_thresholds.model is not None:
        methods[MODEL_METHOD] = evaluate_scored(
            MODEL_METHOD,
            truth,
            subjects,
            [(t.system, t.records, t.gateway_finder) for t in targets],
            thresholds=model_thresholds,
            describe=model_field_classes(model_thresholds.model),
        )
        defaults = dataclasses.replace(
            model_thresholds,
            certain=linkage.DEFAULT_THRESHOLDS.certain,
            probable=linkage.DEFAULT_THRESHOLDS.probable,
            possible=linkage.DEFAULT_THRESHOLDS.possible,
        )
        if defaults != model_thresholds:
            methods[MODEL_AT_DEFAULTS] = evaluate_scored(
                MODEL_AT_DEFAULTS,
                truth,
                subjects,
                [(t.system, t.records, t.gateway_finder) for t in targets],
                thresholds=defaults,
                describe=model_field_classes(model_thresholds.model),
            )
    return QualityReport(
        seed=seed,
        households=households,
        reference_date=today,
        subjects=len(subjects),
        target_records={t.system: len(t.records) for t in targets},
        cross_product={t.system: len(subjects) * len(t.records) for t in targets},
        true_pairs=gateway.overall.true_pairs,
        candidate_paths={t.system: t.gateway_path for t in targets},
        methods=methods,
        seconds=time.perf_counter() - started,
        model_thresholds=model_thresholds,
    )


REFUSED = "refused by a rule"  # scored at least POSSIBLE, but a guarded level's rule allows no link (`linkage.rules`)


def _level(evidence: linkage.MatchEvidence, otherwise: str, thresholds: linkage.MatchThresholds) -> str:
    if evidence.shown:
        return evidence.level.value
    return REFUSED if evidence.score >= thresholds.possible else otherwise


def evaluate_scored(
    method: str,
    truth: Truth,
    subjects: Sequence[LinkRecord],
    systems: Sequence[tuple[System, list[LinkRecord], Finder]],
    *,
    thresholds: linkage.MatchThresholds = linkage.DEFAULT_THRESHOLDS,
    describe: Callable[[linkage.Demographics, linkage.Demographics], str] = field_classes,
) -> MethodResult:
    """Link every subject into every system through `best_links` over the finder's candidates (with the model
    that `thresholds` carries, if any)."""
    result = MethodResult(method)
    for system, records, find in systems:
        tally = Tally(result, truth, system, describe)
        by_id = {r.record_id: r for r in records}
        scored = 0
        for subject in subjects:
            candidates = find(subject.demographics)
            scored += len(candidates)
            links = linkage.best_links(subject.demographics, [(c.demographics, c) for c in candidates], thresholds)
            true_ids = set(truth.records_of(subject.person_id, system))
            linked: set[str] = set()
            for record, evidence in links:
                correct = record.record_id in true_ids
                if not evidence.counts:
                    tally.possible(subject, record, correct=correct)
                    continue
                linked.add(record.record_id)
                if not correct:
                    tally.false_link(subject, record, _level(evidence, "", thresholds), evidence.score)
            offered = {c.record_id for c in candidates}
            for record_id in sorted(true_ids):
                target = by_id[record_id]
                if record_id in linked:
                    tally.linked_true(subject, target)
                    continue
                evidence = linkage.score(subject.demographics, target.demographics, thresholds)
                if record_id not in offered:
                    result.not_candidates += 1
                    level = "not a candidate"
                else:
                    level = _level(evidence, "below possible", thresholds)
                tally.missed(subject, target, level, evidence.score)
        result.pairs_scored[system] = scored
    return result


def evaluate_exact(
    truth: Truth, subjects: Sequence[LinkRecord], systems: Sequence[tuple[System, list[LinkRecord]]]
) -> MethodResult:
    """The exact-match baseline over the whole cross product (by a hash join)."""
    result = MethodResult("exact")
    for system, records in systems:
        tally = Tally(result, truth, system)
        by_key: dict[tuple[str, str, datetime.date], list[LinkRecord]] = defaultdict(list)
        by_id = {r.record_id: r for r in records}
        for record in records:
            key = exact_key(record.demographics)
            if key is not None:
                by_key[key].append(record)
        for subject in subjects:
            key = exact_key(subject.demographics)
            matched = by_key.get(key, []) if key is not None else []
            true_ids = set(truth.records_of(subject.person_id, system))
            for record in matched:
                if record.record_id not in true_ids:
                    tally.false_link(subject, record, "exact match", None)
            matched_ids = {r.record_id for r in matched}
            for record_id in sorted(true_ids):
                if record_id in matched_ids:
                    tally.linked_true(subject, by_id[record_id])
                else:
                    tally.missed(subject, by_id[record_id], "no exact match", None)
        result.pairs_scored[system] = 0
    return result
