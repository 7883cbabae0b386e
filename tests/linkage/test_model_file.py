"""A model on disk: Splink's JSON and the term frequencies beside it, read back faithfully, and a model the
online scorer cannot apply refused with a reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import linkage
from gateway.demo import DEMO_MODEL
from linkage.model_file import terms_path

from .people import ROBERT, like


@pytest.fixture(scope="module")
def model() -> linkage.LinkageModel:
    return linkage.load_model(DEMO_MODEL)


def test_saved_and_read_back_it_scores_the_same(model: linkage.LinkageModel, tmp_path: Path) -> None:
    path = model.save(tmp_path / "model.json")
    assert terms_path(path) == tmp_path / "model.terms.json"
    again = linkage.load_model(path)
    other = like(ROBERT, given_name="Bob", postcode="LS1 4AD")
    assert again.match_weight(ROBERT, other) == model.match_weight(ROBERT, other)
    assert again.training == model.training
    assert json.loads(path.read_text()) == model.settings


def _edited(model: linkage.LinkageModel, tmp_path: Path, edit: Any) -> Path:
    path = model.save(tmp_path / "model.json")
    settings = json.loads(path.read_text())
    edit(settings)
    path.write_text(json.dumps(settings))
    return path


def test_a_level_the_scorer_does_not_know_is_refused(model: linkage.LinkageModel, tmp_path: Path) -> None:
    def edit(settings: dict[str, Any]) -> None:
        settings["comparisons"][0]["comparison_levels"][1]["sql_condition"] = "jaro_winkler(a_l, a_r) > 0.9"

    with pytest.raises(linkage.ModelError, match=r"not one of linkage\.comparisons"):
        linkage.load_model(_edited(model, tmp_path, edit))


def test_an_untrained_level_is_refused(model: linkage.LinkageModel, tmp_path: Path) -> None:
    def edit(settings: dict[str, Any]) -> None:
        del settings["comparisons"][2]["comparison_levels"][1]["m_probability"]

    with pytest.raises(linkage.ModelError, match="no trained m and u"):
        linkage.load_model(_edited(model, tmp_path, edit))


def test_term_frequencies_are_needed_beside_the_model(model: linkage.LinkageModel, tmp_path: Path) -> None:
    path = model.save(tmp_path / "model.json")
    terms_path(path).unlink()
    with pytest.raises(linkage.ModelError, match="term frequencies"):
        linkage.load_model(path)


@pytest.mark.parametrize("content", ["not json", "[1, 2]"])
def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(content)
    with pytest.raises(linkage.ModelError, match=r"model\.json"):
        linkage.load_model(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(linkage.ModelError, match="does not exist"):
        linkage.load_model(tmp_path / "nowhere.json")


def test_the_terms_file_lists_no_rare_value(model: linkage.LinkageModel) -> None:
    """Values shared by fewer than `min_count` records are not kept: they count as rare (the floor)."""
    min_count = model.training["min_term_count"]
    records = model.training["records"]
    for table in model.term_frequencies.values():
        assert all(tf * records >= min_count - 1e-9 for tf in table.frequencies.values())
        assert table.tf("a value never seen") == table.minimum
