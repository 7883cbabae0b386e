"""`family-context demo` as a user runs it: a real process, its printed address, Ctrl+C to stop."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90


def start_demo(workdir: Path, *extra: str) -> tuple[subprocess.Popen[str], str, str]:
    """The running demo, its address, and its banner (read up to "Press Ctrl+C")."""
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
    banner: list[str] = []
    url = None
    for line in process.stdout:
        banner.append(line)
        match = re.search(r"GraphiQL:\s+(http://\S+)/graphiql", line)
        url = match.group(1) if match else url
        if url and "Press Ctrl+C" in line:
            return process, url, "".join(banner)
        if time.monotonic() > deadline:
            break
    process.kill()
    raise AssertionError("the demo did not print its GraphiQL address")


def http(url: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy
    with opener.open(request, timeout=30) as response:
        return response.status, response.read().decode()


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return output


def graphiql_headers(page: str) -> dict[str, str]:
    """The request headers the GraphiQL page opens with (a JSON object in a script element)."""
    match = re.search(r'<script type="application/json" id="graphiql-default-headers">([^<]*)</script>', page)
    assert match, "the page carries no default headers"
    headers: dict[str, str] = json.loads(match.group(1))
    return headers


def test_the_demo_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    process, url, banner = start_demo(tmp_path / "demo", "--fault", "housing=down")
    try:
        assert http(f"{url}/healthz")[0] == 200
        page = http(f"{url}/graphiql")[1]
        assert "/graphiql/static/graphiql.min.js" in page
        headers = graphiql_headers(page)
        assert headers["Authorization"].startswith("Bearer ")
        assert headers["X-Purpose"] == "ASSESSMENT"
        query = (
            '{ child(cmsId: "C000001") { cmsId household { members { individual { age '
            "serviceChecks(services: [HOUSING]) { outcome } } } } } }"
        )
        answer = json.loads(http(f"{url}/graphql", {"query": query}, headers)[1])
        assert answer["data"]["child"]["cmsId"] == "C000001"
        # Housing records are shown from 16: the adults' checks are the ones housing being down leaves unchecked.
        people = [m["individual"] for m in answer["data"]["child"]["household"]["members"]]
        adults = [p["serviceChecks"] for p in people if p["age"] is None or p["age"] >= 16]
        assert adults and all(checks == [{"outcome": "UNAVAILABLE"}] for checks in adults)
        me = json.loads(http(f"{url}/graphql", {"query": "{ me { id name roles team purpose } }"}, headers)[1])
        assert me["data"]["me"]["roles"] == ["SOCIAL_WORKER"] and me["data"]["me"]["purpose"] == "ASSESSMENT"
        with pytest.raises(urllib.error.HTTPError) as refused:  # the demo signs callers in: no token, no answer
            http(f"{url}/graphql", {"query": query})
        with refused.value:  # holds the connection open until closed
            assert refused.value.code == 401
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert "Stopped." in output
    assert "Traceback" not in output
    config = tomllib.loads((tmp_path / "demo" / "authority.toml").read_text())
    assert {s["service"] for s in config["sources"]} == {
        "ADULT_SOCIAL_CARE",
        "POLICE",
        "HOUSING",
        "SCHOOL",
        "YOUTH_OFFENDING",
    }
    assert (tmp_path / "demo" / "police_extract.csv").exists()
    assert (tmp_path / "demo" / "school.sqlite").exists()
    assert config["auth"]["mode"] == "demo"
    assert f"family-context token --config {(tmp_path / 'demo').resolve()}/authority.toml --role" in banner
    assert f"signed in as user {me['data']['me']['id']}" in banner
    assert me["data"]["me"]["name"] not in banner  # stdout names no one


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
