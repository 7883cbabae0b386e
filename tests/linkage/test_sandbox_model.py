"""The model the repository ships for the demo (`linkage/data/sandbox_model.json`) is current: it has exactly the
comparison levels of `linkage.comparisons`, and Splink scores it as the online scorer does. Rebuild it with
`make linkage-model` when the levels change."""

from __future__ import annotations

import pytest

import linkage
from benchmarks.linkage_eval.training_records import sandbox_records
from gateway.demo import DEMO_MODEL
from linkage.comparisons import COMPARISONS
from linkage.sql_dialects import DUCKDB
from sandbox.population import generate

from .splink_parity import splink_predictions


@pytest.fixture(scope="module")
def model() -> linkage.LinkageModel:
    return linkage.load_model(DEMO_MODEL)


def test_the_shipped_model_has_every_level_of_the_catalogue(model: linkage.LinkageModel) -> None:
    shipped = {
        comparison["output_column_name"]: [level["sql_condition"] for level in comparison["comparison_levels"]]
        for comparison in model.settings["comparisons"]
    }
    current = {c.column: [level.sql_for(DUCKDB) for level in c.levels] for c in COMPARISONS}
    assert shipped == current, "linkage.comparisons changed: rebuild the demo's model with `make linkage-model`"


def test_the_shipped_model_was_trained_without_labels_on_the_demo_population(model: linkage.LinkageModel) -> None:
    assert model.training["records"] > 10_000
    assert model.training["backend"] == "duckdb"


def test_splink_scores_the_shipped_model_as_the_scorer_does(model: linkage.LinkageModel) -> None:
    pytest.importorskip("splink")
    records = sandbox_records(generate(5, 150))
    pairs = splink_predictions(model, records, tf_from_model=True)
    assert len(pairs) >= 2_000
    worst = max(abs(model.match_weight(records[p.left], records[p.right]) - p.match_weight) for p in pairs)
    assert worst <= 0.01
