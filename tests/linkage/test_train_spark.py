"""Training on Spark (`linkage.train(records, backend="spark")`, `family-context linkage train --backend spark`)
in a local Spark session: the model has every level in Spark's SQL, the online scorer loads it and scores as
Splink-on-Spark predicts, and Spark's SQL puts every pair in the same levels as DuckDB's SQL does.

Needs pyspark (the `spark` or `dev` extra) and Java 17 or newer; skipped, with the reason, when either is missing,
unless FC_REQUIRE_SPARK=1 (CI), which makes their absence a failure. About two minutes: Spark starts a job for each
of Splink's steps, which costs more than the pairs on data this small.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import linkage
from benchmarks.linkage_eval.training_records import sandbox_records
from gateway.demo import demo_config, write_config
from linkage.comparisons import COMPARISONS
from linkage.spark import java_available, local_session, spark_api
from sandbox.runner import start_sandbox

from .splink_parity import assert_parity, parity_records, splink_predictions

pytest.importorskip("splink")

REQUIRE_ENV = "FC_REQUIRE_SPARK"
ROOT = Path(__file__).resolve().parents[2]


def spark_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    if not java_available():
        return "no Java runtime (JAVA_HOME or `java` on the PATH); Spark 4 needs Java 17 or newer"
    return None


@pytest.fixture(scope="module")
def spark_ready() -> None:
    missing = spark_missing()
    if missing is not None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {missing}: the Spark training tests cannot run", pytrace=False)
        print(f"Spark training tests skipped: {missing}")
        pytest.skip(f"{missing}; set {REQUIRE_ENV}=1 to make this a failure")


@pytest.fixture(scope="module")
def spark(spark_ready: None) -> Iterator[Any]:
    session = local_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def records() -> list[linkage.Demographics]:
    return parity_records(11, 200)


@pytest.fixture(scope="module")
def spark_model(
    spark: Any, records: list[linkage.Demographics], tmp_path_factory: pytest.TempPathFactory
) -> linkage.LinkageModel:
    trained = linkage.train(records, backend="spark", spark=spark, max_pairs=1e6, seed=3)
    return linkage.load_model(trained.save(tmp_path_factory.mktemp("spark") / "model.json"))


@pytest.fixture(scope="module")
def duckdb_model(records: list[linkage.Demographics]) -> linkage.LinkageModel:
    return linkage.train(records, backend="duckdb", max_pairs=1e6, seed=3)


@pytest.fixture(scope="module")
def spark_pairs(spark: Any, spark_model: linkage.LinkageModel, records: list[linkage.Demographics]) -> list[Any]:
    with spark_api(spark) as api:
        return splink_predictions(spark_model, records, db_api=api)


def test_the_spark_model_has_every_level_in_sparks_sql(spark_model: linkage.LinkageModel) -> None:
    training = spark_model.training
    assert training["backend"] == "spark" and training["spark_version"].startswith("4.")
    assert training["spark_master"] == "local[2]"
    assert spark_model.settings["sql_dialect"] == "spark" and spark_model.sql_dialect == "spark"
    text = str(spark_model.settings["comparisons"])
    assert "arrays_overlap(" in text and "array_contains(" in text and "list_has_any" not in text
    fitted = {(f.comparison, f.level.key) for f in spark_model.parameters()}
    assert fitted == {(c.column, level.key) for c in COMPARISONS for level in c.levels}
    for level in spark_model.parameters():
        if not level.level.null:
            assert level.m is not None and 0 < level.m <= 1 and level.u is not None and 0 < level.u <= 1


def test_online_weights_equal_splink_on_sparks_predictions(
    spark_model: linkage.LinkageModel, records: list[linkage.Demographics], spark_pairs: list[Any]
) -> None:
    assert_parity(spark_model, records, spark_pairs)


def test_spark_and_duckdb_put_every_pair_in_the_same_levels(
    spark_model: linkage.LinkageModel,
    duckdb_model: linkage.LinkageModel,
    records: list[linkage.Demographics],
    spark_pairs: list[Any],
) -> None:
    """Each engine runs its own dialect's SQL over the same pairs: the levels agree pair by pair. The fitted values
    differ only where sampling does (u from different random pairs)."""
    duckdb_pairs = splink_predictions(duckdb_model, records)
    on_spark = {(p.left, p.right): p.gammas for p in spark_pairs}
    on_duckdb = {(p.left, p.right): p.gammas for p in duckdb_pairs}
    assert on_spark.keys() == on_duckdb.keys()
    differing = [pair for pair in on_spark if on_spark[pair] != on_duckdb[pair]]
    assert not differing, differing[:5]
    # λ comes from counting the pairs of a deterministic rule: the same count in either engine.
    assert spark_model.probability_two_random_records_match == pytest.approx(
        duckdb_model.probability_two_random_records_match, rel=1e-9
    )
    # Sampled values differ a little, never in kind: a level that is evidence for a link on one engine is on both.
    for on_s, on_d in zip(spark_model.parameters(), duckdb_model.parameters(), strict=True):
        assert on_s.level is on_d.level
        if on_s.level.key == "EXACT":
            assert on_s.weight > 0 and on_d.weight > 0


async def test_the_command_trains_on_spark_in_a_process_of_its_own(spark_ready: None, tmp_path: Path) -> None:
    """As an operator runs it: a new process, which starts its own local Spark, trains, stops it, and leaves no
    intermediate tables behind."""
    out = tmp_path / "model.json"
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    async with start_sandbox(tmp_path / "sandbox", seed=3, households=25) as sandbox:
        config = write_config(demo_config(sandbox), tmp_path / "authority.toml")
        argv = ["linkage", "train", "--config", str(config), "--out", str(out), "--backend", "spark"]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))",
            *argv,
            "--max-pairs",
            "100000",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=os.environ | {"TMPDIR": str(temporary)},
            cwd=ROOT,
        )
        raw_out, raw_err = await asyncio.wait_for(process.communicate(), timeout=600)
        population = sandbox.population
    report, progress = raw_out.decode(), raw_err.decode()
    assert process.returncode == 0, progress
    model = linkage.load_model(out)
    dated = [person for person in sandbox_records(population) if person.date_of_birth is not None]
    assert model.training["records"] == len(dated) and model.training["backend"] == "spark"
    assert model.sql_dialect == "spark" and model.training["spark_master"] == "local[*]"
    assert "spark 4." in report and "on local[*]" in report and "DIMINUTIVE" in report
    assert "connecting to Spark" in progress and "Spark 4." in progress
    assert not list(temporary.glob("family-context-spark-*")), "the intermediate tables were left on disk"
    names = {p.family_name for p in population.people} | {p.given_name for p in population.people}
    printed = set((report + progress).replace(",", " ").split())
    assert not names & printed, "a name was printed"


def test_a_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from linkage.spark import SparkUnavailable

    monkeypatch.setenv("JAVA_HOME", "/nonexistent")
    with pytest.raises(SparkUnavailable, match="Java 17"):
        local_session()
