"""School over SQL (Synergy-like; SQLite file via aiosqlite, schema portable to PostgreSQL).

One connection per call, read-only, bounded by `max_concurrency`; the whole call is bounded by `timeout_s`, and
SQLite's own busy timeout is set just below it so that a database locked by another process answers
`SourceUnavailable(..., "timed out")` in time. A batch is split at `max_batch_size`; each chunk is one candidate
query (the union of the chunk's keys) plus one enrolment query, and rows are handed back to the people they fit.

A family name typed wrong is found by its Soundex code when the database has the `surname_sound` and
`former_surname_sound` columns (the sandbox's does). A school system's own database may not: each call looks at the
pupil table's columns first, and without them the candidate query uses the exact surname keys alone (logged once).
Sound-alike pupils must also have a forename that sounds like the person's (`CandidateQuery.forename_sounds`), and
they only fill what the exact rules leave of `MAX_CANDIDATES`, as in the HTTP sources' search.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import pathlib
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

import aiosqlite

from linkage.blocking import CandidateQuery, candidate_keys
from linkage.demographics import Demographics
from linkage.normalise import name_tokens
from linkage.sound_keys import soundex
from sources import school_sql
from sources.adapter import SourceUnavailable
from sources.batching import in_chunks
from sources.http import TIMED_OUT
from sources.malformed import reading
from sources.mappers.native import iso_datetime
from sources.mappers.school import pupil_record
from sources.model import Address, Service, SourceHealth, SourceInfo, SourceRecord
from sources.observe import Outcome, UpstreamObserver, notify
from sources.settings import SourceSettings

logger = logging.getLogger(__name__)

UNAVAILABLE = "unavailable"
MALFORMED = "malformed"
BUSY_SHARE_OF_TIMEOUT = 0.8
MAX_CANDIDATES = 50  # per person, as in the HTTP sources; only sound-alike pupils are held to it

Row = Mapping[str, object]
T = TypeVar("T")


class SchoolSqlAdapter:
    """The school information system's database (`school.sqlite`, see sandbox/README.md)."""

    def __init__(self, settings: SourceSettings, *, observer: UpstreamObserver | None = None) -> None:
        if settings.service is not Service.SCHOOL:
            raise ValueError(f"source {settings.system!r}: school_sql needs service SCHOOL")
        if not settings.path:
            raise ValueError(f"source {settings.system!r} needs a path")
        if settings.timeout_s <= 0:
            raise ValueError(f"source {settings.system!r}: timeout_s must be positive")
        if settings.max_concurrency < 1:
            raise ValueError(f"source {settings.system!r}: max_concurrency must be at least 1")
        self._settings = settings
        self._path = settings.path
        self._uri = pathlib.Path(settings.path).absolute().as_uri() + "?mode=ro"
        self._slots = asyncio.Semaphore(settings.max_concurrency)
        self._as_of: datetime.datetime | None = None
        self._observer = observer
        self._told_no_sounds = False

    @property
    def service(self) -> Service:
        return Service.SCHOOL

    @property
    def info(self) -> SourceInfo:
        return self._settings.describe(self._as_of)

    async def find_people(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        return await in_chunks(people, self._settings.max_batch_size, self._find_chunk)

    async def residents_at(self, addresses: Sequence[Address]) -> list[list[SourceRecord]]:
        """Always empty: children at school are found through the CMS, not by address."""
        return [[] for _ in addresses]

    async def get_records(self, record_ids: Sequence[str]) -> list[SourceRecord | None]:
        return await in_chunks(record_ids, self._settings.max_batch_size, self._by_upns)

    async def check_health(self) -> SourceHealth:
        try:
            async with self._connection("health") as db:
                await _fetch(db, school_sql.HEALTH, ())
        except SourceUnavailable:
            return SourceHealth.DOWN
        return SourceHealth.UP

    async def close(self) -> None:
        """Nothing held open between calls."""

    async def _find_chunk(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        queries = [candidate_keys(person) for person in people]
        if not any(query.dates_of_birth or query.surnames for query in queries):
            return [[] for _ in people]
        async with self._connection("pupils.find") as db:
            sounds = await self._has_sound_columns(db)
            sql, params = _candidate_statement(queries, sounds=sounds)
            pupils = await _fetch(db, sql, params)
            chosen = [_candidates(pupils, query, sounds=sounds) for query in queries]
            wanted = {str(pupil["upn"]) for found in chosen for pupil in found}
            pupils = [pupil for pupil in pupils if str(pupil["upn"]) in wanted]
            enrolments, info = await _enrolments_and_time(db, pupils)
        records = self._as_records(pupils, enrolments, info)
        return [[records[str(pupil["upn"])] for pupil in found] for found in chosen]

    async def _by_upns(self, upns: Sequence[str]) -> list[SourceRecord | None]:
        async with self._connection("pupils.get") as db:
            pupils = await _fetch(db, school_sql.pupils_by_upn(len(upns)), list(upns))
            enrolments, info = await _enrolments_and_time(db, pupils)
        records = self._as_records(pupils, enrolments, info)
        return [records.get(upn) for upn in upns]

    async def _has_sound_columns(self, db: aiosqlite.Connection) -> bool:
        async with db.execute(school_sql.PUPIL_COLUMN_NAMES) as cursor:
            columns = {str(column[0]) for column in cursor.description or ()}
        found = set(school_sql.SOUND_COLUMNS) <= columns
        if not found and not self._told_no_sounds:
            self._told_no_sounds = True
            logger.warning(
                "%s: the pupil table has no %s columns; candidate queries use the exact surname keys only",
                self._settings.system,
                " and ".join(school_sql.SOUND_COLUMNS),
            )
        return found

    def _as_records(self, pupils: list[Row], enrolments: list[Row], info: list[Row]) -> dict[str, SourceRecord]:
        """The pupils as records by UPN, each with its enrolments, as of the extract's time."""
        by_upn: dict[str, list[Row]] = {}
        for enrolment in enrolments:
            by_upn.setdefault(str(enrolment["upn"]), []).append(enrolment)
        system = self._settings.system
        with reading(system, MALFORMED):
            self._as_of = iso_datetime(info[0], "extracted_at") if info else None
            return {
                str(pupil["upn"]): pupil_record(
                    pupil, by_upn.get(str(pupil["upn"]), []), system=system, as_of=self._as_of
                )
                for pupil in pupils
            }

    @asynccontextmanager
    async def _connection(self, operation: str) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only connection for one call, which is observed as one upstream request."""
        system = self._settings.system
        started = time.perf_counter()
        outcome: Outcome = "connection_error"
        try:
            if not os.path.isfile(self._path):
                raise SourceUnavailable(system, UNAVAILABLE)
            busy_timeout = self._settings.timeout_s * BUSY_SHARE_OF_TIMEOUT
            async with (
                asyncio.timeout(self._settings.timeout_s),
                self._slots,
                aiosqlite.connect(self._uri, uri=True, timeout=busy_timeout) as db,
            ):
                db.row_factory = sqlite3.Row
                yield db
            outcome = "ok"
        except TimeoutError:
            outcome = "timeout"
            raise SourceUnavailable(system, TIMED_OUT) from None
        except sqlite3.OperationalError as error:
            reason = _reason(error)
            outcome = "timeout" if reason == TIMED_OUT else "malformed" if reason == MALFORMED else outcome
            logger.warning("%s: %s", system, reason)
            raise SourceUnavailable(system, reason) from None
        except sqlite3.DatabaseError:
            outcome = "malformed"
            logger.warning("%s: %s", system, MALFORMED)
            raise SourceUnavailable(system, MALFORMED) from None
        finally:
            notify(self._observer, system, operation, time.perf_counter() - started, outcome)


async def _enrolments_and_time(db: aiosqlite.Connection, pupils: list[Row]) -> tuple[list[Row], list[Row]]:
    """The pupils' enrolments and the extract's time, read on the pupils' connection."""
    upns = list(dict.fromkeys(str(pupil["upn"]) for pupil in pupils))
    enrolments = await _fetch(db, school_sql.enrolments_of(len(upns)), upns) if upns else []
    return enrolments, await _fetch(db, school_sql.EXTRACTED_AT, ())


async def _fetch(db: aiosqlite.Connection, sql: str, params: Sequence[object]) -> list[Row]:
    async with db.execute(sql, tuple(params)) as cursor:
        return [dict(row) for row in await cursor.fetchall()]


def _reason(error: sqlite3.OperationalError) -> str:
    message = str(error).lower()
    if "locked" in message or "busy" in message:
        return TIMED_OUT
    if "unable to open" in message:
        return UNAVAILABLE
    return MALFORMED  # e.g. no such table: not the database we expect


def _candidate_statement(queries: Sequence[CandidateQuery], *, sounds: bool) -> tuple[str, list[object]]:
    """One statement for the chunk: the union of every person's keys (`school_sql.candidate_pupils`)."""
    dobs = _union(dob.isoformat() for query in queries for dob in query.dates_of_birth)
    dated = _union(name for query in queries if query.birth_years for name in query.surnames)
    years = _union(year for query in queries if query.surnames for year in query.birth_years)
    any_year = _union(name for query in queries if not query.birth_years for name in query.surnames)
    dated_sounds = _union(code for q in queries if q.birth_years and sounds for code in q.surname_sounds)
    any_year_sounds = _union(code for q in queries if not q.birth_years and sounds for code in q.surname_sounds)
    if not dated or not years:
        dated, dated_sounds, years = [], [], []
    sql = school_sql.candidate_pupils(
        len(dobs),
        len(dated),
        len(years),
        len(any_year),
        dated_sounds=len(dated_sounds),
        any_year_sounds=len(any_year_sounds),
    )
    params = [*dobs, *dated, *dated, *dated_sounds, *dated_sounds, *years]
    params += [*any_year, *any_year, *any_year_sounds, *any_year_sounds]
    return sql, params


def _candidates(pupils: Sequence[Row], query: CandidateQuery, *, sounds: bool) -> list[Row]:
    """The pupils that fit one person: every exact fit, then sound-alike ones up to `MAX_CANDIDATES` in all."""
    exact: list[Row] = []
    alike: list[Row] = []
    for pupil in pupils:
        if _fits(pupil, query):
            exact.append(pupil)
        elif sounds and _sounds_alike(pupil, query):
            alike.append(pupil)
    return exact + alike[: max(0, MAX_CANDIDATES - len(exact))]


def _fits(pupil: Row, query: CandidateQuery) -> bool:
    """The candidate rule for one person: a tolerated DOB, or a surname key with a birth year that fits (any year
    when we do not know the person's, and pupils with no year recorded)."""
    dob = pupil.get("dob")
    if isinstance(dob, str) and dob in {d.isoformat() for d in query.dates_of_birth}:
        return True
    names = {pupil.get("surname_key"), pupil.get("former_surname_key")} - {None}
    return bool(names & set(query.surnames)) and _year_fits(pupil, query)


def _sounds_alike(pupil: Row, query: CandidateQuery) -> bool:
    """The sound-alike rule: a surname's Soundex code with a birth year that fits, and a forename (legal or
    preferred) that sounds like the person's, when the query says how it sounds."""
    codes = {pupil.get("surname_sound"), pupil.get("former_surname_sound")} - {None}
    if not (codes & set(query.surname_sounds)) or not _year_fits(pupil, query):
        return False
    if not query.forename_sounds:
        return True
    forenames = (pupil.get("legal_forename"), pupil.get("preferred_forename"))
    words = (word for name in forenames if isinstance(name, str) for word in name_tokens(name))
    return any(soundex(word) in query.forename_sounds for word in words)


def _year_fits(pupil: Row, query: CandidateQuery) -> bool:
    year = pupil.get("birth_year")
    return not query.birth_years or year is None or year in query.birth_years


def _union(values: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(values))
