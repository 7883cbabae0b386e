"""`[persisted_operations]` is read and checked once, at start-up, with errors that name the key."""

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
