"""The police CSV extract and the schools' SQLite database: readable, as the README says, and their faults."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from sandbox.candidates import soundex
from sandbox.police import HEADER
from sandbox.police_records import NON_SAFEGUARDING_DESCRIPTIONS, SAFEGUARDING_DESCRIPTIONS
from sandbox.runner import RunningSandbox

README = Path(__file__).parents[2] / "sandbox" / "README.md"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def query(path: Path, sql: str, *, timeout: float = 5.0) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(path, timeout=timeout)) as connection:
        return connection.execute(sql).fetchall()


def test_police_extract_matches_the_readme(sandbox: RunningSandbox) -> None:
    readme_header = re.search(r"^record_id,.*$", README.read_text(encoding="utf-8"), re.MULTILINE)
    assert readme_header is not None
    rows = read_csv(sandbox.police_csv)

    assert tuple(readme_header.group(0).split(",")) == HEADER
    assert tuple(rows[0]) == HEADER
    assert len({row["extracted_at"] for row in rows}) == 1
    known = {d for ds in SAFEGUARDING_DESCRIPTIONS.values() for d in ds} | set(NON_SAFEGUARDING_DESCRIPTIONS)
    for row in rows:
        assert re.fullmatch(r"PN-\d{6}", row["record_id"])
        assert row["role"] in {"offender", "suspect", "victim"}
        assert row["outcome"] in {"convicted", "charged", "cautioned", "no further action", "under investigation"}
        assert row["offence_description"] in known
        assert row["surname"] == row["surname"].upper()
        datetime.date.fromisoformat(row["offence_date"])
        if row["date_of_birth"]:
            datetime.datetime.strptime(row["date_of_birth"], "%d/%m/%Y")
    assert any(" " in row["forenames"] for row in rows)  # middle names on some rows
    assert len({row["record_id"] for row in rows}) < len(rows)  # several offences per person


def test_police_offences_are_recent_and_old(sandbox: RunningSandbox) -> None:
    today = sandbox.population.reference_date
    dates = [o.offence_date for r in sandbox.population.police for o in r.offences]

    assert any((today - d).days < 365 for d in dates)
    assert any((today - d).days > 5 * 365 for d in dates)


def test_school_database_has_the_readme_schema(sandbox: RunningSandbox) -> None:
    tables = {
        name: [c[1] for c in query(sandbox.school_db, f"PRAGMA table_info({name})")]
        for (name,) in query(sandbox.school_db, "SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    indexes = {
        name
        for (name,) in query(sandbox.school_db, "SELECT name FROM sqlite_master WHERE type = 'index'")
        if not name.startswith("sqlite_")
    }

    assert tables == {
        "school": ["school_id", "name", "dsl_name", "dsl_phone", "dsl_email", "local_authority"],
        "pupil": [
            "upn",
            "legal_forename",
            "preferred_forename",
            "legal_surname",
            "surname_key",
            "former_surname_key",
            "surname_sound",
            "former_surname_sound",
            "dob",
            "birth_year",
            "gender",
            "address_line1",
            "postcode",
        ],
        "enrolment": ["enrolment_id", "upn", "school_id", "registration", "entry_date", "leaving_date"],
        "extract_info": ["extracted_at"],
    }
    assert indexes == {
        "pupil_dob",
        "pupil_surname_year",
        "pupil_former_surname_year",
        "pupil_surname_sound_year",
        "pupil_former_surname_sound_year",
        "pupil_postcode",
        "enrolment_upn",
    }


def test_school_rows_follow_the_conventions(sandbox: RunningSandbox) -> None:
    db = sandbox.school_db
    registrations = {r for (r,) in query(db, "SELECT DISTINCT registration FROM enrolment")}
    genders = {g for (g,) in query(db, "SELECT DISTINCT gender FROM pupil")}
    keys = query(db, "SELECT surname_key, former_surname_key FROM pupil")
    sounds = query(db, "SELECT surname_key, surname_sound, former_surname_key, former_surname_sound FROM pupil")
    (extracted_at,) = query(db, "SELECT extracted_at FROM extract_info")

    assert registrations == {"main", "dual_main", "dual_subsidiary", "off_site"}
    assert genders <= {"F", "M", "X", "U"}
    assert all(re.fullmatch("[A-Z]+", key) for key, _ in keys)
    assert any(former for _, former in keys)
    assert all(sound == soundex(key) for key, sound, _, _ in sounds)
    assert all(sound == (soundex(former) if former else None) for _, _, former, sound in sounds)
    datetime.datetime.fromisoformat(extracted_at[0])
    orphans = query(
        db, "SELECT COUNT(*) FROM enrolment e LEFT JOIN school s USING (school_id) WHERE s.school_id IS NULL"
    )
    assert orphans == [(0,)]
    assert query(db, "SELECT COUNT(*) FROM school WHERE dsl_name IS NULL") == [(0,)]


def test_child_one_at_school_is_findable_by_dob(sandbox: RunningSandbox) -> None:
    population = sandbox.population
    pupil = next(p for c in population.children for p in population.records_of(c).school if p.identity.date_of_birth)

    rows = query(sandbox.school_db, f"SELECT upn FROM pupil WHERE dob = '{pupil.identity.date_of_birth}'")

    assert (pupil.upn,) in rows


@pytest.mark.parametrize("system", ["police", "school"])
async def test_down_means_the_file_is_absent(sandbox: RunningSandbox, system: str) -> None:
    path = sandbox.police_csv if system == "police" else sandbox.school_db

    await sandbox.set_fault(system, "down")
    assert not path.exists()

    sandbox.clear_fault(system)
    assert path.exists()


async def test_garbage_csv_has_the_wrong_header(sandbox: RunningSandbox) -> None:
    await sandbox.set_fault("police", "garbage")

    text = sandbox.police_csv.read_text(encoding="utf-8")
    assert not text.startswith(",".join(HEADER))

    sandbox.clear_fault("police")
    assert tuple(read_csv(sandbox.police_csv)[0]) == HEADER


async def test_garbage_database_is_not_a_database(sandbox: RunningSandbox) -> None:
    await sandbox.set_fault("school", "garbage")

    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        query(sandbox.school_db, "SELECT COUNT(*) FROM pupil")

    sandbox.clear_fault("school")
    assert query(sandbox.school_db, "SELECT COUNT(*) FROM pupil")[0][0] > 0


async def test_slow_csv_blocks_readers_until_cleared(sandbox: RunningSandbox) -> None:
    await sandbox.set_fault("police", "slow")

    reading = asyncio.ensure_future(asyncio.to_thread(sandbox.police_csv.read_text, encoding="utf-8"))
    done, _ = await asyncio.wait({reading}, timeout=0.3)
    assert not done  # still blocked in open()

    sandbox.clear_fault("police")
    assert await asyncio.wait_for(reading, timeout=5) == ""  # the blocked reader is let go with an empty read
    assert tuple(read_csv(sandbox.police_csv)[0]) == HEADER


async def test_slow_database_holds_readers_on_a_lock(sandbox: RunningSandbox) -> None:
    await sandbox.set_fault("school", "slow")

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        query(sandbox.school_db, "SELECT COUNT(*) FROM pupil", timeout=0.2)

    sandbox.clear_fault("school")
    assert query(sandbox.school_db, "SELECT COUNT(*) FROM pupil", timeout=0.2)[0][0] > 0


async def test_file_faults_at_start_up_are_cleared_on_exit(tmp_path: Path, sandbox: RunningSandbox) -> None:
    from sandbox.runner import start_sandbox

    workdir = tmp_path / "faulty"
    async with start_sandbox(
        workdir, population=sandbox.population, faults={"police": "slow", "school": "garbage"}
    ) as faulty:
        assert faulty.police_csv.is_fifo()
        assert faulty.school_db.read_bytes().startswith(b"This is not")
    assert not (workdir / "police_extract.csv").is_fifo()
    assert query(workdir / "school.sqlite", "SELECT COUNT(*) FROM school")[0][0] > 0
