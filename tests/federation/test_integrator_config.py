"""`[persisted_operations]`, `[tracing]` and `[clients]` are read and checked once, at start-up, with errors that
name the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.settings import ConfigError, parse_authority
from tests.federation.test_integrators import LISTED, LISTED_HASH, manifest
from tests.gateway.test_settings import minimal


def test_the_list_is_checked_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"persisted_operations.require needs persisted_operations.file"):
        parse_authority(minimal(persisted_operations={"require": True}))
    with pytest.raises(ConfigError, match=r"persisted_operations.file: file not found"):
        parse_authority(minimal(persisted_operations={"file": str(tmp_path / "missing.json")}))
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "operations": [{"id": "0" * 64, "body": "{ me { id } }"}]}
        )
    )
    with pytest.raises(ConfigError, match=r"operations\[0\]\.id is not the sha256 of its body"):
        parse_authority(minimal(persisted_operations={"file": str(bad)}))
    settings = parse_authority(minimal(persisted_operations={"file": str(manifest(tmp_path / "ok.json", LISTED))}))
    assert settings.persisted_operations.operations == {LISTED_HASH: LISTED}
    assert not settings.persisted_operations.require


def test_tracing_and_clients_settings() -> None:
    assert parse_authority(minimal()).tracing.otlp_endpoint is None  # off by default
    settings = parse_authority(minimal(tracing={"otlp_endpoint": "http://collector:4318/v1/traces"}))
    assert settings.tracing.otlp_endpoint == "http://collector:4318/v1/traces"
    assert settings.tracing.service_name == "family-context"
    with pytest.raises(ConfigError, match=r"tracing\.otlp_endpoint must be an http\(s\) URL"):
        parse_authority(minimal(tracing={"otlp_endpoint": "collector:4318"}))
    with pytest.raises(ConfigError, match=r"tracing\.sampler is not a known setting"):
        parse_authority(minimal(tracing={"sampler": "always"}))
    with pytest.raises(ConfigError, match=r"clients\.max_metric_labels must be a whole number"):
        parse_authority(minimal(clients={"max_metric_labels": -1}))
