"""Training a model on an authority's own records with Splink: no labels, only the records.

    model = linkage.train(records)          # records: a sequence of Demographics
    model.save("model.json")

The records go to Splink as the columns of `linkage.features`, with the comparisons of `linkage.comparisons`
(those of fields recorded in at least 1% of the records). Then, as Splink's own guides do it:

1. λ, the probability that two random records match, from a deterministic rule (same names and DOB) and a guess
   of that rule's recall;
2. u of every level by random sampling: pairs of random records are nearly all two different people;
3. m of every level by expectation maximisation, in sessions blocked on DOB and on the names (a comparison is not
   estimated in the session blocked on its own columns), starting from the u values above;
4. term frequencies of given names, family names and postcodes, counted here and given to Splink as the floor
   `tf_minimum_u_value` (`linkage.term_frequencies`).

Splink and its SQL engine (DuckDB, embedded; pandas and pyarrow come with it) are imported here only: install them
with the `train` extra (`pip install 'family-context[train]'`). Serving a trained model needs none of them.

`backend="spark"` trains the same model on Spark (`linkage.spark`: the caller's session, or a local one), for
records that outgrow one machine's DuckDB: the levels' SQL is rendered in Spark's dialect (`linkage.sql_dialects`),
and the saved model records it; the online scorer reads either. Needs the `spark` extra and Java 17 or newer.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from linkage.comparison import Comparison
from linkage.comparisons import COMPARISONS
from linkage.demographics import Demographics
from linkage.features import COLUMNS, INTEGER_COLUMNS, LIST_COLUMNS, feature_row
from linkage.model import LinkageModel
from linkage.spark import DEFAULT_MASTER
from linkage.splink_settings import UNIQUE_ID, splink_settings
from linkage.sql_dialects import DIALECTS
from linkage.term_frequencies import DEFAULT_MIN_COUNT, TermFrequencies

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")
Progress = Callable[[str], None]

TRAIN_EXTRA = "pip install 'family-context[train]'"
# A comparison whose field fewer than this share of the records holds cannot be estimated, and is left out.
MIN_RECORDED_SHARE = 0.01
# The deterministic rule for λ (given name, family name and DOB all exact) misses the pairs with any slip.
DEFAULT_DETERMINISTIC_RECALL = 0.7
DEFAULT_MAX_PAIRS = 5e6

# The column that says whether a record has each comparison's field.
_RECORDED_BY = {
    "given_name": "given_name",
    "family_name": "family_name",
    "date_of_birth": "dob",
    "postcode": "postcodes",
    "gender": "gender",
}
_TF_COLUMNS = ("given_name", "family_name", "postcode")
# Expectation maximisation sessions, each blocked on columns whose comparisons it then does not estimate.
_EM_BLOCKS: tuple[tuple[str, ...], ...] = (("dob",), ("given_name", "family_name"))
_SPLINK_LOGGERS = ("splink",)
# Splink samples u in chunks, stopping early once every level has been seen often enough: on DuckDB that bounds
# the memory of one query; on Spark each chunk is a job whose start-up costs more than its pairs (2,000 records on
# local[2]: u took 120 to 180 s in ten chunks, 30 s in one), and a cluster holds the whole sample at once.
_U_CHUNKS: dict[str, int] = {"duckdb": 10, "spark": 1}


def train(
    records: Sequence[Demographics],
    *,
    backend: Backend = "duckdb",
    spark: Any = None,
    spark_master: str = DEFAULT_MASTER,
    max_pairs: float = DEFAULT_MAX_PAIRS,
    seed: int = 1,
    min_term_count: int = DEFAULT_MIN_COUNT,
    deterministic_recall: float = DEFAULT_DETERMINISTIC_RECALL,
    chart: str | Path | None = None,
    progress: Progress | None = None,
) -> LinkageModel:
    """A model fitted to `records` by Splink (no labels). `chart`: where to save Splink's match-weights chart (HTML).

    `backend`: Splink's SQL engine, "duckdb" (embedded) or "spark"; `spark`: the Spark session to train in (default:
    the active session, else one started on `spark_master` for the length of the call, `linkage.spark`).
    `progress` is told of each stage as it starts (no record content). Raises `ImportError` naming the extra to
    install when Splink is missing, `linkage.spark.SparkUnavailable` when Spark cannot run, and `ValueError` for
    too few records or an unknown backend.
    """
    say = progress or (lambda _message: None)
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if len(records) < 2:
        raise ValueError("training needs at least two records")
    splink = _import_splink()
    started = time.perf_counter()
    say(f"preparing {len(records):,} records")
    rows = feature_rows(records)
    comparisons = _recorded_comparisons(rows)
    tables = {
        column: TermFrequencies.count(column, (row[column] for row in rows), min_term_count)
        for column in _TF_COLUMNS
        if any(column == level.tf_column for comparison in comparisons for level in comparison.levels)
    }
    settings = splink_settings(comparisons, tables, dialect=DIALECTS[backend])
    with _quiet_splink(), _database(splink, backend, spark, spark_master, say) as (db_api, engine):
        table = db_api.register(feature_table(rows))
        linker = splink.Linker(table, settings, log_level=logging.WARNING)
        columns = {comparison.column for comparison in comparisons}
        say("estimating the probability that two random records match (deterministic rule)")
        linker.training.estimate_probability_two_random_records_match(
            [splink.block_on(*_deterministic_columns(columns))], recall=deterministic_recall
        )
        say(f"estimating u by random sampling (up to {max_pairs:,.0f} pairs)")
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed, num_chunks=_U_CHUNKS[backend])
        blocks = [block for block in _EM_BLOCKS if _has_columns(block, columns)]
        for number, block in enumerate(blocks, start=1):
            say(f"estimating m by expectation maximisation, session {number}/{len(blocks)} (blocked on {block})")
            linker.training.estimate_parameters_using_expectation_maximisation(splink.block_on(*block))
        trained = linker.misc.save_model_to_json()
        _fill_unobserved(trained, pairs=max_pairs)
        if chart is not None:
            # Drawn from the final parameters, as the scorer will apply them.
            say(f"drawing the match-weights chart to {Path(chart).name}")
            Path(chart).parent.mkdir(parents=True, exist_ok=True)
            final = splink.Linker(table, trained, log_level=logging.WARNING)
            final.visualisations.match_weights_chart().save_offline_chart(str(chart), overwrite=True, print_msg=False)
    training = {
        "records": len(records),
        "seconds": round(time.perf_counter() - started, 1),
        "splink_version": splink.__version__,
        "backend": backend,
        **engine,
        "max_pairs": max_pairs,
        "min_term_count": min_term_count,
        "deterministic_recall": deterministic_recall,
        "em_blocking": [list(block) for block in blocks],
    }
    say(f"trained in {training['seconds']} s")
    return LinkageModel(trained, tables, training=training)


@contextlib.contextmanager
def _database(
    splink: Any, backend: Backend, spark: Any, master: str, say: Progress
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Splink's database API for `backend`, and what to record of the engine in the model's training notes."""
    if backend == "duckdb":
        yield splink.DuckDBAPI(), {}
        return
    from linkage.spark import spark_api

    say("connecting to Spark")
    with spark_api(spark, master=master) as api:
        engine = {"spark_version": api.spark.version, "spark_master": api.spark.sparkContext.master}
        say(f"Spark {engine['spark_version']} on {engine['spark_master']}")
        yield api, engine


def _import_splink() -> Any:
    try:
        import splink
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(f"training a linkage model needs Splink: {TRAIN_EXTRA}") from exc
    return splink


class _quiet_splink:
    """Splink logs every step at INFO; the caller's `progress` says what matters, so Splink says only warnings."""

    def __enter__(self) -> None:
        self._levels = {name: logging.getLogger(name).level for name in _SPLINK_LOGGERS}
        for name in _SPLINK_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)

    def __exit__(self, *_exc: object) -> None:
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)


def _recorded_comparisons(rows: Sequence[dict[str, Any]]) -> list[Comparison]:
    counted = []
    for comparison in COMPARISONS:
        column = _RECORDED_BY[comparison.column]
        recorded = sum(1 for row in rows if row[column] is not None)
        if recorded >= max(2, MIN_RECORDED_SHARE * len(rows)):
            counted.append(comparison)
    if not counted:
        raise ValueError("no field is recorded in enough records to train on")
    return counted


def _deterministic_columns(columns: set[str]) -> tuple[str, ...]:
    wanted = [("given_name", "given_name"), ("family_name", "family_name"), ("date_of_birth", "dob")]
    chosen = tuple(column for comparison, column in wanted if comparison in columns)
    return chosen or ("postcode",)


def _has_columns(block: tuple[str, ...], comparisons: set[str]) -> bool:
    needs = {"dob": "date_of_birth", "given_name": "given_name", "family_name": "family_name", "postcode": "postcode"}
    return all(needs[column] in comparisons for column in block)


def feature_rows(records: Sequence[Demographics]) -> list[dict[str, Any]]:
    """Each record's `linkage.features` columns and its number as Splink's `unique_id`."""
    return [feature_row(person) | {UNIQUE_ID: number} for number, person in enumerate(records)]


def feature_table(rows: Sequence[dict[str, Any]]) -> Any:
    """`feature_rows` as a pyarrow table for Splink, with explicit column types (so that a list column with no
    values is still a list of strings)."""
    import pyarrow as pa

    def kind(column: str) -> Any:
        if column in LIST_COLUMNS:
            return pa.list_(pa.string())
        if column in INTEGER_COLUMNS:
            return pa.int64()
        return pa.string()

    schema = pa.schema([(UNIQUE_ID, pa.int64()), *((column, kind(column)) for column in COLUMNS)])
    return pa.Table.from_pylist(list(rows), schema=schema)


def _fill_unobserved(settings: dict[str, Any], *, pairs: float) -> None:
    """Give every level a usable m and u, and keep each tolerated level above the level for no agreement.

    A level that random sampling never met gets u = 1 / `pairs` (it was not seen among that many pairs). A level
    that expectation maximisation never met, or drove to nothing because the training data showed it only between
    different people (FEBRL has no nicknames), would otherwise weigh tens of bits against a link: less than the
    ELSE level, for a pair that agrees more. So m is raised, where needed, to the ELSE level's ratio: a tolerated
    level never counts as more evidence against a link than no agreement at all.
    """
    for comparison in settings["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        for level in levels:
            if not _is_probability(level.get("u_probability")):
                level["u_probability"] = 1.0 / pairs
        last = levels[-1]
        if not _is_probability(last.get("m_probability")):
            last["m_probability"] = last["u_probability"]
        ratio = last["m_probability"] / last["u_probability"]
        for level in levels[:-1]:
            floor = level["u_probability"] * ratio
            m = level.get("m_probability")
            if not _is_probability(m) or m < floor:
                level["m_probability"] = min(1.0, floor)


def _is_probability(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1 and math.isfinite(value)
