"""School over SQL (Synergy-like; an SQLite file, schema portable to PostgreSQL).

A call first runs on the event loop itself, on a read-only connection of its own, within a budget of
`INLINE_BUDGET_S` of SQLite's time enforced by SQLite's progress handler and without waiting for any lock: an
indexed look-up in a local file takes about 0.1 ms, far less than handing it to a thread costs (the hop, the wake-up
and the thread's fight for the GIL cost about 1 ms of CPU per family query, measured). A call that would wait for a
lock, or outruns the budget, is interrupted and goes to the pool instead, and the adapter keeps to the pool for
`INLINE_PAUSE_S` after an overrun, so a slow database costs one wasted budget a minute, not one per call. Calls for
more than `INLINE_MAX_SIZE` people (a bulk request's chunks) go to the pool directly.

The pool: a few long-lived read-only connections, each used by one worker thread at a time (`_Pool`): a call hops
to a worker thread once, runs all its statements there, and comes back with rows. Calls are bounded by
`max_concurrency`; the whole call is bounded by `timeout_s`, and SQLite's own busy timeout is set just below it so
that a database locked by another process answers `SourceUnavailable(..., "timed out")` in time (a call given up
on is interrupted, so its thread is free again at once). Before each call the file is looked at: gone, it is
unavailable; replaced (a new extract moved into place), the connections to the old file are closed and new ones
opened, so a long-lived connection never answers from a file that is no longer there.

A batch is split at `max_batch_size`; each chunk is one candidate query (the union of the chunk's keys) plus one
enrolment query, and rows are handed back to the people they fit, looked up in an index of the chunk's pupils by
date of birth, surname key and Soundex code (`_PupilIndex`) rather than by comparing every person with every pupil.

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
import math
import os
import pathlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

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
# Connections (and worker threads) per adapter: SQLite reads of one small file do not gain from more, and each
# connection holds its own page cache.
MAX_CONNECTIONS = 4
# SQLite's own time a call may take on the event loop before it is interrupted and handed to the pool instead.
INLINE_BUDGET_S = 0.002
INLINE_PAUSE_S = 60.0  # after a call outran the budget, the pool only, for this long
# Calls for more people or records than this go to the pool at once: a bulk request's chunks (`children`, training)
# are expected to take longer than the budget, and must not pause the event loop's path for everyone else.
INLINE_MAX_SIZE = 16
PROGRESS_STEPS = 1000  # SQLite virtual machine steps between two looks at the budget

Row = Mapping[str, object]
T = TypeVar("T")


class SchoolSqlAdapter:
    """The school information system's database (`school.sqlite`, see sandbox/README.md)."""

    places_residents = False  # see `residents_at`
    reads_locally = True  # see `sources.adapter.reads_locally`

    def __init__(
        self, settings: SourceSettings, *, observer: UpstreamObserver | None = None, inline: bool = True
    ) -> None:
        """`inline=False`: every call goes to the pool (the event loop's connection is never used)."""
        if settings.service is not Service.SCHOOL:
            raise ValueError(f"source {settings.system!r}: school_sql needs service SCHOOL")
        if not settings.path:
            raise ValueError(f"source {settings.system!r} needs a path")
        if settings.timeout_s <= 0:
            raise ValueError(f"source {settings.system!r}: timeout_s must be positive")
        if settings.max_concurrency < 1:
            raise ValueError(f"source {settings.system!r}: max_concurrency must be at least 1")
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.max_concurrency)
        self._pool = _Pool(
            settings.path,
            size=min(settings.max_concurrency, MAX_CONNECTIONS),
            busy_timeout_s=settings.timeout_s * BUSY_SHARE_OF_TIMEOUT,
            name=f"school-sql-{settings.system}",
        )
        self._inline_paused_until = 0.0 if inline else math.inf  # loop time
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
            await self._call("health", lambda db: _fetch(db, school_sql.HEALTH, ()))
        except SourceUnavailable:
            return SourceHealth.DOWN
        return SourceHealth.UP

    async def close(self) -> None:
        """Close the connections and stop the worker threads."""
        await asyncio.get_running_loop().run_in_executor(None, self._pool.close)

    async def _find_chunk(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        queries = [candidate_keys(person) for person in people]
        if not any(query.dates_of_birth or query.surnames for query in queries):
            return [[] for _ in people]
        pupils, chosen, enrolments, info = await self._call(
            "pupils.find", lambda db: self._find_rows(db, queries), size=len(people)
        )
        records = self._as_records(pupils, enrolments, info)
        return [[records[str(pupil["upn"])] for pupil in found] for found in chosen]

    def _find_rows(
        self, db: _Connection, queries: Sequence[CandidateQuery]
    ) -> tuple[list[Row], list[list[Row]], list[Row], list[Row]]:
        """In a worker thread: the chunk's candidate pupils, each person's share of them, enrolments and time."""
        sounds = self._has_sound_columns(db)
        sql, params = _candidate_statement(queries, sounds=sounds)
        pupils = _fetch(db, sql, params)
        index = _PupilIndex(pupils)
        chosen = [index.candidates(query, sounds=sounds) for query in queries]
        wanted = {str(pupil["upn"]) for found in chosen for pupil in found}
        pupils = [pupil for pupil in pupils if str(pupil["upn"]) in wanted]
        enrolments, info = _enrolments_and_time(db, pupils)
        return pupils, chosen, enrolments, info

    async def _by_upns(self, upns: Sequence[str]) -> list[SourceRecord | None]:
        def rows(db: _Connection) -> tuple[list[Row], list[Row], list[Row]]:
            pupils = _fetch(db, school_sql.pupils_by_upn(len(upns)), list(upns))
            return (pupils, *_enrolments_and_time(db, pupils))

        pupils, enrolments, info = await self._call("pupils.get", rows, size=len(upns))
        records = self._as_records(pupils, enrolments, info)
        return [records.get(upn) for upn in upns]

    def _has_sound_columns(self, db: _Connection) -> bool:
        found = db.has_sound_columns
        if found is None:
            cursor = db.connection.execute(school_sql.PUPIL_COLUMN_NAMES)
            columns = {str(column[0]) for column in cursor.description or ()}
            cursor.close()
            found = db.has_sound_columns = set(school_sql.SOUND_COLUMNS) <= columns
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

    async def _call(self, operation: str, work: Callable[[_Connection], T], *, size: int = 1) -> T:
        """`work` on a pooled connection in a worker thread, bounded by the timeout, observed as one upstream
        request."""
        system = self._settings.system
        started = time.perf_counter()
        outcome: Outcome = "connection_error"
        try:
            loop = asyncio.get_running_loop()
            if size <= INLINE_MAX_SIZE and loop.time() >= self._inline_paused_until:
                try:
                    result = self._pool.run_inline(work)
                    outcome = "ok"
                    return result
                except _NotInline as not_inline:
                    if not_inline.overran:
                        self._inline_paused_until = loop.time() + INLINE_PAUSE_S
                        logger.info("%s: a call outran %.0f ms on the event loop", system, INLINE_BUDGET_S * 1000)
            async with asyncio.timeout(self._settings.timeout_s), self._slots:
                result = await self._pool.run(work)
            outcome = "ok"
            return result
        except TimeoutError:
            outcome = "timeout"
            raise SourceUnavailable(system, TIMED_OUT) from None
        except FileNotFoundError:
            raise SourceUnavailable(system, UNAVAILABLE) from None
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


@dataclass(eq=False)
class _Connection:
    """One read-only connection to one version of the file (`identity`: its device and inode)."""

    connection: sqlite3.Connection
    identity: tuple[int, int]
    has_sound_columns: bool | None = None  # the pupil table's columns, looked at once per connection


class _NotInline(Exception):
    """A call could not finish on the event loop: it would wait for a lock, or it outran its budget."""

    def __init__(self, *, overran: bool) -> None:
        super().__init__("outran its budget" if overran else "would wait for a lock")
        self.overran = overran


class _Budget:
    """SQLite's progress handler for the event loop's connection: interrupts a statement past the call's end."""

    def __init__(self) -> None:
        self.ends_at = 0.0
        self.overran = False

    def __call__(self) -> int:
        if time.perf_counter() > self.ends_at:
            self.overran = True
            return 1  # non-zero: SQLite stops the statement ("interrupted")
        return 0


class _Pool:
    """Up to `size` long-lived read-only connections and as many worker threads; each call takes one connection
    for its whole run in one thread hop. A call given up on (timeout, cancellation) interrupts its statement."""

    def __init__(self, path: str, *, size: int, busy_timeout_s: float, name: str) -> None:
        self._path = path
        self._uri = pathlib.Path(path).absolute().as_uri() + "?mode=ro"
        self._busy_timeout_s = busy_timeout_s
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._inline: _Connection | None = None  # the event loop's own connection (`run_inline`)
        self._budget = _Budget()

    async def run(self, work: Callable[[_Connection], T]) -> T:
        in_use: list[_Connection] = []
        given_up: list[bool] = []

        def in_thread() -> T:
            if given_up:  # the caller left before a thread was free: nothing to do
                raise asyncio.CancelledError
            db = self._take()
            in_use.append(db)
            try:
                return work(db)
            finally:
                in_use.clear()
                self._give_back(db)

        future = asyncio.get_running_loop().run_in_executor(self._executor, in_thread)
        try:
            return await future
        except asyncio.CancelledError:
            given_up.append(True)
            for db in list(in_use):  # still running: stop its statement so the thread is free again
                db.connection.interrupt()
            raise

    def run_inline(self, work: Callable[[_Connection], T]) -> T:
        """`work` here, on the caller's (the event loop's) thread, on the inline connection: it never waits for a
        lock (busy timeout 0) and SQLite is interrupted once it has run `INLINE_BUDGET_S`; either raises
        `_NotInline`, and the call is the pool's to make. Other errors are the call's own."""
        if self._closed:
            raise RuntimeError("the school adapter is closed")
        identity = self._identity()
        db = self._inline
        if db is None or db.identity != identity:
            if db is not None:
                db.connection.close()  # a connection to a file that has since been replaced
            self._inline = db = self._connect(identity, busy_timeout_s=0.0)
            db.connection.set_progress_handler(self._budget, PROGRESS_STEPS)
        self._budget.ends_at = time.perf_counter() + INLINE_BUDGET_S
        self._budget.overran = False
        try:
            return work(db)
        except sqlite3.OperationalError as error:
            if self._budget.overran:
                raise _NotInline(overran=True) from None
            if _reason(error) == TIMED_OUT:  # locked: the pool waits for it, within the timeout
                raise _NotInline(overran=False) from None
            raise

    def _identity(self) -> tuple[int, int]:
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            self._discard_all()
            raise
        if not os.path.isfile(self._path):
            raise FileNotFoundError(self._path)
        return (stat.st_dev, stat.st_ino)

    def _connect(self, identity: tuple[int, int], *, busy_timeout_s: float) -> _Connection:
        connection = sqlite3.connect(
            self._uri, uri=True, timeout=busy_timeout_s, check_same_thread=False, isolation_level=None
        )
        connection.row_factory = sqlite3.Row
        return _Connection(connection, identity)

    def _take(self) -> _Connection:
        identity = self._identity()
        with self._lock:
            while self._idle:
                db = self._idle.pop()
                if db.identity == identity:
                    return db
                db.connection.close()  # a connection to a file that has since been replaced
        return self._connect(identity, busy_timeout_s=self._busy_timeout_s)

    def _give_back(self, db: _Connection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(db)
                return
        db.connection.close()

    def _discard_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        inline, self._inline = self._inline, None
        for db in [*idle, *([inline] if inline is not None else [])]:
            db.connection.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._discard_all()
        self._executor.shutdown(wait=True)


def _enrolments_and_time(db: _Connection, pupils: list[Row]) -> tuple[list[Row], list[Row]]:
    """The pupils' enrolments and the extract's time, read on the pupils' connection."""
    upns = list(dict.fromkeys(str(pupil["upn"]) for pupil in pupils))
    enrolments = _fetch(db, school_sql.enrolments_of(len(upns)), upns) if upns else []
    return enrolments, _fetch(db, school_sql.EXTRACTED_AT, ())


def _fetch(db: _Connection, sql: str, params: Sequence[object]) -> list[Row]:
    cursor = db.connection.execute(sql, tuple(params))
    try:
        return [dict(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


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
    params: list[object] = [*dobs]
    for values in (dated, dated, dated_sounds, dated_sounds):
        params += [*values, *years] if values else []
    params += [*any_year, *any_year, *any_year_sounds, *any_year_sounds]
    return sql, params


class _PupilIndex:
    """A chunk's candidate pupils by date of birth, surname key and Soundex code: each person's candidates are
    looked up by their own keys and then held to the same rules (`_fits`, `_sounds_alike`), in row order, so the
    answer is the one comparing every person with every pupil would give, without the quadratic cost."""

    def __init__(self, pupils: Sequence[Row]) -> None:
        self.pupils = pupils
        self.by_dob: dict[object, list[int]] = {}
        self.by_name: dict[object, list[int]] = {}
        self.by_sound: dict[object, list[int]] = {}
        for position, pupil in enumerate(pupils):
            self.by_dob.setdefault(pupil.get("dob"), []).append(position)
            for column in school_sql.KEY_COLUMNS:
                if pupil.get(column) is not None:
                    self.by_name.setdefault(pupil.get(column), []).append(position)
            for column in school_sql.SOUND_COLUMNS:
                if pupil.get(column) is not None:
                    self.by_sound.setdefault(pupil.get(column), []).append(position)

    def candidates(self, query: CandidateQuery, *, sounds: bool) -> list[Row]:
        """The pupils that fit one person: every exact fit, then sound-alike ones up to `MAX_CANDIDATES` in all."""
        positions: set[int] = set()
        for dob in query.dates_of_birth:
            positions.update(self.by_dob.get(dob.isoformat(), ()))
        for name in query.surnames:
            positions.update(self.by_name.get(name, ()))
        exact = sorted(p for p in positions if _fits(self.pupils[p], query))
        if not sounds:
            return [self.pupils[p] for p in exact]
        found = set(exact)
        alike_positions: set[int] = set()
        for code in query.surname_sounds:
            alike_positions.update(self.by_sound.get(code, ()))
        alike = sorted(p for p in alike_positions - found if _sounds_alike(self.pupils[p], query))
        return [self.pupils[p] for p in exact] + [self.pupils[p] for p in alike[: max(0, MAX_CANDIDATES - len(exact))]]


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
