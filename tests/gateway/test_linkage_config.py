"""The `[linkage]` table: thresholds, the trained model (read and checked at start-up) and the rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gateway.demo import DEMO_LINKAGE, DEMO_MODEL
from gateway.runtime_factory import check_rules, match_thresholds
from gateway.settings import ConfigError, parse_authority
from linkage import LinkRules, MatchLevel
from linkage.model_file import terms_path


def minimal(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "authority": {"name": "A"},
        "cms": {"system": "LCS", "kind": "cms_rest", "url": "http://127.0.0.1:1"},
        "sources": [],
    }
    return config | overrides


def test_without_a_model_the_prior_model_scores() -> None:
    thresholds = match_thresholds({})
    assert thresholds.model is None
    assert thresholds.rules == LinkRules()


def test_the_demo_serves_its_shipped_model() -> None:
    _, thresholds = check_rules(parse_authority(minimal(linkage=DEMO_LINKAGE)))
    assert thresholds.model is not None
    assert thresholds.probable == 0.99
    assert thresholds.model.training["records"] > 0


def test_rules_are_read(tmp_path: Path) -> None:
    thresholds = match_thresholds({"undated_links": "allowed", "unrelated_given_names": "possible"})
    assert thresholds.rules.ceiling("undated_links") is MatchLevel.CERTAIN
    assert thresholds.rules.ceiling("unrelated_given_names") is MatchLevel.POSSIBLE
    assert thresholds.rules.ceiling("different_dates_of_birth") is MatchLevel.NO_MATCH


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"model": "/nowhere/model.json"}, r"linkage.model: /nowhere/model.json cannot be read"),
        ({"model": 3}, "linkage.model must be the path of a trained model"),
        ({"undated_links": "sometimes"}, "linkage.undated_links must be one of never, possible, allowed"),
        ({"twins": "never"}, "linkage.twins is not a known setting"),
        ({"probable": "high"}, "linkage.probable must be a number"),
    ],
)
def test_a_bad_table_stops_the_gateway_starting(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_rules(parse_authority(minimal(linkage=table)))


def test_a_model_the_scorer_cannot_apply_stops_the_gateway_starting(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    shutil.copy(DEMO_MODEL, path)
    shutil.copy(terms_path(DEMO_MODEL), terms_path(path))
    settings = json.loads(path.read_text())
    settings["comparisons"][0]["comparison_levels"][1]["sql_condition"] = "given_name_l ILIKE given_name_r"
    path.write_text(json.dumps(settings))
    with pytest.raises(ConfigError, match=r"linkage\.model: given_name: the level"):
        match_thresholds({"model": str(path)})
