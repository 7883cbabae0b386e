"""The levels' SQL in each Splink backend's dialect: written once beside each level's Python test, rendered for
DuckDB and for Spark, and recognised by the online scorer in either. No Splink or Spark needed (Spark itself runs
the Spark rendering in tests/linkage/test_train_spark.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import linkage
from gateway.demo import DEMO_MODEL
from linkage.comparisons import COMPARISONS, FAMILY_NAME, GIVEN_NAME, POSTCODE
from linkage.model import ModelError
from linkage.sql_dialects import DIALECTS, DUCKDB, SPARK

from .people import ROBERT, like


@pytest.fixture(scope="module")
def model() -> linkage.LinkageModel:
    return linkage.load_model(DEMO_MODEL)


def test_list_tests_are_spelt_in_each_dialect() -> None:
    assert DUCKDB.has_any("a", "b") == "list_has_any(a, b)"
    assert SPARK.has_any("a", "b") == "arrays_overlap(a, b)"
    assert DUCKDB.has_all("a", "b") == "list_has_all(a, b)"
    assert SPARK.has_all("a", "b") == "size(array_except(b, a)) = 0"  # nothing of b is missing from a
    assert DUCKDB.contains("a", "x") == "list_contains(a, x)"
    assert SPARK.contains("a", "x") == "array_contains(a, x)"


def test_each_level_renders_in_every_dialect_without_the_others_functions() -> None:
    duckdb_only = ("list_has_any", "list_has_all", "list_contains")
    spark_only = ("arrays_overlap", "array_except", "array_contains")
    differing = 0
    for comparison in COMPARISONS:
        for level in comparison.levels:
            duckdb, spark = level.sql_for(DUCKDB), level.sql_for(SPARK)
            assert not any(name in spark for name in duckdb_only), (comparison.column, level.key)
            assert not any(name in duckdb for name in spark_only), (comparison.column, level.key)
            differing += duckdb != spark
    assert differing == 5  # the partial, diminutive, double-barrelled, previous-name and previous-postcode levels


def test_a_level_is_recognised_by_its_sql_in_either_dialect() -> None:
    partial = GIVEN_NAME.levels[3]
    assert partial.key == "PARTIAL"
    for name, dialect in DIALECTS.items():
        assert GIVEN_NAME.level_of(partial.sql_for(dialect)) is partial
        assert GIVEN_NAME.level_of(partial.sql_for(dialect), name) is partial
    # Named, a dialect's SQL is looked up in that dialect only.
    assert GIVEN_NAME.level_of(partial.sql_for(SPARK), "duckdb") is None
    assert GIVEN_NAME.level_of(partial.sql_for(DUCKDB), "spark") is None
    # The same SQL everywhere is found whichever dialect is named.
    assert POSTCODE.level_of("postcode_l = postcode_r", "spark") is POSTCODE.levels[1]
    assert FAMILY_NAME.level_of("list_has_any(family_parts_l, family_parts_r)") is FAMILY_NAME.levels[3]
    assert FAMILY_NAME.level_of("arrays_overlap(family_parts_l, family_parts_r)") is FAMILY_NAME.levels[3]


def test_a_model_in_sparks_sql_loads_and_scores_as_in_duckdbs(model: linkage.LinkageModel) -> None:
    assert model.sql_dialect == "duckdb"
    spark_settings = model.settings_in("spark")
    assert spark_settings["sql_dialect"] == "spark"
    text = json.dumps(spark_settings)
    assert "arrays_overlap(postcodes_l, postcodes_r)" in text and "list_has_any" not in text
    on_spark = linkage.LinkageModel(spark_settings, model.term_frequencies)
    assert on_spark.sql_dialect == "spark"
    assert [f.level.key for f in on_spark.parameters()] == [f.level.key for f in model.parameters()]
    pairs = [
        like(ROBERT, given_name="Robert John"),
        like(ROBERT, given_name="Bob"),
        like(ROBERT, family_name="Smith-Hart"),
        like(ROBERT, family_name="Jones", other_family_names=("Smith",)),
        like(ROBERT, postcode="M1 1AA", previous_postcodes=("LS1 4AB",)),
        like(ROBERT, given_name="Robret", date_of_birth=None),
    ]
    for other in pairs:
        assert on_spark.compare(ROBERT, other) == model.compare(ROBERT, other)
        assert on_spark.match_weight(ROBERT, other) == model.match_weight(ROBERT, other)
    # And back again: the same file.
    assert linkage.LinkageModel(spark_settings, model.term_frequencies).settings_in("duckdb") == model.settings


def test_a_saved_spark_model_reads_back(model: linkage.LinkageModel, tmp_path: Path) -> None:
    on_spark = linkage.LinkageModel(model.settings_in("spark"), model.term_frequencies, training={"backend": "spark"})
    again = linkage.load_model(on_spark.save(tmp_path / "spark.json"))
    assert again.sql_dialect == "spark" and again.training == {"backend": "spark"}
    assert again.match_weight(ROBERT, like(ROBERT, given_name="Bob")) == model.match_weight(
        ROBERT, like(ROBERT, given_name="Bob")
    )


def test_sql_in_another_dialect_than_the_model_says_is_refused(model: linkage.LinkageModel) -> None:
    mixed = model.settings_in("duckdb") | {"sql_dialect": "spark"}
    with pytest.raises(ModelError, match="in spark's SQL"):
        linkage.LinkageModel(mixed, model.term_frequencies)
    with pytest.raises(ModelError, match="sql_dialect 'postgres'"):
        linkage.LinkageModel(model.settings | {"sql_dialect": "postgres"}, model.term_frequencies)
    with pytest.raises(ModelError, match="sql_dialect 'sqlite'"):
        model.settings_in("sqlite")


def test_a_model_without_a_dialect_may_use_either() -> None:
    settings = linkage.load_model(DEMO_MODEL).settings_in("spark")
    del settings["sql_dialect"]
    tables = linkage.load_model(DEMO_MODEL).term_frequencies
    assert linkage.LinkageModel(settings, tables).sql_dialect is None
