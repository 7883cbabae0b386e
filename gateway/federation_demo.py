"""Two authorities and an early-help system behind Hive Gateway: `make federation-demo` and the federation e2e test.

* authority A: a sandbox (seed A) and its gateway, the home subgraph (`/graphql`);
* authority B: another sandbox (seed B) and its gateway, composed through its neighbour subgraph
  (`/graphql/neighbour`, `[federation] neighbour_field = "inAuthorityB"`); one family planted across both
  (`sandbox/cross_authority.py`): a child of A whose parent is a tenant and an adult social care client in B;
* an early-help case system (`sandbox/early_help.py`) contributing `Child.earlyHelp`;
* the three subgraphs' SDL composed with `@apollo/composition` (`federation/compose.mjs`) and served by Hive
  Gateway (`federation/gateway.config.mjs`), which forwards the caller's token and circumstances.

Both gateways trust the same demo signing key: in the demo the two authorities share a sign-in, as neighbouring
councils on one regional identity provider would (docs/federation.md says what production needs).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from auth.demo_issuer import mint_token, write_demo_keys
from auth.principal import Role
from gateway.app import create_app
from gateway.demo import DEMO_PURPOSE, demo_auth, demo_config, demo_worker, write_config
from gateway.server import serve_in_process
from gateway.settings import parse_authority
from sandbox.cross_authority import PlantedFamily, plant_across
from sandbox.early_help import SCHEMA as EARLY_HELP_SCHEMA
from sandbox.early_help import early_help_app
from sandbox.population import generate
from sandbox.runner import RunningSandbox, start_sandbox
from schema.build import build_schema
from schema.federation import subgraph_sdl

FEDERATION_DIR = Path(__file__).resolve().parent.parent / "federation"
NEIGHBOUR_FIELD = "inAuthorityB"
ROUTER_START_TIMEOUT_S = 60.0

FAMILY_QUERY = """query FamilyAcrossAuthorities($cmsId: ID!) {
  child(cmsId: $cmsId) {
    cmsId
    name { full }
    earlyHelp { status team leadPractitioner phone }
    serviceChecks { service outcome }
    household {
      members {
        relationshipToChild
        individual {
          __typename
          name { full }
          serviceChecks { service outcome }
          ... on Person { inAuthorityB { authority level serviceChecks { service outcome organisations
            contacts { name phone } } } }
        }
      }
    }
  }
}"""


class NodeUnavailable(RuntimeError):
    """Node or the federation folder's packages are missing: the message says what to run."""


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def ensure_packages() -> None:
    """`npm ci` in federation/ when its packages are missing (the lock file pins them)."""
    if not node_available():
        raise NodeUnavailable("node and npm are needed (Node 20 or newer)")
    if (FEDERATION_DIR / "node_modules" / ".package-lock.json").exists():
        return
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(FEDERATION_DIR)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise NodeUnavailable(f"npm ci in federation/ failed: {done.stderr.strip()[-2000:]}")


def compose(subgraphs: dict[str, tuple[str, str]], out: Path) -> subprocess.CompletedProcess[str]:
    """Compose {name: (sdl, url)} with federation/compose.mjs into `out`."""
    ensure_packages()
    out.parent.mkdir(parents=True, exist_ok=True)
    args = []
    for name, (sdl, url) in subgraphs.items():
        path = out.parent / f"{name}.graphql"
        path.write_text(sdl, encoding="utf-8")
        args.append(f"{name}={path}@{url}")
    return subprocess.run(
        ["node", str(FEDERATION_DIR / "compose.mjs"), "--out", str(out), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def subgraph_sdls() -> dict[str, str]:
    """The three subgraphs' SDL: authority A's home subgraph, B's neighbour subgraph, the early-help system."""
    return {
        "authority_a": subgraph_sdl(build_schema()),
        "authority_b": subgraph_sdl(build_schema(neighbour_field=NEIGHBOUR_FIELD)),
        "early_help": subgraph_sdl(EARLY_HELP_SCHEMA),
    }


@dataclass
class FederationStack:
    router_url: str
    gateway_a: str
    gateway_b: str
    early_help: str
    family: PlantedFamily
    sandbox_a: RunningSandbox
    sandbox_b: RunningSandbox
    key_file: Path
    supergraph: Path

    def token(self, role: Role = Role.SOCIAL_WORKER, *, user_id: str | None = None) -> str:
        worker = demo_worker(self.sandbox_a.population)
        return mint_token(
            self.key_file,
            role=role,
            user_id=user_id or worker.user_id,
            name=worker.name,
            team=worker.team,
            email=worker.email,
            ttl_s=12 * 3600,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def _early_help(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def _router(supergraph: Path, port: int, log: Path) -> AsyncIterator[str]:
    binary = FEDERATION_DIR / "node_modules" / ".bin" / "hive-gateway"
    command = [str(binary), "supergraph", str(supergraph), "--host", "127.0.0.1", "--port", str(port)]
    command += ["-c", str(FEDERATION_DIR / "gateway.config.mjs")]
    with open(log, "w", encoding="utf-8") as out:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=FEDERATION_DIR, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NODE_ENV": "test"}
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            deadline = asyncio.get_running_loop().time() + ROUTER_START_TIMEOUT_S
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"Hive Gateway stopped at start-up: see {log}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/readiness") as response:
                        if response.status == 200:
                            break
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"Hive Gateway did not become ready: see {log}")
                await asyncio.sleep(0.2)
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def federation_stack(
    workdir: Path,
    *,
    households: int = 120,
    seed_a: int = 1,
    seed_b: int = 2,
    router_port: int = 0,
    gateway_a_port: int = 0,
) -> AsyncIterator[FederationStack]:
    ensure_packages()
    workdir = workdir.resolve()
    home = generate(seed_a, households)
    away, family = plant_across(home, generate(seed_b, households))
    key_file, jwks_file = write_demo_keys(workdir)
    auth = demo_auth(key_file, jwks_file)
    async with (
        start_sandbox(workdir / "authority_a", seed=seed_a, population=home) as sandbox_a,
        start_sandbox(workdir / "authority_b", seed=seed_b, population=away) as sandbox_b,
    ):
        config_a = demo_config(sandbox_a, auth=auth)
        config_a["authority"] = {"name": "Authority A (demo)", "access_mode": "search_any"}
        config_b = demo_config(sandbox_b, auth=auth)
        config_b["authority"] = {"name": "Authority B (demo)", "access_mode": "search_any"}
        config_b["federation"] = {"neighbour_field": NEIGHBOUR_FIELD}
        write_config(config_a, workdir / "authority_a.toml")
        write_config(config_b, workdir / "authority_b.toml")
        app_a = create_app(parse_authority(config_a))
        app_b = create_app(parse_authority(config_b))
        early = early_help_app(home, seed=seed_a, include=[family.child_cms_id])
        async with (
            serve_in_process(app_a, port=gateway_a_port) as served_a,
            serve_in_process(app_b) as served_b,
            _early_help(early) as early_url,
        ):
            sdls = subgraph_sdls()
            supergraph = workdir / "supergraph" / "supergraph.graphql"
            composed = compose(
                {
                    "authority_a": (sdls["authority_a"], f"{served_a.url}/graphql"),
                    "authority_b": (sdls["authority_b"], f"{served_b.url}/graphql/neighbour"),
                    "early_help": (sdls["early_help"], f"{early_url}/graphql"),
                },
                supergraph,
            )
            if composed.returncode != 0:
                raise RuntimeError(f"composition failed:\n{composed.stderr}")
            port = router_port or _free_port()
            async with _router(supergraph, port, workdir / "hive-gateway.log") as router_url:
                yield FederationStack(
                    router_url=router_url,
                    gateway_a=served_a.url,
                    gateway_b=served_b.url,
                    early_help=early_url,
                    family=family,
                    sandbox_a=sandbox_a,
                    sandbox_b=sandbox_b,
                    key_file=key_file,
                    supergraph=supergraph,
                )


def run_federation_demo(workdir: str, port: int, households: int) -> int:
    """`python -m gateway.federation_demo`: run the stack until Ctrl+C."""

    async def main() -> None:
        # SIGTERM as well as Ctrl+C stops the stack cleanly, Hive Gateway's process included.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with federation_stack(Path(workdir), households=households, router_port=port) as stack:
            token = stack.token()
            print(
                "\nFederation demo is running.\n"
                f"  Router (Hive Gateway): POST {stack.router_url}/graphql\n"
                f"  Authority A gateway:   {stack.gateway_a}/graphql\n"
                f"  Authority B gateway:   {stack.gateway_b}/graphql (neighbour subgraph: /graphql/neighbour)\n"
                f"  Early-help subgraph:   {stack.early_help}/graphql\n"
                f"  Supergraph:            {stack.supergraph}\n\n"
                f"The family planted across both: child {stack.family.child_cms_id} in A, whose parent "
                f"({stack.family.parent_cms_id} in A's CMS) is a tenant and an adult social care client in B.\n\n"
                "Try (docs/federation.md explains the query plan):\n"
                f"  curl -s {stack.router_url}/graphql -H 'Content-Type: application/json' \\\n"
                f"    -H 'Authorization: Bearer {token}' -H 'X-Purpose: {DEMO_PURPOSE}' \\\n"
                f'    -d \'{{"query": "{{ child(cmsId: \\"{stack.family.child_cms_id}\\") {{ name {{ full }} '
                "earlyHelp { status } household { members { individual { name { full } "
                "... on Person { inAuthorityB { authority serviceChecks { service outcome } } } } } } } }\"}'\n\n"
                "Press Ctrl+C to stop.",
                flush=True,
            )
            await stop.wait()

    asyncio.run(main())
    print("Stopped.")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(run_federation_demo(args[0] if args else ".demo/federation", int(args[1]) if len(args) > 1 else 4000, 200))
