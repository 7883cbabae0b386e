"""Authority configuration: a good file loads, a bad one fails at start-up naming the key."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.settings import ConfigError, load_authority, parse_authority
from sources.model import Service

GOOD = """
[authority]
name = "Stockport-like Council"
access_mode = "case_linked"

[auth]
mode = "development"

[limits]
max_children = 100

[cms]
system = "LCS"
kind = "cms_rest"
url = "http://127.0.0.1:9000"

[[sources]]
service = "HOUSING"
system = "Stockport Homes"
kind = "housing_rest"
url = "http://127.0.0.1:9001"
timeout_s = 1.5
max_concurrency = 4

[sources.coverage]
start = 2014-01-01
area = "Stockport"

[[sources]]
service = "POLICE"
system = "GMP extract"
kind = "police_csv"
path = "/data/police.csv"
"""


def minimal(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "authority": {"name": "A"},
        "cms": {"system": "LCS", "kind": "cms_rest", "url": "http://127.0.0.1:1"},
        "sources": [],
    }
    config.update(overrides)
    return config


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "authority.toml"
    path.write_text(GOOD)
    settings = load_authority(path)
    assert settings.name == "Stockport-like Council"
    assert settings.access_mode == "case_linked"
    assert settings.limits.max_children == 100
    housing = settings.source_for(Service.HOUSING)
    assert housing is not None
    assert housing.timeout_s == 1.5 and housing.max_concurrency == 4
    assert housing.coverage is not None and housing.coverage.start == datetime.date(2014, 1, 1)
    assert settings.source_for(Service.SCHOOL) is None


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (minimal(authority={}), "authority.name is required"),
        (minimal(authority={"name": "A", "access_mode": "anyone"}), "authority.access_mode must be one of"),
        (minimal(colour="blue"), "colour is not a known setting"),
        (minimal(cms={"system": "LCS", "kind": "cms_rest"}), "cms.url is required"),
        (
            minimal(
                sources=[{"service": "HOUSING", "system": "H", "kind": "housing_rest", "url": "x", "timeout_s": 0}]
            ),
            "sources[0].timeout_s must be a positive number",
        ),
        (
            minimal(sources=[{"service": "HOUSES", "system": "H", "kind": "housing_rest", "url": "x"}]),
            "sources[0].service must be one of",
        ),
        (
            minimal(sources=[{"service": "POLICE", "system": "P", "kind": "police_csv"}]),
            "sources[0].path is required",
        ),
        (
            minimal(
                sources=[
                    {"service": "POLICE", "system": "P", "kind": "police_csv", "path": "a"},
                    {"service": "POLICE", "system": "Q", "kind": "police_csv", "path": "b"},
                ]
            ),
            "service POLICE is configured twice",
        ),
        (minimal(limits={"max_children": -1}), "limits.max_children must be a positive integer"),
        (minimal(auth={"mode": "trust-me"}), "auth.mode must be one of"),
    ],
)
def test_a_bad_config_names_the_key(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_authority(config)


def test_a_missing_or_broken_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_authority(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[authority\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_authority(broken)


def test_without_auth_configured_nobody_is_let_in() -> None:
    settings = parse_authority(minimal())
    assert settings.auth.mode is None


@pytest.mark.parametrize("name", ["stockport-like.toml", "leeds-like.toml"])
def test_example_configs_load(name: str) -> None:
    from gateway.runtime_factory import check_rules

    settings = load_authority(Path(__file__).resolve().parents[2] / "config" / name)
    check_rules(settings)
    assert {s.service for s in settings.sources} == {
        Service.ADULT_SOCIAL_CARE,
        Service.POLICE,
        Service.HOUSING,
        Service.SCHOOL,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"linkage": {"certainty": 0.9}}, "linkage.certainty is not a known setting"),
        ({"linkage": {"probable": "high"}}, "linkage.probable must be a number"),
        ({"linkage": {"possible": 0.95, "probable": 0.9}}, "linkage: thresholds must satisfy"),
        ({"display_rules": {"police": {"min_age": "eighteen"}}}, "display_rules.police.min_age"),
        ({"display_rules": {"pets": {}}}, "display_rules.pets is not a known service"),
    ],
)
def test_rules_and_thresholds_are_checked_at_start_up(overrides: dict[str, Any], message: str) -> None:
    from gateway.runtime_factory import check_rules

    with pytest.raises(ConfigError, match=message):
        check_rules(parse_authority(minimal(**overrides)))
