"""The demo: simulated source systems on loopback, their authority config, and a gateway with GraphiQL.

Also used by the end-to-end tests and the benchmarks, so that all three run the same real parts the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import tomli_w

from gateway.app import create_app
from gateway.server import ServedApp, serve_in_process
from gateway.settings import parse_authority
from sandbox.runner import RunningSandbox, start_sandbox

DEMO_AUTHORITY = "Demo Borough Council"

EXAMPLE_QUERY = """{
  child(cmsId: "C000001") {
    name { full }
    household { members { relationshipToChild individual { name { full } serviceChecks { service outcome } } } }
  }
}"""


def demo_config(
    sandbox: RunningSandbox,
    *,
    timeout_s: float = 2.0,
    development_roles: tuple[str, ...] = ("SOCIAL_WORKER",),
) -> dict[str, Any]:
    """The authority configuration (as TOML-ready data) that points a gateway at a running sandbox."""
    area = "Demo Borough"
    return {
        "authority": {"name": DEMO_AUTHORITY, "access_mode": "search_any"},
        # The demo runs as one fixed identity; a real authority configures token verification instead.
        "auth": {
            "mode": "development",
            "development": {"user_id": "demo-user", "name": "Demo Social Worker", "roles": list(development_roles)},
        },
        "cms": {
            "system": "Liquidlogic LCS (simulated)",
            "kind": "cms_rest",
            "url": sandbox.urls["cms"],
            "timeout_s": timeout_s,
            "max_batch_size": 100,
        },
        "sources": [
            {
                "service": "ADULT_SOCIAL_CARE",
                "system": "Care First (simulated)",
                "kind": "adult_social_care_rest",
                "organisation": "Demo Borough Council Adult Social Care",
                "url": sandbox.urls["adult_social_care"],
                "timeout_s": timeout_s,
                "max_batch_size": 50,
                "coverage": {"area": area, "explanation": "Adults with a support plan since 2012."},
            },
            {
                "service": "POLICE",
                "system": "Police researcher extract (simulated)",
                "kind": "police_csv",
                "organisation": "Greater Manchester Police",
                "path": str(sandbox.police_csv),
                "timeout_s": timeout_s,
                "refresh_s": 60,
                "coverage": {"area": area, "explanation": "Offences recorded in the force area; refreshed nightly."},
            },
            {
                "service": "HOUSING",
                "system": "Demo Homes (simulated)",
                "kind": "housing_rest",
                "organisation": "Demo Homes",
                "url": sandbox.urls["housing"],
                "timeout_s": timeout_s,
                "max_concurrency": 16,
                "coverage": {"area": area, "explanation": "Council tenancies and anti-social behaviour cases."},
            },
            {
                "service": "SCHOOL",
                "system": "Synergy (simulated)",
                "kind": "school_sql",
                "organisation": "Demo Borough Council Education",
                "path": str(sandbox.school_db),
                "timeout_s": timeout_s,
                "coverage": {"area": area, "explanation": "Pupils on roll at maintained schools and academies."},
            },
        ],
    }


def write_config(config: Mapping[str, Any], path: Path) -> Path:
    path.write_text(tomli_w.dumps(dict(config)), encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def demo_stack(
    workdir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = 1,
    households: int = 200,
    latency_ms: int = 0,
    faults: Mapping[str, str] | None = None,
    timeout_s: float = 2.0,
    extra_config: Mapping[str, Any] | None = None,
) -> AsyncIterator[tuple[RunningSandbox, ServedApp]]:
    """The sandbox plus a gateway configured for it: yields the sandbox and the running gateway."""
    workdir.mkdir(parents=True, exist_ok=True)
    async with start_sandbox(
        workdir, seed=seed, households=households, latency_ms=latency_ms, faults=dict(faults or {})
    ) as sandbox:
        config = {**demo_config(sandbox, timeout_s=timeout_s), **(extra_config or {})}
        write_config(config, workdir / "authority.toml")
        app = create_app(parse_authority(config))
        async with serve_in_process(app, host, port) as served:
            yield sandbox, served


def run_demo(
    *,
    host: str,
    port: int,
    workdir: str,
    seed: int,
    households: int,
    latency_ms: int,
    faults: Mapping[str, str],
    log_level: str,
) -> int:
    async def main() -> None:
        print(f"Generating {households} households (seed {seed}) and starting the simulated systems ...", flush=True)
        async with demo_stack(
            Path(workdir), host=host, port=port, seed=seed, households=households, latency_ms=latency_ms, faults=faults
        ) as (sandbox, served):
            url = served.url
            print(
                f"\nFamily Context demo is running.\n"
                f"  GraphiQL:        {url}/graphiql\n"
                f"  GraphQL:         POST {url}/graphql\n"
                f"  Health, metrics: {url}/healthz  {url}/readyz  {url}/metrics\n"
                f"  Simulated systems: {', '.join(f'{k} {v}' for k, v in sandbox.urls.items())}\n"
                f"  Files and config: {Path(workdir).resolve()} (authority.toml, police extract, school database)\n"
                + (f"  Faults: {', '.join(f'{k}={v}' for k, v in faults.items())}\n" if faults else "")
                + "\nGraphiQL opens with the full family-context query for C000001. A shorter one to try:\n"
                + f"{EXAMPLE_QUERY}\n\nPress Ctrl+C to stop.",
                flush=True,
            )
            await served.stopped  # until Ctrl+C or SIGTERM, which uvicorn handles

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    print("Stopped.")
    return 0
