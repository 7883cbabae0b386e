"""School over SQL (Synergy-like; SQLite file via aiosqlite, schema portable to PostgreSQL).

One connection per call, read-only, bounded by `max_concurrency`; the whole call is bounded by `timeout_s`, and
SQLite's own busy timeout is set just below it so that a database locked by another process answers
`SourceUnavailable(..., "timed out")` in time. A batch is split at `max_batch_size`; each chunk is one candidate
query (the union of the chunk's keys) plus one enrolment query, and rows are handed back to the people they fit.
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
        dobs = _union(dob.isoformat() for query in queries for dob in query.dates_of_birth)
        dated = _union(name for query in queries if query.birth_years for name in query.surnames)
        years = _union(year for query in queries if query.surnames for year in query.birth_years)
        any_year = _union(name for query in queries if not query.birth_years for name in query.surnames)
        if not dated or not years:
            dated, years = [], []
        if not (dobs or dated or any_year):
            return [[] for _ in people]
        sql = school_sql.candidate_pupils(len(dobs), len(dated), len(years), len(any_year))
        params = [*dobs, *dated, *dated, *years, *any_year, *any_year]
        records = await self._records("pupils.find", sql, params)
        return [[record for pupil, record in records if _fits(pupil, query)] for query in queries]

    async def _by_upns(self, upns: Sequence[str]) -> list[SourceRecord | None]:
        records = await self._records("pupils.get", school_sql.pupils_by_upn(len(upns)), list(upns))
        by_upn = {record.record_id: record for _, record in records}
        return [by_upn.get(upn) for upn in upns]

    async def _records(self, operation: str, sql: str, params: Sequence[object]) -> list[tuple[Row, SourceRecord]]:
        async with self._connection(operation) as db:
            pupils = await _fetch(db, sql, params)
            upns = list(dict.fromkeys(str(pupil["upn"]) for pupil in pupils))
            enrolments = await _fetch(db, school_sql.enrolments_of(len(upns)), upns) if upns else []
            info = await _fetch(db, school_sql.EXTRACTED_AT, ())
        by_upn: dict[str, list[Row]] = {}
        for enrolment in enrolments:
            by_upn.setdefault(str(enrolment["upn"]), []).append(enrolment)
        system = self._settings.system
        with reading(system, MALFORMED):
            self._as_of = iso_datetime(info[0], "extracted_at") if info else None
            return [
                (pupil, pupil_record(pupil, by_upn.get(str(pupil["upn"]), []), system=system, as_of=self._as_of))
                for pupil in pupils
            ]

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


def _fits(pupil: Row, query: CandidateQuery) -> bool:
    """The candidate rule for one person: a tolerated DOB, or a surname key with a birth year that fits (any year
    when we do not know the person's, and pupils with no year recorded)."""
    dob = pupil.get("dob")
    if isinstance(dob, str) and dob in {d.isoformat() for d in query.dates_of_birth}:
        return True
    names = {pupil.get("surname_key"), pupil.get("former_surname_key")} - {None}
    year = pupil.get("birth_year")
    return bool(names & set(query.surnames)) and (not query.birth_years or year is None or year in query.birth_years)


def _union(values: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(values))
