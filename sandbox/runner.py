"""Start every simulated system on loopback and write the file-based ones into a work directory.

>>> async with start_sandbox(tmp_path, seed=1, households=200) as sandbox:
...     sandbox.urls["cms"]                 # 'http://127.0.0.1:41234'
...     await sandbox.set_fault("housing", "down")
...     sandbox.clear_fault("housing")

The HTTP systems (CMS, adult social care, housing) listen on port 0 and report the ports they were given; the
police extract, the schools' database and `ground_truth.json` are written into the work directory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from aiohttp import web

from sandbox import adult_social_care, cms, housing
from sandbox.faults import FAULTS_KEY, FaultMode, FaultSettings, SystemFaults
from sandbox.file_faults import FileFaultMode, FileFaults
from sandbox.ground_truth import FILE_SYSTEMS, HTTP_SYSTEMS, SYSTEMS
from sandbox.police import EXTRACT_FILENAME, write_extract
from sandbox.population import Population, generate
from sandbox.school import DATABASE_FILENAME, write_database

GROUND_TRUTH_FILENAME = "ground_truth.json"
AppFactory = Callable[..., web.Application]
_APP_FACTORIES: dict[str, AppFactory] = {
    "cms": cms.create_app,
    "adult_social_care": adult_social_care.create_app,
    "housing": housing.create_app,
}
# Held `slow` requests are released on shutdown; this only bounds a handler that ignores that.
_SHUTDOWN_TIMEOUT_SECONDS = 2.0


@dataclass
class RunningSandbox:
    """The running systems: where they are, the population behind them, and their fault knobs."""

    population: Population
    workdir: Path
    urls: dict[str, str]  # cms, adult_social_care, housing -> base URL without a trailing slash
    police_csv: Path
    school_db: Path
    ground_truth_path: Path
    latency_ms: int = 0
    _http_faults: dict[str, SystemFaults] = field(default_factory=dict, repr=False)
    _file_faults: dict[str, FileFaults] = field(default_factory=dict, repr=False)

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
            raise ValueError(f"unknown HTTP system {system!r}; expected one of {', '.join(HTTP_SYSTEMS)}")
        return self._http_faults[system]


@contextlib.asynccontextmanager
async def start_sandbox(
    workdir: Path,
    *,
    seed: int = 1,
    households: int = 200,
    latency_ms: int = 0,
    faults: Mapping[str, str] | None = None,
    population: Population | None = None,
) -> AsyncIterator[RunningSandbox]:
    """Run every simulated system until the block exits; `faults` maps a system to `down|slow|garbage`."""
    faults = dict(faults or {})
    unknown = set(faults) - set(SYSTEMS)
    if unknown:
        raise ValueError(f"unknown systems in faults: {', '.join(sorted(unknown))}")
    population = population or generate(seed, households)
    workdir.mkdir(parents=True, exist_ok=True)
    sandbox = RunningSandbox(
        population=population,
        workdir=workdir,
        urls={},
        latency_ms=latency_ms,
        police_csv=write_extract(population, workdir / EXTRACT_FILENAME),
        school_db=write_database(population, workdir / DATABASE_FILENAME),
        ground_truth_path=workdir / GROUND_TRUTH_FILENAME,
    )
    population.write_ground_truth(sandbox.ground_truth_path)
    sandbox._file_faults = {
        "police": FileFaults(sandbox.police_csv, kind="csv"),
        "school": FileFaults(sandbox.school_db, kind="sqlite"),
    }
    runners: list[web.AppRunner] = []
    try:
        for offset, system in enumerate(HTTP_SYSTEMS):
            settings = FaultSettings(mode=cast(FaultMode, faults.get(system, "none")), latency_ms=latency_ms)
            app = _APP_FACTORIES[system](population, settings, seed=seed + offset)
            # handler_cancellation: a client that gives up on a `slow` request cancels its handler.
            runner = web.AppRunner(
                app, handler_cancellation=True, shutdown_timeout=_SHUTDOWN_TIMEOUT_SECONDS, access_log=None
            )
            await runner.setup()
            runners.append(runner)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            sandbox._http_faults[system] = app[FAULTS_KEY]
            sandbox.urls[system] = f"http://127.0.0.1:{_bound_port(runner)}"
        for system in FILE_SYSTEMS:
            if system in faults:
                sandbox._file_faults[system].apply(cast(FileFaultMode, faults[system]))
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
