"""The school SQL adapter on real SQLite files: the sandbox's database and broken ones in tmp_path."""

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from sandbox.runner import RunningSandbox
from sources.adapter import SourceUnavailable
from sources.model import SchoolFacts, Service, SourceHealth
from sources.registry import build_adapter
from sources.school import SchoolSqlAdapter
from sources.settings import SourceSettings


def school(path: Path, **overrides: object) -> SchoolSqlAdapter:
    values: dict[str, object] = {"timeout_s": 1.0} | overrides
    return SchoolSqlAdapter(
        SourceSettings(service=Service.SCHOOL, system="Synergy", kind="school_sql", path=str(path), **values)  # type: ignore[arg-type]
    )


async def reason_of(adapter: SchoolSqlAdapter) -> str:
    with pytest.raises(SourceUnavailable) as raised:
        await adapter.get_records(["A1"])
    return raised.value.reason


async def test_pupils_by_upn_and_by_demographics_in_chunks(sandbox: RunningSandbox) -> None:
    adapter = school(sandbox.school_db, max_batch_size=2)
    upns = [pupil.upn for pupil in list(sandbox.population.school.pupils)[:5]]
    records = await adapter.get_records([*upns, "NOPE"])
    assert [r.record_id if r else None for r in records] == [*upns, None]
    assert all(isinstance(r.facts, SchoolFacts) and r.facts.enrolments for r in records if r)
    assert adapter.info.as_of is not None

    found = await adapter.find_people([r.person for r in records if r])
    assert [upn in {c.record_id for c in candidates} for upn, candidates in zip(upns, found, strict=True)] == [True] * 5
    assert await adapter.residents_at([]) == []
    assert await adapter.check_health() is SourceHealth.UP


async def test_missing_and_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "school.sqlite"
    adapter = school(path)
    assert await reason_of(adapter) == "unavailable"
    assert await adapter.check_health() is SourceHealth.DOWN
    path.write_bytes(b"This is not an SQLite database.\n" * 64)
    assert await reason_of(adapter) == "malformed"


async def test_a_locked_database_times_out_within_the_timeout(sandbox: RunningSandbox, tmp_path: Path) -> None:
    holder = sqlite3.connect(sandbox.school_db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        adapter = build_adapter(
            SourceSettings(
                service=Service.SCHOOL, system="Synergy", kind="school_sql", path=str(sandbox.school_db), timeout_s=0.5
            ),
            session=None,  # type: ignore[arg-type]  # an SQL source needs no HTTP session
        )
        assert isinstance(adapter, SchoolSqlAdapter)
        started = time.monotonic()
        assert await reason_of(adapter) == "timed out"
        assert time.monotonic() - started < 0.8
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await asyncio.sleep(0)


async def test_each_call_is_observed_once(sandbox: RunningSandbox) -> None:
    seen: list[tuple[str, str, str]] = []
    adapter = SchoolSqlAdapter(
        SourceSettings(service=Service.SCHOOL, system="Synergy", kind="school_sql", path=str(sandbox.school_db)),
        observer=lambda system, operation, seconds, outcome: seen.append((system, operation, outcome)),
    )
    pupil = sandbox.population.school.pupils[0]
    (record,) = await adapter.get_records([pupil.upn])
    assert record is not None
    await adapter.find_people([record.person])
    assert seen == [("Synergy", "pupils.get", "ok"), ("Synergy", "pupils.find", "ok")]
