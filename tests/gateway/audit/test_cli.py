"""`family-context audit verify | export | prune`, run as an operator would, against a SQLite trail."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.audit.commands import BAD_DATE
from gateway.audit.open_trail import open_audit_trail
from gateway.audit.tables import Tables
from gateway.cli import main
from gateway.settings import load_authority
from tests.gateway.audit.support import SqliteRaw, edit_column, event

ROOT = Path(__file__).resolve().parents[3]
KEY_ENV = "FC_TEST_AUDIT_KEY"
CONFIG = """
[authority]
name = "Test Council"

[cms]
system = "LCS"
kind = "cms_rest"
url = "http://127.0.0.1:9"

[audit]
backend = "sqlite"
path = "{path}"
key_env = "{key_env}"
"""
DAY = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.UTC)


def run_cli(*args: str, key: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    if key is not None:
        env[KEY_ENV] = key
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def key() -> str:
    return secrets.token_hex(32)


@pytest.fixture
async def config(tmp_path: Path, key: str) -> Path:
    """A trail with three events on each of 1 to 5 March 2024 (one of them with a formula for search terms)."""
    path = tmp_path / "authority.toml"
    path.write_text(CONFIG.format(path=tmp_path / "audit.sqlite", key_env=KEY_ENV))
    settings = load_authority(path).audit
    async with open_audit_trail(settings, key=bytes.fromhex(key)) as trail:
        for day in range(5):
            at = DAY + datetime.timedelta(days=day)
            await trail.append(
                [
                    event(
                        day * 3 + i,
                        at=at + datetime.timedelta(hours=i * 7),
                        search_terms="=HYPERLINK(1)" if i else None,
                    )
                    for i in range(3)
                ]
            )
    return path


async def test_verify_ok_then_broken(config: Path, key: str, tmp_path: Path) -> None:
    ok = run_cli("verify", "--config", str(config), key=key)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "audit trail OK: 15 events checked (positions 1..15)"

    settings = load_authority(config).audit
    await edit_column(SqliteRaw(settings.path, Tables.of(settings.table_prefix)), 3, "actor_id", "x")
    broken = run_cli("verify", "--config", str(config), key=key)
    assert broken.returncode == 1
    assert broken.stdout.startswith("audit trail BROKEN at position 3: content edited")


async def test_export_csv_to_stdout_covers_the_last_day_whole(config: Path, key: str) -> None:
    result = run_cli("export", "--config", str(config), "--from", "2024-03-02", "--to", "2024-03-03", key=key)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [int(r["position"]) for r in rows] == [4, 5, 6, 7, 8, 9]  # 2 March 09:30 .. 3 March 23:30
    assert rows[0]["at"] == "2024-03-02T09:30:00.000000+00:00"
    assert json.loads(rows[0]["roles"]) == ["SOCIAL_WORKER"] and json.loads(rows[0]["subject_ids"]) == ["P1"]
    assert rows[0]["search_terms"] == "" and rows[1]["search_terms"] == "'=HYPERLINK(1)"  # never run as a formula
    assert len(rows[0]["mac"]) == 64
    assert "exported 6 audit events (2024-03-02 to 2024-03-03 inclusive)" in result.stderr


async def test_export_jsonl_to_a_private_file(config: Path, key: str, tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    result = run_cli(
        "export", "--config", str(config), "--from", "2024-03-05", "--to", "2024-03-31", "--format", "jsonl",
        "--out", str(out), key=key,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["position"] for line in lines] == [13, 14, 15]
    assert lines[1]["search_terms"] == "=HYPERLINK(1)"  # JSON lines are lossless
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


async def test_prune_then_verify(config: Path, key: str) -> None:
    result = run_cli("prune", "--config", str(config), "--before", "2024-03-03", key=key)
    assert result.returncode == 0, result.stderr
    assert "removed 6 audit events from before 2024-03-03" in result.stdout
    assert "the chain now starts after position 6" in result.stdout
    verified = run_cli("verify", "--config", str(config), key=key)
    assert verified.returncode == 0
    assert verified.stdout.strip() == (
        "audit trail OK: 9 events checked (positions 7..15, from the prune checkpoint at position 6)"
    )


async def test_prune_refuses_the_future(config: Path, key: str) -> None:
    tomorrow = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)).date().isoformat()
    result = run_cli("prune", "--config", str(config), "--before", tomorrow, key=key)
    assert result.returncode == 2
    assert f"refusing to prune before {tomorrow}: that is in the future" in result.stderr


async def test_a_missing_key_names_the_variable(config: Path) -> None:
    result = run_cli("verify", "--config", str(config), key=None)
    assert result.returncode == 2
    assert f"the audit MAC key is missing: set the environment variable {KEY_ENV}" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--from", "2024-13-01", "--to", "2024-03-02"],
        ["export", "--from", "2024-03-01", "--to", "yesterday"],
        ["prune", "--before", "03/01/2024"],
    ],
)
def test_bad_dates_exit_2_with_a_clear_message(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", args[0], "--config", "unused.toml", *args[1:]])
    assert exit_info.value.code == 2
    assert BAD_DATE.split(";")[0] in capsys.readouterr().err


def test_from_after_to_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "authority.toml"
    config.write_text(CONFIG.format(path=tmp_path / "audit.sqlite", key_env=KEY_ENV))
    code = main(["audit", "export", "--config", str(config), "--from", "2024-03-05", "--to", "2024-03-01"])
    assert code == 2
    assert "--from 2024-03-05 is after --to 2024-03-01" in capsys.readouterr().err


def test_a_bad_audit_table_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "authority.toml"
    config.write_text(CONFIG.format(path=tmp_path / "a.sqlite", key_env=KEY_ENV).replace('"sqlite"', '"oracle"'))
    assert main(["audit", "verify", "--config", str(config)]) == 2
    assert "bad configuration: audit.backend must be one of: sqlite, postgres" in capsys.readouterr().err
