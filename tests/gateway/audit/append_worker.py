"""One writer process of the concurrency test: opens the trail, says "ready", waits for "go" on stdin, then makes
hundreds of concurrent appends (and a few sequential ones) and says "done" with when it started and finished.
The MAC key comes from FC_AUDIT_KEY.

    python -m tests.gateway.audit.append_worker '{"backend": "sqlite", "path": "..."}' NAME APPENDS
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from gateway.audit.open_trail import open_audit_trail
from gateway.audit.settings import AuditSettings
from tests.gateway.audit.support import event

SEQUENTIAL = 20


def calls(name: str, appends: int) -> list[list[str]]:
    """Request ids per append: 1 to 3 events each."""
    return [[f"{name}-{n}-{i}" for i in range(1 + n % 3)] for n in range(appends)]


async def run(settings: AuditSettings, name: str, appends: int) -> None:
    async with open_audit_trail(settings) as trail:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        started = time.monotonic()  # CLOCK_MONOTONIC: comparable between processes on one machine

        async def append(n: int, call: list[str]) -> None:
            await asyncio.sleep((n % 150) / 1000)  # spread over 150 ms: many batches, racing the other process
            await trail.append([event(n, request_id=rid, actor_id=name) for rid in call])

        await asyncio.gather(*(append(n, call) for n, call in enumerate(calls(name, appends))))
        for n in range(SEQUENTIAL):
            await trail.append([event(n, request_id=f"{name}-seq-{n}", actor_id=name)])
        finished = time.monotonic()
    print(f"done {started} {finished}", flush=True)


def main() -> None:
    raw = json.loads(sys.argv[1])
    if "path" in raw:
        raw["path"] = Path(raw["path"])
    asyncio.run(run(AuditSettings(**raw), sys.argv[2], int(sys.argv[3])))


if __name__ == "__main__":
    main()
