"""The simulated systems in a process of their own, for benchmarks that must not share a process with them.

    python -m benchmarks.sandbox_process --workdir DIR --households 300 --latency-ms 0

Starts the sandbox (`sandbox.runner.start_sandbox`), prints one JSON line on stdout with where everything is
(`urls`, `files`, `workdir`; `police_csv` and `school_db` as older code names them), and serves until SIGTERM or SIGINT.
Why a process of its own: the gateway's CPU counters and the load generator's must not include the simulated
systems' work, and at zero injected latency the systems need a core's worth of CPU of their own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from pathlib import Path

from sandbox.runner import start_sandbox


async def serve(workdir: Path, households: int, latency_ms: int) -> None:
    async with start_sandbox(workdir, households=households, latency_ms=latency_ms) as sandbox:
        where = {
            "urls": sandbox.urls,
            "files": {name: str(path) for name, path in sandbox.files.items()},
            "police_csv": str(sandbox.police_csv),
            "school_db": str(sandbox.school_db),
            "workdir": str(sandbox.workdir),
            "ground_truth": str(sandbox.ground_truth_path),
        }
        print(json.dumps(where), flush=True)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(Path(args.workdir), args.households, args.latency_ms))


if __name__ == "__main__":
    main()
