"""The real stack for end-to-end tests: the simulated systems and a gateway under uvicorn, on loopback port 0."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from gateway.app import create_app
from gateway.demo import demo_config, development_auth
from gateway.server import serve_in_process
from gateway.settings import parse_authority
from sandbox.runner import RunningSandbox, start_sandbox

# Short timeouts keep the fault tests quick; the demo uses 2 s.
TEST_TIMEOUT_S = 0.6


@dataclass
class Stack:
    sandbox: RunningSandbox
    url: str
    http: aiohttp.ClientSession

    async def query(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        purpose: str | None = "ASSESSMENT",
    ) -> dict[str, Any]:
        """POST a query, stating a purpose (as a worker at an assessment does) unless told otherwise."""
        sent = {**({"X-Purpose": purpose} if purpose else {}), **(headers or {})}
        async with self.http.post(
            f"{self.url}/graphql", json={"query": query, "variables": dict(variables or {})}, headers=sent
        ) as response:
            assert response.status == 200, await response.text()
            body: dict[str, Any] = await response.json()
            return body

    async def upstream(self) -> dict[str, int]:
        """Requests each simulated HTTP system has answered since the last reset."""
        return {s: int((await self.sandbox.stats(s))["total"]) for s in ("cms", "adult_social_care", "housing")}

    async def metric(self, name: str, **labels: str) -> float:
        """The sum of a Prometheus sample over every label set that includes `labels`."""
        async with self.http.get(f"{self.url}/metrics") as response:
            text = await response.text()
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{"):
                continue
            label_text, value = line[len(name) + 1 :].rsplit("} ", 1)
            if all(f'{k}="{v}"' in label_text for k, v in labels.items()):
                total += float(value)
        return total


@contextlib.asynccontextmanager
async def running_stack(
    workdir: Path,
    *,
    households: int = 120,
    seed: int = 7,
    config_changes: Mapping[str, Any] | None = None,
    source_changes: Mapping[str, Mapping[str, Any]] | None = None,
    roles: tuple[str, ...] = ("SOCIAL_WORKER",),
    faults: Mapping[str, str] | None = None,
    timeout_s: float = TEST_TIMEOUT_S,
) -> AsyncIterator[Stack]:
    async with start_sandbox(workdir, seed=seed, households=households, faults=dict(faults or {})) as sandbox:
        auth = development_auth(roles)
        config = {**demo_config(sandbox, auth=auth, timeout_s=timeout_s), **(config_changes or {})}
        # `source_changes`: settings of the demo's sources to change, by service ("HOUSING": {...}).
        changes = source_changes or {}
        config["sources"] = [{**source, **changes.get(source.get("service", ""), {})} for source in config["sources"]]
        app = create_app(parse_authority(config))
        async with serve_in_process(app) as served, aiohttp.ClientSession() as http:
            yield Stack(sandbox, served.url, http)
