"""`family-context demo` as a user runs it: a real process, its printed address, Ctrl+C to stop."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90


def start_demo(workdir: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--port", "0", "--households", "20", "--workdir", str(workdir),
         *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    for line in process.stdout:
        match = re.search(r"GraphiQL:\s+(http://\S+)/graphiql", line)
        if match:
            return process, match.group(1)
        if time.monotonic() > deadline:
            break
    process.kill()
    raise AssertionError("the demo did not print its GraphiQL address")


def http(url: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy
    with opener.open(request, timeout=30) as response:
        return response.status, response.read().decode()


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return output


def test_the_demo_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    process, url = start_demo(tmp_path / "demo", "--fault", "housing=down")
    try:
        assert http(f"{url}/healthz")[0] == 200
        assert "/graphiql/static/graphiql.min.js" in http(f"{url}/graphiql")[1]
        query = '{ child(cmsId: "C000001") { cmsId serviceChecks(services: [HOUSING]) { outcome } } }'
        answer = json.loads(http(f"{url}/graphql", {"query": query})[1])
        assert answer["data"]["child"]["cmsId"] == "C000001"
        assert answer["data"]["child"]["serviceChecks"] == [{"outcome": "UNAVAILABLE"}]
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert "Stopped." in output
    assert "Traceback" not in output
    config = tomllib.loads((tmp_path / "demo" / "authority.toml").read_text())
    assert {s["service"] for s in config["sources"]} == {"ADULT_SOCIAL_CARE", "POLICE", "HOUSING", "SCHOOL"}
    assert (tmp_path / "demo" / "police_extract.csv").exists()
    assert (tmp_path / "demo" / "school.sqlite").exists()


def test_a_bad_fault_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo", "--fault", "probation=down", "--workdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SERVICE=MODE" in result.stderr


def test_serve_refuses_a_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "authority.toml"
    config.write_text('[authority]\nname = "A"\n[cms]\nsystem = "LCS"\nkind = "cms_rest"\n')
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cms.url is required" in result.stderr
