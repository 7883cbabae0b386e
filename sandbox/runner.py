"""Start every simulated system on loopback and write the file-based ones into a work directory.

>>> async with start_sandbox(tmp_path, seed=1, households=200) as sandbox:
...     sandbox.urls["cms"]                 # 'http://127.0.0.1:41234'
...     await sandbox.set_fault("housing", "down")
...     sandbox.clear_fault("housing")

The CMS and every registered service's simulated system (`SandboxSystem` of its definition, `sources/services/`)
start here: the HTTP systems (CMS, adult social care, housing, youth offending) listen on port 0 and report the
ports they were given; the file systems (the police extract, the schools' database) and `ground_truth.json` are
written into the work directory. Systems are named by the service's key (`"housing"`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from aiohttp import web

from sandbox import cms
from sandbox.faults import FAULTS_KEY, FaultMode, FaultSettings, SystemFaults
from sandbox.file_faults import FileFaultMode, FileFaults
from sandbox.population import Population, generate
from sources.definition import SandboxSystem
from sources.registry import ServiceRegistry, builtin_registry

GROUND_TRUTH_FILENAME = "ground_truth.json"
AppFactory = Callable[[Population, FaultSettings, int], web.Application]
CMS = "cms"
# Held `slow` requests are released on shutdown; this only bounds a handler that ignores that.
_SHUTDOWN_TIMEOUT_SECONDS = 2.0


@dataclass
class RunningSandbox:
    """The running systems: where they are, the population behind them, and their fault knobs."""

    population: Population
    workdir: Path
    urls: dict[str, str]  # cms and each HTTP service's key -> base URL without a trailing slash
    files: dict[str, Path]  # each file service's key (police, school) -> its file
    ground_truth_path: Path
    latency_ms: int = 0
    _http_faults: dict[str, SystemFaults] = field(default_factory=dict, repr=False)
    _file_faults: dict[str, FileFaults] = field(default_factory=dict, repr=False)

    @property
    def police_csv(self) -> Path:
        return self.files["police"]

    @property
    def school_db(self) -> Path:
        return self.files["school"]

    def location(self, system: str) -> str:
        """Where the gateway finds a system: its URL, or its file's path."""
        return self.urls[system] if system in self.urls else str(self.files[system])

    async def stats(self, system: str) -> dict[str, Any]:
        """An HTTP system's request counts: `{"requests": {route name: n}, "total": n}`."""
        return self._http(system).stats()

    async def reset_stats(self) -> None:
        """Zero every HTTP system's request counts."""
        for faults in self._http_faults.values():
            faults.reset()

    async def set_fault(self, system: str, mode: str, latency_ms: int = 0, *, error_rate: float = 0.0) -> None:
        """Make a system misbehave: any `FaultMode` for HTTP systems, `down|slow|garbage` for the files."""
        if system in self._file_faults:
            self._file_faults[system].apply(cast(FileFaultMode, mode))
            return
        self._http(system).set(FaultSettings(mode=cast(FaultMode, mode), latency_ms=latency_ms, error_rate=error_rate))

    def clear_fault(self, system: str) -> None:
        """Back to normal (keeping the sandbox-wide latency for HTTP systems)."""
        if system in self._file_faults:
            self._file_faults[system].clear()
            return
        self._http(system).set(FaultSettings(latency_ms=self.latency_ms))

    def _http(self, system: str) -> SystemFaults:
        if system not in self._http_faults:
            raise ValueError(f"unknown HTTP system {system!r}; expected one of {', '.join(self._http_faults)}")
        return self._http_faults[system]


def simulated_systems(services: ServiceRegistry | None = None) -> dict[str, SandboxSystem]:
    """Each registered service's simulated system, by the service's key."""
    registry = services if services is not None else builtin_registry()
    return {d.key: d.sandbox() for d in registry if d.sandbox is not None}


def system_names(services: ServiceRegistry | None = None) -> tuple[str, ...]:
    """The systems a sandbox runs (and `--fault` may break): the CMS and each simulated service."""
    registry = services if services is not None else builtin_registry()
    return (CMS, *(d.key for d in registry if d.sandbox is not None))


@contextlib.asynccontextmanager
async def start_sandbox(
    workdir: Path,
    *,
    seed: int = 1,
    households: int = 200,
    latency_ms: int = 0,
    faults: Mapping[str, str] | None = None,
    population: Population | None = None,
    services: ServiceRegistry | None = None,
) -> AsyncIterator[RunningSandbox]:
    """Run every simulated system until the block exits; `faults` maps a system to `down|slow|garbage`."""
    faults = dict(faults or {})
    simulated = simulated_systems(services)
    unknown = set(faults) - {CMS, *simulated}
    if unknown:
        raise ValueError(f"unknown systems in faults: {', '.join(sorted(unknown))}")
    population = population or generate(seed, households)
    workdir.mkdir(parents=True, exist_ok=True)
    sandbox = RunningSandbox(
        population=population,
        workdir=workdir,
        urls={},
        files={},
        latency_ms=latency_ms,
        ground_truth_path=workdir / GROUND_TRUTH_FILENAME,
    )
    apps: dict[str, AppFactory] = {
        CMS: lambda population, settings, seed: cms.create_app(population, settings, seed=seed)
    }
    for name, system in simulated.items():
        if system.create_app is not None:
            apps[name] = system.create_app
        elif system.write_file is not None and system.file_kind is not None:
            sandbox.files[name] = system.write_file(population, workdir)
            sandbox._file_faults[name] = FileFaults(sandbox.files[name], kind=system.file_kind)
    population.write_ground_truth(sandbox.ground_truth_path)
    runners: list[web.AppRunner] = []
    try:
        for offset, (system_name, create_app) in enumerate(apps.items()):
            settings = FaultSettings(mode=cast(FaultMode, faults.get(system_name, "none")), latency_ms=latency_ms)
            app = create_app(population, settings, seed + offset)
            # handler_cancellation: a client that gives up on a `slow` request cancels its handler.
            runner = web.AppRunner(
                app, handler_cancellation=True, shutdown_timeout=_SHUTDOWN_TIMEOUT_SECONDS, access_log=None
            )
            await runner.setup()
            runners.append(runner)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            sandbox._http_faults[system_name] = app[FAULTS_KEY]
            sandbox.urls[system_name] = f"http://127.0.0.1:{_bound_port(runner)}"
        for system_name in sandbox.files:
            if system_name in faults:
                sandbox._file_faults[system_name].apply(cast(FileFaultMode, faults[system_name]))
        yield sandbox
    finally:
        # One turn of the loop lets connections a client has just dropped reach the server before it shuts down
        # (otherwise aiohttp can leave such a socket unclosed when a held `slow` request is being released).
        await asyncio.sleep(0)
        for file_faults in sandbox._file_faults.values():
            file_faults.clear()
        for runner in reversed(runners):
            await runner.cleanup()


def _bound_port(runner: web.AppRunner) -> int:
    addresses = runner.addresses
    return int(addresses[0][1])
