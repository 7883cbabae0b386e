"""The school's candidate statement (`sources/school_sql.py`) on a real SQLite database with the sandbox's schema:
it returns exactly the pupils its documented rule selects, on generated pupils and batches, and SQLite answers it
from the indexes, never by reading every pupil."""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.blocking import CandidateQuery
from sandbox.school import SCHEMA
from sources.school import Row, _candidate_statement
from tests.sources.test_school_index import pupil_rows, queries

COLUMNS = ("upn", "dob", "birth_year", "surname_key", "former_surname_key", "surname_sound", "former_surname_sound")


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.executescript(SCHEMA)
    yield connection
    connection.close()


def selected_by_rule(pupil: Row, people: list[CandidateQuery], *, sounds: bool) -> bool:
    """The statement's rule over the batch's keys together (each person's share is picked out afterwards, by
    `_PupilIndex`): born on one of the dates; or a key (with sounds, a Soundex code) of a person whose birth years are
    known, born in one of the batch's years or with none recorded; or a key (code) of a person with no year."""
    if pupil["dob"] in {d.isoformat() for p in people for d in p.dates_of_birth}:
        return True
    years = {y for p in people if p.surnames for y in p.birth_years}
    dated = {k for p in people if p.birth_years for k in (*p.surnames, *(p.surname_sounds if sounds else ()))}
    undated = {k for p in people if not p.birth_years for k in (*p.surnames, *(p.surname_sounds if sounds else ()))}
    if not any(p.surnames for p in people if p.birth_years):
        dated = set()  # no dated surname in the batch: its sounds are not asked either
    keys = {pupil["surname_key"], pupil["former_surname_key"]}
    keys |= {pupil["surname_sound"], pupil["former_surname_sound"]} if sounds else set()
    keys.discard(None)
    if keys & undated:
        return True
    return bool(keys & dated) and (pupil["birth_year"] is None or pupil["birth_year"] in years)


@settings(max_examples=150, deadline=None)
@given(st.lists(pupil_rows(), max_size=60, unique_by=lambda p: p["upn"]), st.lists(queries(), min_size=1, max_size=5))
def test_the_statement_selects_what_the_rule_says(
    db: sqlite3.Connection, pupils: list[Row], people: list[CandidateQuery]
) -> None:
    if not any(p.dates_of_birth or p.surnames for p in people):
        return  # the adapter asks nothing then
    db.execute("DELETE FROM pupil")
    db.executemany(
        f"INSERT INTO pupil ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
        [tuple(p.get(c) for c in COLUMNS) for p in pupils],
    )
    for sounds in (False, True):
        sql, params = _candidate_statement(people, sounds=sounds)
        got = {row[0] for row in db.execute(sql, params)}
        assert got == {str(p["upn"]) for p in pupils if selected_by_rule(p, people, sounds=sounds)}


def test_sqlite_answers_from_the_indexes(db: sqlite3.Connection) -> None:
    people = [
        CandidateQuery(
            surnames=("SMITH", "JONES"),
            dates_of_birth=(datetime.date(2010, 1, 1),),
            birth_years=(2009, 2010),
            surname_sounds=("S530", "J520"),
        ),
        CandidateQuery(surnames=("KHAN",), dates_of_birth=(), birth_years=(), surname_sounds=("K500",)),
    ]
    sql, params = _candidate_statement(people, sounds=True)
    plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params)]
    assert any("MULTI-INDEX OR" in step for step in plan), plan
    assert not any(step.startswith("SCAN") for step in plan), plan
