"""The school SQL adapter on real SQLite files: the sandbox's database and broken ones in tmp_path."""

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from linkage.sound_keys import soundex
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


async def test_by_surname_alone_when_the_date_of_birth_is_unknown(sandbox: RunningSandbox) -> None:
    from linkage import Demographics

    pupil = next(p for p in sandbox.population.school.pupils if p.identity.date_of_birth is not None)
    adapter = school(sandbox.school_db)
    surname_only = Demographics(given_name=None, family_name=pupil.identity.family_name)
    [candidates] = await adapter.find_people([surname_only])
    assert pupil.upn in {c.record_id for c in candidates}
    # Every candidate has the surname, now or before, or (filling up to 50) one that sounds the same.
    sound = soundex(pupil.identity.family_name)
    assert all(
        (c.person.family_name and c.person.family_name.upper() == pupil.identity.family_name.upper())
        or pupil.identity.family_name.upper() in {n.upper() for n in c.person.other_family_names}
        or sound in {soundex(n) for n in (c.person.family_name or "", *c.person.other_family_names)}
        for c in candidates
    )


async def test_a_pupil_without_a_date_of_birth_is_a_candidate_by_surname(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    import datetime
    import shutil

    from linkage import Demographics

    copy = tmp_path / "school.sqlite"
    shutil.copy(sandbox.school_db, copy)
    pupil = next(p for p in sandbox.population.school.pupils if p.identity.date_of_birth is not None)
    db = sqlite3.connect(copy)
    try:
        with db:
            db.execute("UPDATE pupil SET dob = NULL, birth_year = NULL WHERE upn = ?", (pupil.upn,))
    finally:
        db.close()
    adapter = school(copy)
    someone = Demographics(
        given_name=pupil.identity.given_name,
        family_name=pupil.identity.family_name,
        date_of_birth=datetime.date(1950, 1, 1),
    )
    [candidates] = await adapter.find_people([someone])
    assert pupil.upn in {c.record_id for c in candidates}


async def test_a_family_name_typed_wrong_is_found_by_its_sound(sandbox: RunningSandbox) -> None:
    from linkage import Demographics
    from tests.typos import vowel_typo

    pupil = next(p for p in sandbox.population.school.pupils if vowel_typo(p.identity.family_name))
    typed = vowel_typo(pupil.identity.family_name)
    adapter = school(sandbox.school_db)

    [found, other_forename] = await adapter.find_people(
        [
            Demographics(given_name=pupil.identity.given_name, family_name=typed),
            Demographics(given_name="Xzavier", family_name=typed),
        ]
    )

    assert pupil.upn in {c.record_id for c in found}
    assert pupil.upn not in {c.record_id for c in other_forename}


async def test_without_the_soundex_columns_the_exact_keys_still_work(
    sandbox: RunningSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A school system's own database may lack `surname_sound`: the adapter falls back to the exact keys."""
    import shutil

    from linkage import Demographics
    from tests.typos import vowel_typo

    copy = tmp_path / "school.sqlite"
    shutil.copy(sandbox.school_db, copy)
    db = sqlite3.connect(copy)
    try:
        with db:
            for index in ("pupil_surname_sound_year", "pupil_former_surname_sound_year"):
                db.execute(f"DROP INDEX {index}")
            for column in ("surname_sound", "former_surname_sound"):
                db.execute(f"ALTER TABLE pupil DROP COLUMN {column}")
    finally:
        db.close()
    pupil = next(p for p in sandbox.population.school.pupils if vowel_typo(p.identity.family_name))
    name = pupil.identity.family_name
    adapter = school(copy)

    [exact, typed] = await adapter.find_people(
        [
            Demographics(given_name=pupil.identity.given_name, family_name=name),
            Demographics(given_name=pupil.identity.given_name, family_name=vowel_typo(name)),
        ]
    )
    await adapter.find_people([Demographics(given_name=None, family_name=name)])

    assert pupil.upn in {c.record_id for c in exact}
    assert typed == []
    warnings = [r.getMessage() for r in caplog.records if "surname_sound" in r.getMessage()]
    assert len(warnings) == 1
    assert name not in warnings[0]


def own_threads(others: set[threading.Thread]) -> list[threading.Thread]:
    """The adapter's worker threads (other tests' adapters may still have threads of the same name)."""
    return [t for t in threading.enumerate() if t.name.startswith("school-sql-Synergy") and t not in others]


@pytest.mark.parametrize("inline", [True, False], ids=["event-loop-first", "pool-only"])
async def test_long_lived_connections_follow_the_file_as_it_is_replaced(
    sandbox: RunningSandbox, tmp_path: Path, inline: bool
) -> None:
    """Connections are kept between calls, but a file moved away is unavailable at once, a new file moved into
    place is read (not the old one through a kept connection), and close() stops the worker threads: on the
    event loop's connection and on the pool's alike."""
    import shutil

    path = tmp_path / "school.sqlite"
    shutil.copy(sandbox.school_db, path)
    others = set(threading.enumerate())
    adapter = SchoolSqlAdapter(
        SourceSettings(service=Service.SCHOOL, system="Synergy", kind="school_sql", path=str(path), timeout_s=1.0),
        inline=inline,
    )
    upn = sandbox.population.school.pupils[0].upn
    assert (await adapter.get_records([upn]))[0] is not None
    assert (await adapter.get_records([upn]))[0] is not None
    threads = own_threads(others)
    # On the event loop first, a quick look-up starts no thread; to the pool, it runs in the adapter's own.
    assert bool(threads) is not inline

    aside = tmp_path / "aside.sqlite"
    path.replace(aside)
    assert await reason_of(adapter) == "unavailable"
    path.write_bytes(b"This is not an SQLite database.\n" * 64)
    assert await reason_of(adapter) == "malformed"
    aside.replace(path)
    assert (await adapter.get_records([upn]))[0] is not None

    await adapter.close()
    assert not any(t.is_alive() for t in threads)


async def test_a_locked_database_is_waited_for_in_the_pool_not_on_the_event_loop(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """The event loop's connection never waits for a lock: the call goes to the pool, which waits (within the
    timeout) while the loop stays free, and answers once the lock is released."""
    import shutil

    path = tmp_path / "school.sqlite"
    shutil.copy(sandbox.school_db, path)
    others = set(threading.enumerate())
    adapter = school(path, timeout_s=2.0)
    upn = sandbox.population.school.pupils[0].upn
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    asyncio.get_running_loop().call_later(0.3, lambda: holder.execute("ROLLBACK"))
    started = time.monotonic()
    try:
        assert (await adapter.get_records([upn]))[0] is not None
    finally:
        ticker.cancel()
        holder.close()
    assert time.monotonic() - started >= 0.25  # it waited for the lock...
    assert ticks >= 10  # ...without holding up the event loop
    assert own_threads(others), "the wait was the pool's"
    await adapter.close()


async def test_a_call_that_outruns_its_budget_on_the_event_loop_goes_to_the_pool(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Interrupted by SQLite's progress handler at the budget, the call is made again in the pool (the same answer),
    and the adapter keeps to the pool for a while rather than wasting the budget on every call."""
    import sources.school as school_module

    upn = sandbox.population.school.pupils[0].upn
    expected = (await school(sandbox.school_db).get_records([upn]))[0]
    monkeypatch.setattr(school_module, "INLINE_BUDGET_S", 0.0)
    monkeypatch.setattr(school_module, "PROGRESS_STEPS", 1)
    others = set(threading.enumerate())
    adapter = school(sandbox.school_db)
    with caplog.at_level("INFO", logger="sources.school"):
        assert (await adapter.get_records([upn]))[0] == expected
    assert own_threads(others), "made again in the pool"
    assert any("outran" in r.getMessage() for r in caplog.records)
    caplog.clear()  # the budget is still spent at once: tried on the event loop again, it would outrun it again
    with caplog.at_level("INFO", logger="sources.school"):
        assert (await adapter.get_records([upn]))[0] == expected
    assert not any("outran" in r.getMessage() for r in caplog.records)
    await adapter.close()


async def test_a_bulk_call_goes_to_the_pool_and_leaves_the_event_loop_path_to_the_rest(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A chunk for more than `INLINE_MAX_SIZE` people is the pool's at once (it may well take longer than the
    budget), so a bulk request does not pause the event loop's path for the small calls after it."""
    import sources.school as school_module

    pupils = list(sandbox.population.school.pupils)
    many = [p.upn for p in pupils[: school_module.INLINE_MAX_SIZE + 1]]
    others = set(threading.enumerate())
    adapter = school(sandbox.school_db, max_batch_size=100)
    assert all(record is not None for record in await adapter.get_records(many))
    assert own_threads(others), "the bulk call ran in the pool"
    # The budget now spent at once: a small call still tries the event loop first (and says it outran it).
    monkeypatch.setattr(school_module, "INLINE_BUDGET_S", 0.0)
    monkeypatch.setattr(school_module, "PROGRESS_STEPS", 1)
    with caplog.at_level("INFO", logger="sources.school"):
        assert (await adapter.get_records([pupils[0].upn]))[0] is not None
    assert any("outran" in r.getMessage() for r in caplog.records)
    await adapter.close()
