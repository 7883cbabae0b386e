"""`family-context check-config FILE [--probe]` as an operator runs it: a real process, its output, its exit status.

Validation names the bad key as start-up does and exits 1 (0 when the file is fine); `--probe` asks each source of a
live sandbox once and exits 1 when one of them (here youth offending, down) does not answer.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from gateway.demo import demo_config, write_config
from sandbox.runner import start_sandbox

ROOT = Path(__file__).resolve().parents[2]


async def check_config(*args: str) -> tuple[int, str, str]:
    """Run the command in its own process (asynchronously, so that the sandbox in this one keeps answering)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        "check-config",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def config_for(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    """A valid configuration whose sources need not be running (validation never calls them)."""
    key = tmp_path / "audit.key"
    key.write_text("ab" * 32)
    key.chmod(0o600)
    return {
        "authority": {"name": "Test Borough"},
        "audit": {"path": str(tmp_path / "audit.sqlite"), "key_file": str(key)},
        "cms": {"system": "LCS", "kind": "cms_rest", "url": "http://127.0.0.1:9"},
        "sources": [
            {"service": "HOUSING", "system": "Homes", "kind": "housing_rest", "url": "http://127.0.0.1:9"},
            {
                "service": "YOUTH_OFFENDING",
                "system": "YOT",
                "kind": "youth_offending_rest",
                "url": "http://127.0.0.1:9",
            },
        ],
        **changes,
    }


async def test_a_good_configuration_passes(tmp_path: Path) -> None:
    path = write_config(config_for(tmp_path), tmp_path / "good.toml")
    status, out, err = await check_config(str(path))
    assert status == 0, err
    assert "is a valid configuration for Test Borough" in out and "YOUTH_OFFENDING" in out
    assert err == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "blue"}, "colour is not a known setting"),
        (
            {"sources": [{"service": "YOUTH_OFFENDING", "system": "YOT", "kind": "youth_offending_rest"}]},
            "sources[0].url is required",
        ),
        (
            {"sources": [{"service": "YOUTH_OFFENDING", "system": "YOT", "kind": "housing_rest", "url": "x"}]},
            "sources[0].kind must be one of: youth_offending_rest",
        ),
        ({"display_rules": {"youth_offending": {"max_age": "seventeen"}}}, "display_rules.youth_offending.max_age"),
        ({"display_rules": {"youth_offending": {"min_age": 18}}}, "display_rules.youth_offending.min_age must not"),
        ({"linkage": {"probable": "high"}}, "linkage.probable must be a number"),
        ({"services": {"modules": ["no_such_package.service"]}}, "services.modules: service module"),
    ],
)
async def test_a_bad_configuration_names_the_key(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    path = write_config(config_for(tmp_path, **changes), tmp_path / "bad.toml")
    status, out, err = await check_config(str(path))
    assert status == 1
    assert message in err, err
    assert "Traceback" not in err and out == ""


async def test_a_missing_audit_key_fails_as_start_up_would(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    config["audit"] = {"path": str(tmp_path / "audit.sqlite"), "key_env": "FC_TEST_KEY_THAT_IS_NOT_SET"}
    status, _, err = await check_config(str(write_config(config, tmp_path / "no-key.toml")))
    assert status == 1 and "FC_TEST_KEY_THAT_IS_NOT_SET" in err


async def test_a_missing_file_fails(tmp_path: Path) -> None:
    status, _, err = await check_config(str(tmp_path / "nope.toml"))
    assert status == 1 and "config file not found" in err


async def test_the_probe_asks_every_source_and_fails_when_one_is_down(tmp_path: Path) -> None:
    async with start_sandbox(tmp_path / "sandbox", seed=3, households=30) as sandbox:
        path = write_config(demo_config(sandbox, timeout_s=0.5), tmp_path / "authority.toml")
        status, out, err = await check_config(str(path), "--probe")
        assert status == 0, out + err
        assert "every source answered" in out
        for label in ("CMS", "ADULT_SOCIAL_CARE", "POLICE", "HOUSING", "SCHOOL", "YOUTH_OFFENDING"):
            assert any(line.startswith(label) and " UP " in line for line in out.splitlines()), (label, out)
        await sandbox.reset_stats()

        await sandbox.set_fault("youth_offending", "down")
        status, out, err = await check_config(str(path), "--probe")
        assert status == 1
        lines = {line.split()[0]: line for line in out.splitlines() if line and not line.startswith("family-context")}
        assert " DOWN " in lines["YOUTH_OFFENDING"]
        assert all(" UP " in line for label, line in lines.items() if label != "YOUTH_OFFENDING")
        assert "1 of 6 sources did not answer" in err
        # A real request to each HTTP system's health endpoint (the down one counts its refused request too).
        for system in ("cms", "adult_social_care", "housing", "youth_offending"):
            assert (await sandbox.stats(system))["requests"].get("health", 0) >= 1, system

        await sandbox.set_fault("youth_offending", "slow")
        started = asyncio.get_running_loop().time()
        status, out, _ = await check_config(str(path), "--probe")
        assert status == 1 and asyncio.get_running_loop().time() - started < 20
        sandbox.clear_fault("youth_offending")
