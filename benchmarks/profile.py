"""`make profile`: where the gateway's CPU goes under the benchmark's load, with py-spy.

    python -m benchmarks.profile [--seconds 20] [--concurrency 8] [--latency-ms 0] [--query family|tiny|children]

Starts the simulated systems (`benchmarks/sandbox_process.py`) and one gateway (`family-context serve`), each in
its own process, warms the gateway up, then runs the query at the given concurrency while py-spy samples the
gateway's process. Writes into `.prof/` (not committed):

* `gateway-<query>.txt`: py-spy's collapsed stacks ("frame;frame;... count"), for grep, flamegraph.pl or
  speedscope (which opens this format);
* `gateway-<query>-top.txt`: the functions with the most samples, per function (lines added up): own samples and
  samples with callees, every thread that held the GIL (so the school adapter's worker threads too).

py-spy reads the process from outside (ptrace), so the gateway runs unmodified at full speed; `--gil` keeps only
samples holding the GIL (the Python work of the event loop), `--idle` is left off.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import shutil
import sys
import time
from pathlib import Path

import aiohttp

from benchmarks.family_context import CHILDREN_QUERY
from benchmarks.gateway_cpu import FAMILY_QUERY, TINY_QUERY, Code, block, gateway, sandbox_process, write_config_for

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".prof"
WORKDIR = ROOT / "benchmarks" / ".work" / "profile"


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install -e '.[dev]'")
    return found


def _function(frame: str) -> str:
    """'name (path/file.py:123)' -> 'name (path/file.py)': samples add up per function, not per line."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else frame


def top_functions(collapsed: Path, limit: int = 40) -> str:
    """Own and total samples per function, from py-spy's collapsed stacks ("frame;frame;frame count")."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(frame) for frame in stack.split(";")]
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    lines = [f"{samples} samples", "", "own%   total%  function"]
    for frame, count in own.most_common(limit):
        lines.append(f"{100 * count / samples:5.1f}  {100 * total[frame] / samples:6.1f}  {frame}")
    lines += ["", "by total (with callees):", ""]
    for frame, count in total.most_common(limit):
        lines.append(f"{100 * count / samples:6.1f}  {frame}")
    return "\n".join(lines) + "\n"


async def run(args: argparse.Namespace) -> None:
    OUT.mkdir(exist_ok=True)
    WORKDIR.mkdir(parents=True, exist_ok=True)
    code = Code("this", ROOT, sys.executable)
    cms_ids = [f"C{i:06d}" for i in range(1, 61)]
    query = {"family": FAMILY_QUERY, "tiny": TINY_QUERY}.get(args.query)
    async with sandbox_process(WORKDIR / "sandbox", 500 if args.query == "children" else 300, args.latency_ms) as where:
        config = await write_config_for(code, where, WORKDIR / "authority.toml")
        async with (
            gateway(code, config) as gw,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=128)) as session,
        ):
            await block(session, gw, FAMILY_QUERY, cms_ids, concurrency=4, total=60)
            stem = OUT / f"gateway-{args.query}"
            common = [py_spy(), "record", "--pid", str(gw.pid), "--rate", "250", "--duration", str(args.seconds)]
            common += ["--gil"] if args.gil else []
            spy = await asyncio.create_subprocess_exec(
                *common, "--format", "raw", "--output", f"{stem}.txt", stdout=asyncio.subprocess.DEVNULL
            )
            cpu = gw.cpu_seconds()
            started = time.perf_counter()
            done = 0
            while time.perf_counter() - started < args.seconds:
                if query is None:
                    body = {"query": CHILDREN_QUERY, "variables": {"cmsIds": [f"C{i:06d}" for i in range(1, 501)]}}
                    async with session.post(f"{gw.url}/graphql", json=body, headers={"X-Purpose": "ASSESSMENT"}) as r:
                        await r.read()
                    done += 1
                else:
                    done += (await block(session, gw, query, cms_ids, concurrency=args.concurrency, total=40)).queries
            cpu = gw.cpu_seconds() - cpu
            await spy.wait()
    print(f"{done} {args.query} queries, gateway CPU {cpu * 1000 / max(done, 1):.2f} ms per query")
    collapsed = Path(f"{stem}.txt")
    if collapsed.exists():
        (OUT / f"gateway-{args.query}-top.txt").write_text(top_functions(collapsed))
        print(f"wrote {collapsed} and {OUT / f'gateway-{args.query}-top.txt'}")
        with contextlib.suppress(Exception):
            print((OUT / f"gateway-{args.query}-top.txt").read_text()[:4000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--query", choices=("family", "tiny", "children"), default="family")
    parser.add_argument("--gil", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
