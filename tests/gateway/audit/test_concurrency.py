"""Two OS processes, each with hundreds of concurrent appends, writing one trail at the same moment: no event is
lost, no position reused or skipped, each append's events stay together and in order, and the chain verifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gateway.audit.open_trail import open_audit_trail
from gateway.audit.settings import AuditSettings
from tests.gateway.audit.append_worker import SEQUENTIAL, calls
from tests.gateway.audit.support import all_events

ROOT = Path(__file__).resolve().parents[3]
APPENDS = 300
WORKERS = ("alpha", "beta")


def worker_settings(settings: AuditSettings) -> str:
    raw: dict[str, object] = {"backend": settings.backend, "table_prefix": settings.table_prefix, "timeout_s": 20.0}
    if settings.backend == "sqlite":
        raw["path"] = str(settings.path)
    else:
        raw["dsn"] = settings.dsn
    return json.dumps(raw)


async def test_two_processes_append_concurrently(store_settings: AuditSettings, key: bytes) -> None:
    async with open_audit_trail(store_settings, key=key):
        pass  # the tables exist before the race (the workers would also create them safely)
    env = {**os.environ, "FC_AUDIT_KEY": key.hex()}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.gateway.audit.append_worker",
                worker_settings(store_settings),
                name,
                str(APPENDS),
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in WORKERS
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:  # both start appending at the same moment
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        spans = []
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err
            word, started, finished = out.split()
            assert word == "done"
            spans.append((float(started), float(finished)))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    async with open_audit_trail(store_settings, key=key) as trail:
        stored = await all_events(trail)
        report = await trail.verify()
    per_worker = sum(len(call) for call in calls("x", APPENDS)) + SEQUENTIAL
    assert len(stored) == len(WORKERS) * per_worker
    assert [s.position for s in stored] == list(range(1, len(stored) + 1))
    assert report.ok and report.checked == len(stored)
    position = {s.event.request_id: s.position for s in stored}
    assert len(position) == len(stored)  # every request id exactly once
    for name in WORKERS:
        for call in calls(name, APPENDS):
            positions = [position[rid] for rid in call]
            assert positions == list(range(positions[0], positions[0] + len(call)))
        sequential = [position[f"{name}-seq-{n}"] for n in range(SEQUENTIAL)]
        assert sequential == sorted(sequential)
    writers = [s.event.actor_id for s in stored]
    assert writers.count("alpha") == writers.count("beta") == per_worker
    assert max(start for start, _ in spans) < min(end for _, end in spans), "the two writers never overlapped"
