"""Benchmark: instructions per query in the gateway process, counted by callgrind, this checkout beside a baseline.

    python -m benchmarks.instructions [--baseline DIR] [--family 40] [--tiny 100] [--no-write]

Why: on a shared 2-core machine, CPU time per query moves by a third from one hour to the next, and two runs of
`benchmarks/gateway_cpu.py` cannot tell a 2% change from noise. Instructions executed do not depend on what else
the machine is doing: the same code, inputs and environment count the same within about half a per cent. So a change
to the gateway's code can be measured here in a minute, and confirmed in CPU time by `gateway_cpu` afterwards.

How: the simulated systems run in their own process at zero latency (`benchmarks/sandbox_process.py`); each
gateway runs `family-context serve` under `valgrind --tool=callgrind` with counting off while it starts, is warmed
up, counts (`callgrind_control -i on`) over queries sent one at a time, and stops counting. Every thread of the
gateway's process is counted (the audit writer's too); the kernel's work (system calls, the disk's sync) is not:
instructions measure the gateway's own code, CPU time measures everything. The counts are written to
`benchmarks/.work/instructions/` (callgrind's files: `callgrind_annotate` shows where they go).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from benchmarks.audit_overhead import free_port, wait_healthy
from benchmarks.gateway_cpu import FAMILY_QUERY, TINY_QUERY, Code, Gateway, block, sandbox_process, write_config_for
from benchmarks.report_file import publish

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "benchmarks" / ".work" / "instructions"
REPORT = ROOT / "docs" / "benchmarks.md"
HEADING = "## Instructions per query (callgrind)"
WARM_UP = 15
START_TIMEOUT_S = 600.0  # a gateway under valgrind starts in about 10 s here


@dataclasses.dataclass(frozen=True)
class Counted:
    code: str
    query: str
    queries: int
    instructions: int

    @property
    def per_query(self) -> float:
        return self.instructions / self.queries


def tools() -> tuple[str, str]:
    valgrind, control = shutil.which("valgrind"), shutil.which("callgrind_control")
    if valgrind is None or control is None:
        raise SystemExit("valgrind (with callgrind_control) is needed: `apt-get install valgrind`")
    return valgrind, control


@contextlib.asynccontextmanager
async def counted_gateway(code: Code, config: Path, out: Path) -> AsyncIterator[Gateway]:
    """`family-context serve` under callgrind, counting nothing until told to."""
    valgrind, _ = tools()
    port = free_port()
    log = (WORKDIR / f"gateway-{code.name}.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        valgrind, "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
        code.python, "-m", "gateway.cli", "serve", "--config", str(config), "--port", str(port),
        "--log-level", "WARNING",
        cwd=code.root, stdout=log, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        try:  # slower under valgrind than a plain gateway
            await wait_healthy(url, process, timeout_s=START_TIMEOUT_S, poll_s=0.5)
        except RuntimeError:
            raise RuntimeError(f"the gateway under callgrind at {url} did not start (see {WORKDIR})") from None
        yield Gateway(code, url, process.pid, 1)
    finally:
        if process.returncode is None:
            process.terminate()  # the gateway shuts down; callgrind writes its counts as the process exits
        await process.wait()
        log.close()


async def counting(pid: int, on: bool) -> None:
    _, control = tools()
    process = await asyncio.create_subprocess_exec(
        control, "-i", "on" if on else "off", str(pid),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    if await process.wait() != 0:
        raise RuntimeError(f"callgrind_control could not switch counting {'on' if on else 'off'}")


def total_instructions(out: Path) -> int:
    """The `totals:` of every file callgrind wrote for the run (one per process part)."""
    total = 0
    for path in sorted(out.parent.glob(out.name + "*")):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("totals:"):
                total += int(line.split()[1])
                break
    return total


async def count(code: Code, where: dict[str, object], query_name: str, queries: int) -> Counted:
    config = await write_config_for(code, where, WORKDIR / f"authority-{code.name}.toml")
    out = WORKDIR / f"callgrind.{code.name}.{query_name}.out"
    for old in out.parent.glob(out.name + "*"):
        old.unlink()
    query = FAMILY_QUERY if query_name == "family" else TINY_QUERY
    cms_ids = [f"C{i:06d}" for i in range(1, 200)]
    async with counted_gateway(code, config, out) as gw, aiohttp.ClientSession() as session:
        await block(session, gw, query, cms_ids, concurrency=1, total=WARM_UP)
        await counting(gw.pid, True)
        await block(session, gw, query, cms_ids, concurrency=1, total=queries)
        await counting(gw.pid, False)
    instructions = total_instructions(out)
    if instructions <= 0:
        raise RuntimeError(f"{code.name}: callgrind counted nothing (see {WORKDIR})")
    print(f"{code.name} {query_name}: {instructions / queries / 1e6:.2f} M instructions per query", flush=True)
    return Counted(code.name, query_name, queries, instructions)


async def main_async(args: argparse.Namespace) -> list[Counted]:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    codes = []
    if args.baseline:
        root = Path(args.baseline).resolve()
        python = str(Path(args.baseline_python).absolute()) if args.baseline_python else str(root / ".venv/bin/python")
        codes.append(Code("baseline", root, python))
    codes.append(Code("this", ROOT, sys.executable))
    found = []
    async with sandbox_process(WORKDIR / "sandbox", args.households, 0) as where:
        for query_name, queries in (("family", args.family), ("tiny", args.tiny)):
            for code in codes:
                found.append(await count(code, where, query_name, queries))
    return found


def commit_of(root: Path) -> str:
    """The checkout's commit, as `git describe` names it (with `-dirty` for uncommitted changes)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "commit unknown"
    return f"commit {done.stdout.strip()}" if done.returncode == 0 and done.stdout.strip() else "commit unknown"


def report(args: argparse.Namespace, found: list[Counted], seconds: float) -> str:
    by = {(c.code, c.query): c for c in found}
    baseline = args.baseline is not None
    lines = [
        HEADING,
        "",
        f"Run on {time.strftime('%Y-%m-%d')} by `python -m benchmarks.instructions`"
        + (f" (baseline {args.baseline}, {commit_of(Path(args.baseline))}; this {commit_of(ROOT)})" if baseline else "")
        + f", in {seconds / 60:.1f} min. Instructions the gateway's process executed (every thread; not the kernel's "
        "work), counted by callgrind over queries sent one at a time at zero latency after a warm-up; the demo's "
        f"configuration, {args.households} households. Repeat runs of one code agree within about 0.5%.",
        "",
        "| query | queries counted | this code | baseline | ratio |" if baseline else "| query | queries | this code |",
        "|---|---|---|---|---|" if baseline else "|---|---|---|",
    ]
    for query_name in ("family", "tiny"):
        this = by[("this", query_name)]
        row = f"| {query_name} | {this.queries} | {this.per_query / 1e6:.2f} M"
        if baseline:
            base = by[("baseline", query_name)]
            row += f" | {base.per_query / 1e6:.2f} M | {this.per_query / base.per_query:.3f}x"
        lines.append(row + " |")
    lines += [
        "",
        "Reproduce: `make bench-instructions` (`BASELINE=DIR` to compare with another checkout, as for `make bench`).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="a checkout of the code to compare with, with its own .venv")
    parser.add_argument("--baseline-python", help="the baseline's interpreter (default DIR/.venv/bin/python)")
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--family", type=int, default=40, help="family queries counted")
    parser.add_argument("--tiny", type=int, default=100, help="tiny queries counted")
    parser.add_argument("--no-write", action="store_true", help="print the report without writing docs/")
    args = parser.parse_args()
    started = time.perf_counter()
    found = asyncio.run(main_async(args))
    text = report(args, found, time.perf_counter() - started)
    publish(REPORT, text, write=not args.no_write)


if __name__ == "__main__":
    main()
