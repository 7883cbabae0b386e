"""A trained linkage model applied online: Splink's weights for this project's comparison levels, in pure Python.

`LinkageModel` reads a Splink model (its settings dictionary, as Splink saves it to JSON) whose comparisons are
those of `linkage.comparisons`, plus the term-frequency tables Splink's JSON does not hold. Each saved level is
recognised by its SQL in the model's `sql_dialect` (DuckDB's or Spark's, `linkage.sql_dialects`), so a model
trained on either backend is scored alike. For a pair of records
it finds each comparison's level with the level's Python test, and sums exactly what Splink's `predict()` sums:

    match weight = log2(λ / (1 - λ)) + Σ log2(m / u) of each level + Σ term-frequency adjustments

(null levels weigh 0; λ is the model's probability that two random records match). The score is Splink's match
probability, 1 / (1 + 2 ** -weight), and `MatchThresholds` turns it into a level. Then the authority's
`LinkRules` limit any link resting on a guarded level (twins, parent and child, no DOB).

Nothing here needs Splink or DuckDB: serving a model costs microseconds per pair.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from linkage.comparison import Comparison, Level
from linkage.comparisons import BY_COLUMN
from linkage.demographics import Demographics, FieldOutcome, MatchEvidence
from linkage.features import Features, features
from linkage.sql_dialects import DIALECTS
from linkage.term_frequencies import TermFrequencies

if TYPE_CHECKING:
    from linkage.thresholds import MatchThresholds

T = TypeVar("T")

_CLAMP = 1e-300  # Splink's floor for m and u before taking logs


class ModelError(ValueError):
    """A model that the online scorer cannot apply faithfully (unknown level, missing parameter, bad file)."""


@dataclass(frozen=True, slots=True)
class FittedLevel:
    """A level of the model with its fitted parameters."""

    comparison: str
    level: Level
    m: float | None  # None for a null level
    u: float | None
    weight: float
    tf_column: str | None  # the Features attribute read for the term-frequency adjustment
    tf_adjustments: Mapping[str, float] | None
    tf_other: float  # the adjustment for a value not in the table (rare)

    @property
    def test(self) -> Callable[[Features, Features], bool]:
        return self.level.test

    def weight_of(self, a: Features) -> float:
        """The level's weight for a pair whose left record is `a` (term frequencies read from it)."""
        if self.tf_adjustments is None or self.tf_column is None:
            return self.weight
        value = getattr(a, self.tf_column)
        return self.weight + self.tf_adjustments.get(value, self.tf_other)


class LinkageModel:
    """A Splink model over `linkage.comparisons`, scored in Python.

    Build one with `linkage.train(records)` or `linkage.load_model(path)`; `save(path)` writes Splink's JSON and the
    term-frequency tables beside it.
    """

    def __init__(
        self,
        settings: Mapping[str, Any],
        term_frequencies: Mapping[str, TermFrequencies],
        *,
        training: Mapping[str, Any] | None = None,
    ) -> None:
        self.settings: dict[str, Any] = dict(settings)
        self.term_frequencies = dict(term_frequencies)
        self.training: dict[str, Any] = dict(training or {})
        probability = settings.get("probability_two_random_records_match")
        if not isinstance(probability, int | float) or not 0 < probability < 1:
            raise ModelError("probability_two_random_records_match must be a number between 0 and 1")
        self.probability_two_random_records_match = float(probability)
        self.prior_weight = math.log2(probability / (1 - probability))
        self.sql_dialect = _sql_dialect(settings.get("sql_dialect"))
        self.comparisons: tuple[tuple[Comparison, tuple[FittedLevel, ...]], ...] = tuple(
            self._fit(raw) for raw in _list(settings.get("comparisons"), "comparisons")
        )
        if not self.comparisons:
            raise ModelError("the model has no comparisons")
        self._tests = tuple(tuple((fitted.level.test, fitted) for fitted in levels) for _, levels in self.comparisons)
        # For each comparison, the most the comparisons after it can still add: once a pair's weight so far plus
        # that cannot reach a threshold, the rest need not be tested (`same_person`).
        most = [max(_most(fitted) for fitted in levels) for _, levels in self.comparisons]
        self._most_after = tuple(math.fsum(most[i + 1 :]) for i in range(len(most)))

    def _fit(self, raw: Any) -> tuple[Comparison, tuple[FittedLevel, ...]]:
        if not isinstance(raw, Mapping):
            raise ModelError("each comparison must be an object")
        column = str(raw.get("output_column_name"))
        comparison = BY_COLUMN.get(column)
        if comparison is None:
            known = ", ".join(BY_COLUMN)
            raise ModelError(f"comparison {column!r} is not one the online scorer knows (known: {known})")
        raw_levels = _list(raw.get("comparison_levels"), f"{column}.comparison_levels")
        levels: list[tuple[Level, Mapping[str, Any]]] = []
        for entry in raw_levels:
            if not isinstance(entry, Mapping):
                raise ModelError(f"{column}: each level must be an object")
            level = comparison.level_of(str(entry.get("sql_condition")), self.sql_dialect)
            if level is None:
                dialect = f" in {self.sql_dialect}'s SQL" if self.sql_dialect else ""
                raise ModelError(
                    f"{column}: the level {entry.get('sql_condition')!r} is not one of linkage.comparisons{dialect}; "
                    "the online scorer applies only levels it has a Python test for (retrain the model)"
                )
            if bool(entry.get("is_null_level", False)) != level.null:
                raise ModelError(f"{column}: level {level.key} must {'' if level.null else 'not '}be a null level")
            levels.append((level, entry))
        if not levels or not levels[-1][0].is_else:
            raise ModelError(f"{column}: the last level must be ELSE")
        u_of = {str(entry.get("sql_condition")): entry.get("u_probability") for _, entry in levels}
        return comparison, tuple(self._fit_level(column, level, entry, u_of) for level, entry in levels)

    def _fit_level(self, column: str, level: Level, entry: Mapping[str, Any], u_of: Mapping[str, Any]) -> FittedLevel:
        if level.null:
            return FittedLevel(column, level, None, None, 0.0, None, None, 0.0)
        m, u = entry.get("m_probability"), entry.get("u_probability")
        if not isinstance(m, int | float) or not isinstance(u, int | float):
            raise ModelError(f"{column}: level {level.key} has no trained m and u probabilities")
        weight = math.log2(max(float(m), _CLAMP) / max(float(u), _CLAMP))
        tf_column = entry.get("tf_adjustment_column")
        tf_weight = float(entry.get("tf_adjustment_weight", 1.0))
        if tf_column is None or tf_weight == 0:
            return FittedLevel(column, level, float(m), float(u), weight, None, None, 0.0)
        table = self.term_frequencies.get(str(tf_column))
        if table is None:
            raise ModelError(f"{column}: level {level.key} is adjusted by term frequencies of {tf_column}, not saved")
        floor = float(entry.get("tf_minimum_u_value", 0.0))
        if not math.isclose(floor, table.minimum, rel_tol=1e-9):
            raise ModelError(f"{column}: the term-frequency floor of {tf_column} differs from its table's")
        u_exact = u_of.get(f"{tf_column}_l = {tf_column}_r")
        if not isinstance(u_exact, int | float) or u_exact <= 0:
            raise ModelError(f"{column}: no exact-match level on {tf_column} for its term-frequency adjustment")
        listed, other = table.adjustments(float(u_exact))
        if tf_weight != 1.0:
            listed = {value: tf_weight * adjustment for value, adjustment in listed.items()}
            other *= tf_weight
        return FittedLevel(column, level, float(m), float(u), weight, str(tf_column), listed, other)

    # Scoring.

    def _levels(self, a: Features, b: Features) -> list[FittedLevel]:
        chosen = []
        for tests in self._tests:
            for test, fitted in tests:
                if test(a, b):
                    chosen.append(fitted)
                    break
        return chosen

    def _weight(self, a: Features, chosen: Sequence[FittedLevel]) -> float:
        return self.prior_weight + sum(fitted.weight_of(a) for fitted in chosen)

    def match_weight(self, a: Demographics, b: Demographics) -> float:
        """The pair's match weight in bits, prior included: what Splink's `predict()` calls `match_weight`."""
        fa = features(a)
        return self._weight(fa, self._levels(fa, features(b)))

    def compare(self, a: Demographics, b: Demographics) -> tuple[FieldOutcome, ...]:
        """Each comparison's level, weight (log2(m/u) plus any term-frequency adjustment; 0 for a null level) and
        reason for the pair, in the model's order."""
        fa, fb = features(a), features(b)
        return self._outcomes(fa, fb, self._levels(fa, fb))

    @staticmethod
    def _outcomes(a: Features, b: Features, chosen: Sequence[FittedLevel]) -> tuple[FieldOutcome, ...]:
        return tuple(
            FieldOutcome(f.comparison, f.level.key, f.weight_of(a), f.level.reason(a, b), f.level.guard) for f in chosen
        )

    def score(self, a: Demographics, b: Demographics, thresholds: MatchThresholds | None = None) -> MatchEvidence:
        """How likely `a` and `b` are one person (Splink's match probability), the level, and the reasons."""
        from linkage.thresholds import DEFAULT_THRESHOLDS

        fa, fb = features(a), features(b)
        chosen = self._levels(fa, fb)
        return self._evidence(fa, fb, chosen, _probability(self._weight(fa, chosen)), thresholds or DEFAULT_THRESHOLDS)

    def same_person(self, a: Demographics, b: Demographics, thresholds: MatchThresholds | None = None) -> bool:
        """`score(a, b, thresholds).counts`, without the evidence when the score is below `probable` (as
        `linkage.same_person`)."""
        from linkage.thresholds import DEFAULT_THRESHOLDS

        thresholds = thresholds or DEFAULT_THRESHOLDS
        fa, fb = features(a), features(b)
        # Tested comparison by comparison, given up as soon as even the best levels of the comparisons left could
        # not lift the pair to `probable` (people at one address often share a family name and a postcode, whose
        # term-frequency adjustments keep that bound high: a sixth of the time saved, measured). The margin keeps a
        # pair whose rounded sum lies within a hair of the threshold for the exact test below.
        limit = _logit(thresholds.probable) - _MARGIN
        weight = self.prior_weight
        chosen = []
        for tests, most_after in zip(self._tests, self._most_after, strict=True):
            for test, fitted in tests:
                if test(fa, fb):
                    chosen.append(fitted)
                    weight += fitted.weight_of(fa)
                    break
            if weight + most_after < limit:
                return False
        probability = _probability(self._weight(fa, chosen))
        return probability >= thresholds.probable and self._evidence(fa, fb, chosen, probability, thresholds).counts

    def best_links(
        self,
        subject: Demographics,
        candidates: Sequence[tuple[Demographics, T]],
        thresholds: MatchThresholds | None = None,
    ) -> list[tuple[T, MatchEvidence]]:
        """The candidates that link to `subject` (at least POSSIBLE), best first, items untouched (as `best_links`)."""
        from linkage.thresholds import DEFAULT_THRESHOLDS

        thresholds = thresholds or DEFAULT_THRESHOLDS
        ours = features(subject)
        links: list[tuple[T, MatchEvidence]] = []
        for demographics, item in candidates:
            theirs = features(demographics)
            chosen = self._levels(ours, theirs)
            probability = _probability(self._weight(ours, chosen))
            if probability >= thresholds.possible:
                evidence = self._evidence(ours, theirs, chosen, probability, thresholds)
                if evidence.shown:
                    links.append((item, evidence))
        links.sort(key=lambda link: link[1].score, reverse=True)
        return links

    def _evidence(
        self,
        a: Features,
        b: Features,
        chosen: Sequence[FittedLevel],
        probability: float,
        thresholds: MatchThresholds,
    ) -> MatchEvidence:
        outcomes = self._outcomes(a, b, chosen)
        reasons = tuple(outcome.reason for outcome in outcomes if outcome.reason is not None)
        level = thresholds.level(probability)
        for outcome in outcomes:
            if outcome.guard is not None:
                level = thresholds.rules.limit(level, outcome.guard)
        return MatchEvidence(score=probability, level=level, reasons=reasons, fields=outcomes)

    # Description and files.

    def parameters(self) -> list[FittedLevel]:
        """Every level of every comparison with its fitted m, u and weight, in order (for reports)."""
        return [fitted for _, levels in self.comparisons for fitted in levels]

    def settings_in(self, dialect: str) -> dict[str, Any]:
        """The model's Splink settings with every level's SQL in `dialect` ("duckdb" or "spark"), the fitted values
        unchanged: to open a model trained on one Splink backend in Splink on another (Splink runs a level's SQL as
        it is written, whatever `sql_dialect` says)."""
        if dialect not in DIALECTS:
            raise ModelError(f"sql_dialect {dialect!r}: the levels' SQL is written in {', '.join(DIALECTS)} only")
        settings = copy.deepcopy(self.settings)
        for raw, (comparison, _) in zip(settings["comparisons"], self.comparisons, strict=True):
            for entry in raw["comparison_levels"]:
                level = comparison.level_of(entry["sql_condition"], self.sql_dialect)
                assert level is not None  # every level was recognised when the model was read
                entry["sql_condition"] = level.sql_for(DIALECTS[dialect])
        settings["sql_dialect"] = dialect
        return settings

    def save(self, path: str | Path) -> Path:
        """Write Splink's model JSON to `path` and the term-frequency tables beside it; returns `path`."""
        from linkage.model_file import save_model

        return save_model(self, Path(path))


_MARGIN = 1e-6  # bits: far above the rounding of a sum of a few weights, far below any weight that matters


def _most(fitted: FittedLevel) -> float:
    """The most a level can weigh: its weight, plus the largest term-frequency adjustment it can take."""
    if fitted.tf_adjustments is None or fitted.tf_column is None:
        return fitted.weight
    return fitted.weight + max([fitted.tf_other, *fitted.tf_adjustments.values()])


def _logit(probability: float) -> float:
    """The match weight at which `_probability` reaches `probability`; minus infinity at either end, so that
    nothing is ruled out early (a large enough weight rounds to a probability of exactly 1.0)."""
    if not 0.0 < probability < 1.0:
        return -math.inf
    return math.log2(probability / (1.0 - probability))


def _probability(weight: float) -> float:
    # As Splink computes it, stable for large weights of either sign.
    if weight >= 0:
        return 1.0 / (1.0 + math.exp2(-weight))
    odds = math.exp2(weight)
    return odds / (1.0 + odds)


def _sql_dialect(value: Any) -> str | None:
    """The dialect the model's levels are written in (Splink saves it as `sql_dialect`); None when not said, and
    then a level's SQL may be in any dialect `linkage.sql_dialects` knows."""
    if value is None:
        return None
    if value not in DIALECTS:
        known = ", ".join(DIALECTS)
        raise ModelError(f"sql_dialect {value!r}: the online scorer knows the levels' SQL in {known} only")
    return str(value)


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ModelError(f"{what} must be a list")
    return value
