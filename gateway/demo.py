"""The demo: simulated source systems on loopback, their authority config, and a gateway with GraphiQL.

The demo signs callers in as production does, with bearer tokens (`auth.mode = "demo"`: the demo's own key in its
workdir, `auth/demo_issuer.py`). GraphiQL opens signed in as the allocated social worker of child C000001, with a
purpose, so that the example query runs at once; `family-context token` mints other tokens.

Also used by the end-to-end tests and the benchmarks, so that all three run the same real parts the same way;
they may sign in with a fixed development identity instead (`development_auth`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import tomli_w

import linkage
from auth.demo_issuer import mint_token, write_demo_keys
from auth.principal import Role
from gateway.app import create_app
from gateway.audit.keys import write_key_file
from gateway.server import ServedApp, serve_in_process
from gateway.settings import parse_authority
from sandbox.population import Population
from sandbox.runner import RunningSandbox, simulated_systems, start_sandbox
from sources.registry import ServiceRegistry
from webapp.demo_sign_in import DEFAULT_IDENTITIES, DemoIdentity
from webapp.operations import MANIFEST as PAGE_OPERATIONS

DEMO_AUTHORITY = "Demo Borough Council"
# The linkage model the demo serves: trained on the demo's own population, shipped with the package so that the
# demo needs neither Splink nor training time (`make linkage-model` rebuilds it; see docs/linkage.md).
DEMO_MODEL = Path(linkage.__file__).resolve().parent / "data" / "sandbox_model.json"
# With the trained model, PROBABLE starts at 0.99: on the sandbox's ground truth, 0.9 let two namesakes a year
# apart in age through (docs/linkage.md).
DEMO_PROBABLE = 0.99
DEMO_LINKAGE = {"model": str(DEMO_MODEL), "probable": DEMO_PROBABLE}
DEMO_CHILD = "C000001"
DEMO_PURPOSE = "ASSESSMENT"
DEMO_TOKEN_TTL_S = 12 * 3600
SignIn = Literal["demo", "development"]

EXAMPLE_QUERY = """{
  child(cmsId: "C000001") {
    name { full }
    household { members { relationshipToChild individual { name { full } serviceChecks { service outcome } } } }
  }
}"""


@dataclass(frozen=True)
class DemoWorker:
    """Who GraphiQL is signed in as: a social worker of the sandbox, allocated to the demo's child."""

    user_id: str
    name: str
    team: str | None
    email: str | None
    allocated_to: str | None  # the child's CMS id


def demo_worker(population: Population) -> DemoWorker:
    """The allocated worker of C000001 (so that a case-linked authority reaches the child too); if that child
    waits for allocation, the first allocated worker of the population; else a made-up one."""
    children = [p for p in population.cms.people.values() if p.is_child]
    preferred = [p for p in children if p.id == DEMO_CHILD] + children
    child = next((p for p in preferred if p.allocated_worker is not None), None)
    if child is None or child.allocated_worker is None:
        return DemoWorker(
            user_id="demo-social-worker", name="Demo Social Worker", team=None, email=None, allocated_to=None
        )
    worker = child.allocated_worker
    user_id = worker.email.split("@", 1)[0] if worker.email else "demo-social-worker"
    return DemoWorker(user_id=user_id, name=worker.name, team=worker.team, email=worker.email, allocated_to=child.id)


def demo_headers(key_file: Path, worker: DemoWorker) -> dict[str, str]:
    """The request headers GraphiQL opens with: the worker's bearer token (12 h) and a purpose."""
    token = mint_token(
        key_file,
        role=Role.SOCIAL_WORKER,
        user_id=worker.user_id,
        name=worker.name,
        team=worker.team,
        email=worker.email,
        ttl_s=DEMO_TOKEN_TTL_S,
    )
    return {"Authorization": f"Bearer {token}", "X-Purpose": DEMO_PURPOSE}


def app_identities(worker: DemoWorker) -> tuple[DemoIdentity, ...]:
    """Who the page's "sign in as" offers: the demo's social worker (the one GraphiQL uses), then the other roles."""
    social_worker = DemoIdentity(
        Role.SOCIAL_WORKER,
        worker.user_id,
        worker.name,
        worker.team,
        worker.email,
        description="Sees the family context, service details and match evidence"
        + (f"; allocated to {worker.allocated_to}." if worker.allocated_to else "."),
    )
    return (social_worker, *(i for i in DEFAULT_IDENTITIES if i.role is not Role.SOCIAL_WORKER))


def development_auth(roles: Sequence[str] = ("SOCIAL_WORKER",)) -> dict[str, Any]:
    """`[auth]` for a fixed development identity: tests and benchmarks on loopback only (`serve` refuses it
    elsewhere)."""
    return {
        "mode": "development",
        "development": {"user_id": "demo-user", "name": "Demo Social Worker", "roles": list(roles)},
    }


def demo_auth(key_file: Path, jwks_file: Path) -> dict[str, Any]:
    """`[auth]` for the demo's own issuer: bearer tokens signed with the key in the demo's workdir."""
    return {"mode": "demo", "key_file": str(key_file.resolve()), "jwks_file": str(jwks_file.resolve())}


def demo_config(
    sandbox: RunningSandbox,
    *,
    auth: Mapping[str, Any] | None = None,
    timeout_s: float = 2.0,
    services: ServiceRegistry | None = None,
) -> dict[str, Any]:
    """The authority configuration (as TOML-ready data) that points a gateway at a running sandbox, with `auth`
    as its `[auth]` table: `demo_auth(...)`, `development_auth(...)` (the default, for tests on loopback), or any
    other (an OIDC issuer of the tests). `services`: the registry the sandbox was started with (the built-in one
    by default); each of its simulated services gets its `[[sources]]` table."""
    return {
        "authority": {"name": DEMO_AUTHORITY, "access_mode": "search_any"},
        "auth": dict(auth if auth is not None else development_auth()),
        "linkage": dict(DEMO_LINKAGE),
        # The audit trail in the sandbox's workdir, under a key generated there (never in this file).
        "audit": {
            "backend": "sqlite",
            "path": str(sandbox.workdir / "audit.sqlite"),
            "key_file": str(write_key_file(sandbox.workdir / "audit.key")),
        },
        "cms": {
            "system": "Liquidlogic LCS (simulated)",
            "kind": "cms_rest",
            "url": sandbox.urls["cms"],
            "timeout_s": timeout_s,
            "max_batch_size": 100,
            "max_concurrency": 16,
        },
        # Every service the sandbox simulates, as that service's definition configures it (sources/services/).
        "sources": [
            system.demo_source(sandbox.location(name), timeout_s)
            for name, system in simulated_systems(services).items()
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
    sign_in: SignIn = "development",
) -> AsyncIterator[tuple[RunningSandbox, ServedApp]]:
    """The sandbox plus a gateway configured for it: yields the sandbox and the running gateway.

    `sign_in = "demo"`: bearer tokens from the demo's key (written into `workdir`), GraphiQL opens with the
    demo worker's token and purpose, and the social worker's page (/app) is on, its sign-in offering the demo's
    roles; "development": every request runs as `development_auth()`'s identity (and there is no page).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    async with start_sandbox(
        workdir, seed=seed, households=households, latency_ms=latency_ms, faults=dict(faults or {})
    ) as sandbox:
        headers: dict[str, str] | None = None
        identities: tuple[DemoIdentity, ...] | None = None
        page: dict[str, Any] = {}
        if sign_in == "demo":
            key_file, jwks_file = write_demo_keys(workdir.resolve())
            auth = demo_auth(key_file, jwks_file)
            worker = demo_worker(sandbox.population)
            headers = demo_headers(key_file, worker)
            identities = app_identities(worker)
            # Browsers keep a Secure cookie over plain http on loopback only: a demo served to the network over
            # http (its data synthetic) drops the flag so that signing in works there too.
            page = {
                "app": {"enabled": True, "secure_cookie": host in ("127.0.0.1", "localhost", "::1")},
                # The page's operations are persisted operations (by their hash); GraphiQL's are not required to be.
                "persisted_operations": {"file": str(PAGE_OPERATIONS)},
            }
        else:
            auth = development_auth()
        config = {**demo_config(sandbox, auth=auth, timeout_s=timeout_s), **page, **(extra_config or {})}
        write_config(config, workdir / "authority.toml")
        app = create_app(parse_authority(config), graphiql_headers=headers, app_demo_identities=identities)
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
            Path(workdir),
            host=host,
            port=port,
            seed=seed,
            households=households,
            latency_ms=latency_ms,
            faults=faults,
            sign_in="demo",
        ) as (sandbox, served):
            url = served.url
            worker = demo_worker(sandbox.population)
            config_path = Path(workdir).resolve() / "authority.toml"
            print(
                f"\nFamily Context demo is running.\n"
                f"  Social worker's page: {url}/app/ (sign in as any demo role)\n"
                f"  GraphiQL:        {url}/graphiql\n"
                f"  GraphQL:         POST {url}/graphql\n"
                f"  Health, metrics: {url}/healthz  {url}/readyz  {url}/metrics\n"
                f"  Simulated systems: {', '.join(f'{k} {v}' for k, v in sandbox.urls.items())}\n"
                f"  Files and config: {Path(workdir).resolve()} (authority.toml, police extract, school database)\n"
                + (f"  Faults: {', '.join(f'{k}={v}' for k, v in faults.items())}\n" if faults else "")
                # The worker's user id, not their name: what reaches stdout names no one.
                + f"\nGraphiQL opens signed in as user {worker.user_id} ({worker.team or 'no team'}), a social worker"
                + (f" allocated to {worker.allocated_to}" if worker.allocated_to else "")
                + f", with X-Purpose: {DEMO_PURPOSE} (token valid "
                + f"{DEMO_TOKEN_TTL_S // 3600} h; see its headers tab).\n"
                + "Other tokens, e.g. a team manager's (roles: "
                + ", ".join(r.value for r in Role)
                + "):\n"
                + f"  .venv/bin/family-context token --config {config_path} --role TEAM_MANAGER\n"
                + "\nGraphiQL opens with the full family-context query for C000001. A shorter one to try:\n"
                + f"{EXAMPLE_QUERY}\n\nPress Ctrl+C to stop.",
                flush=True,
            )
            await served.stopped  # until Ctrl+C or SIGTERM, which uvicorn handles

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    print("Stopped.")
    return 0
