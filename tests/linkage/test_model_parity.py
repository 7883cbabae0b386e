"""Parity: the online scorer's match weight is the weight Splink's `predict()` gives for the same pair.

A model is trained on a small sandbox population (no labels), saved and read back, then Splink predicts every
pair that shares a DOB, a family name or a postcode with that model's JSON, and the scorer scores the same pairs
in Python: the weights agree within 0.01 bits, and so does each comparison's level. Needs Splink (dev extras);
about 20 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import linkage

from .splink_parity import assert_parity, parity_records, splink_predictions

pytest.importorskip("splink")


@pytest.fixture(scope="module")
def records() -> list[linkage.Demographics]:
    return parity_records(11, 300)


@pytest.fixture(scope="module")
def model(records: list[linkage.Demographics], tmp_path_factory: pytest.TempPathFactory) -> linkage.LinkageModel:
    trained = linkage.train(records, max_pairs=1e6, seed=3)
    path = trained.save(tmp_path_factory.mktemp("model") / "model.json")
    return linkage.load_model(path)


def test_online_weights_equal_splink_predictions(
    model: linkage.LinkageModel, records: list[linkage.Demographics]
) -> None:
    assert_parity(model, records, splink_predictions(model, records))


def test_score_is_splinks_match_probability(model: linkage.LinkageModel, records: list[linkage.Demographics]) -> None:
    a, b = records[0], records[1]
    weight = model.match_weight(a, b)
    assert model.score(a, b).score == pytest.approx(1 / (1 + 2**-weight))


def test_a_saved_model_is_splinks_json(model: linkage.LinkageModel, tmp_path: Path) -> None:
    import json

    import splink

    path = model.save(tmp_path / "again.json")
    settings = json.loads(path.read_text())
    assert settings == model.settings
    assert (tmp_path / "again.terms.json").exists()
    splink.Linker(splink.DuckDBAPI().register(_one_row()), str(path))  # Splink reads it as it is


def _one_row() -> object:
    from linkage.train import feature_rows, feature_table

    return feature_table(feature_rows([linkage.Demographics(given_name="Ann", family_name="Lee")]))
