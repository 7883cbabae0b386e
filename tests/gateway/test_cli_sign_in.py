"""`family-context token` and `family-context serve`'s sign-in guards, as an operator runs them."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from auth.demo_issuer import write_demo_keys
from gateway.cli import DEVELOPMENT_OFF_LOOPBACK, TOKEN_NEEDS_DEMO, is_loopback, main
from gateway.demo import demo_auth, write_config
from tests.gateway.serving import serving
from tests.gateway.test_http import config

ROOT = Path(__file__).resolve().parents[2]


def demo_config_file(workdir: Path) -> Path:
    key_file, jwks_file = write_demo_keys(workdir)
    return write_config(config(auth=demo_auth(key_file, jwks_file)), workdir / "authority.toml")


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:  # holds the connection open until closed
            return error.code, error.read().decode()


async def test_a_minted_token_is_accepted_by_the_demo_gateway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = demo_config_file(tmp_path)
    assert main(["token", "--config", str(path), "--role", "TEAM_MANAGER", "--team", "Team North"]) == 0
    printed = capsys.readouterr()
    token = printed.out.strip().splitlines()[-1]
    assert token.count(".") == 2 and " " not in token
    assert "TEAM_MANAGER" in printed.err

    async with serving(tomllib.loads(path.read_text())) as (url, http):
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "ASSESSMENT"}
        async with http.post(f"{url}/graphql", json={"query": "{ me { id roles team } }"}, headers=headers) as r:
            assert r.status == 200
            body: dict[str, Any] = await r.json()
        assert body == {"data": {"me": {"id": "demo-team-manager", "roles": ["TEAM_MANAGER"], "team": "Team North"}}}
        async with http.post(f"{url}/graphql", json={"query": "{ me { id } }"}) as r:
            assert r.status == 401


def test_token_refuses_a_configuration_that_is_not_the_demos(tmp_path: Path) -> None:
    path = write_config(config(), tmp_path / "authority.toml")  # development sign-in
    result = run_cli("token", "--config", str(path), "--role", "SOCIAL_WORKER")
    assert result.returncode == 2
    assert TOKEN_NEEDS_DEMO in result.stderr
    assert result.stdout == ""


def test_token_refuses_a_missing_signing_key(tmp_path: Path) -> None:
    path = demo_config_file(tmp_path)
    (tmp_path / "demo-signing-key.pem").unlink()
    result = run_cli("token", "--config", str(path), "--role", "SOCIAL_WORKER")
    assert result.returncode == 2
    assert "signing key" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("gateway.council.example", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_refuses_development_sign_in_off_loopback(tmp_path: Path) -> None:
    path = write_config(config(), tmp_path / "authority.toml")
    port = free_port()
    result = run_cli("serve", "--config", str(path), "--host", "0.0.0.0", "--port", str(port))
    assert result.returncode == 2
    assert DEVELOPMENT_OFF_LOOPBACK.format(host="0.0.0.0") in result.stderr
    assert "Uvicorn running" not in result.stderr + result.stdout
    with socket.socket() as probe:  # nothing was left listening
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_serve_runs_the_operations_app_on_its_own_address(tmp_path: Path) -> None:
    port, operations_port = free_port(), free_port()
    settings = config(operations={"listen": f"127.0.0.1:{operations_port}"})
    path = write_config(settings, tmp_path / "authority.toml")
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--config", str(path), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        main_url, operations_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{operations_port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(f"{main_url}/healthz")[0] == 200 and get(f"{operations_url}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, "the gateway stopped"
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.1)
        assert get(f"{main_url}/metrics")[0] == 404
        status, text = get(f"{main_url}/readyz")
        assert (status, json.loads(text)) == (503, {"status": "not ready"})
        status, text = get(f"{operations_url}/metrics")
        assert status == 200 and "family_context_graphql_requests_total" in text
        status, text = get(f"{operations_url}/readyz")
        assert json.loads(text)["sources"] == {"LCS": "DOWN", "Homes": "DOWN"}
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Traceback" not in output
