"""The audit benchmark's direct appends (back to back, and each after an idle pause) go through the real store:
every append is committed as a request of its own and the chain still verifies (no timing is asserted here)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from benchmarks import audit_overhead
from gateway.audit.open_trail import open_audit_trail
from gateway.audit.settings import AuditSettings
from tests.gateway.audit.support import event


@pytest.mark.parametrize("idle_s", [0.0, 0.002])
async def test_direct_appends_commit_each_request_and_keep_the_chain(
    tmp_path: Path, idle_s: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_overhead, "DIRECT_APPENDS", 5)
    settings = AuditSettings(path=tmp_path / "audit.sqlite", timeout_s=2.0)
    sample = [event(0), event(1, subject_ids=("P1", "P2"))]
    async with open_audit_trail(settings, key=secrets.token_bytes(32)) as trail:
        median_ms = await audit_overhead.direct_appends(trail, sample, idle_s=idle_s)
        stored = [s.event async for s in trail.export()]
        report = await trail.verify()

    assert median_ms > 0
    assert [e.request_id for e in stored] == [f"bench-direct-{n}" for n in range(5) for _ in sample]
    assert [e.subject_ids for e in stored[:2]] == [("P1",), ("P1", "P2")]
    assert report.ok
