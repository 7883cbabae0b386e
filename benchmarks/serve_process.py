"""`family-context serve` in a process of its own, and what the load test reads of it from outside.

Why a process of its own: the load test measures the gateway as deployed, so its memory (VmRSS from
/proc/<pid>/status), its CPU time (/proc/<pid>/stat) and its log (stdout and stderr, to a file) are its own, not
shared with the simulated systems or the load generator. Started as `make bench` starts it
(`python -m gateway.cli serve`, the `family-context` entry point), with `free_port` and `wait_healthy` of the
audit benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.audit_overhead import free_port, wait_healthy
from benchmarks.family_context import ROOT

PROBLEM_MARKERS = ("Traceback", " ERROR ", " CRITICAL ")


@dataclass(frozen=True)
class ServedGateway:
    url: str
    pid: int
    log_path: Path

    def rss_mib(self) -> float:
        """The process's resident set size now, in MiB (VmRSS)."""
        return status_kib(self.pid, "VmRSS") / 1024

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far."""
        return process_cpu_seconds(self.pid)

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_problems(self, since: int = 0) -> list[str]:
        """Log lines from byte offset `since` on that show a traceback or an ERROR/CRITICAL record."""
        with self.log_path.open("rb") as log:
            log.seek(since)
            text = log.read().decode("utf-8", "replace")
        return [line for line in text.splitlines() if any(marker in line for marker in PROBLEM_MARKERS)]


def status_kib(pid: int, field: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM, ...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of /proc/<pid>/stat, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of the whole line
    return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def serve_gateway(
    config_path: Path, log_path: Path, *, log_level: str = "WARNING", host: str = "127.0.0.1"
) -> AsyncIterator[ServedGateway]:
    """`family-context serve --config config_path` on a free loopback port until the block exits (then SIGTERM)."""
    port = free_port()
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.cli", "serve", "--config", str(config_path),
            "--host", host, "--port", str(port), "--log-level", log_level,
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://{host}:{port}"
    try:
        await wait_healthy(url, process)
        yield ServedGateway(url=url, pid=process.pid, log_path=log_path)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
