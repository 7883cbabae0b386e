"""Every record the CMS and each connected source hold, read through their adapters: what a model trains on.

This is the one place that lists a source's records for training. No source kind has a "list everything"
operation (a case-management or housing system's API answers searches, not dumps), so the listing asks each
adapter's own candidate search, the one the gateway uses to find a person, for every date of birth in turn, and
keeps each record once (by its id). A candidate search for a date answers records born on it, a day either side,
with day and month swapped, or a year either side (`linkage.dates.tolerated_variants`), so asking every third day
is enough to meet every dated record; the queries go in each source's batches, within its concurrency. Records
without a date of birth are not met: the count reached is reported, and `docs/linkage.md` says so.

Nothing here logs or prints a record's content: progress is counts per system.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiohttp

from gateway.settings import AuthoritySettings
from linkage.demographics import Demographics
from sources.registry import build_adapter, build_cms_adapter

Progress = Callable[[str], None]

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
STEP_DAYS = 3  # a query for day D also answers D-1 and D+1
QUERIES_PER_CALL = 50  # dates handed to an adapter at once: a search batch that every source kind accepts


@dataclass(frozen=True)
class SystemRecords:
    """The records read from one system: its name and their demographics, each record once."""

    system: str
    records: list[Demographics]


def sweep_dates(earliest: datetime.date, latest: datetime.date) -> list[datetime.date]:
    """Every third day from `earliest` to `latest` (and `latest` itself): a candidate search for each meets every
    record born in between."""
    dates = []
    day = earliest
    while day <= latest:
        dates.append(day)
        day += datetime.timedelta(days=STEP_DAYS)
    if dates[-1] != latest:
        dates.append(latest)
    return dates


async def read_all_records(
    settings: AuthoritySettings,
    session: aiohttp.ClientSession,
    *,
    earliest: datetime.date = EARLIEST_BIRTH,
    today: datetime.date | None = None,
    progress: Progress | None = None,
) -> list[SystemRecords]:
    """The CMS's people and every connected source's records, each through its adapter's candidate search."""
    say = progress or (lambda _message: None)
    dates = sweep_dates(earliest, today or datetime.date.today())
    queries = [Demographics(given_name=None, family_name=None, date_of_birth=day) for day in dates]
    systems = []
    cms = build_cms_adapter(settings.cms, session)
    try:

        async def cms_search(batch: Sequence[Demographics]) -> list[list[tuple[str, Demographics]]]:
            found = await cms.search(batch)
            return [[(person.person_id, person.demographics) for person in people] for people in found]

        systems.append(await _sweep(cms.system, queries, cms_search, say))
    finally:
        await cms.close()
    for source in settings.sources:
        adapter = build_adapter(source, session)
        try:

            async def source_search(batch: Sequence[Demographics]) -> list[list[tuple[str, Demographics]]]:
                found = await adapter.find_people(batch)  # noqa: B023 - awaited before the loop moves on
                return [[(record.record_id, record.person) for record in records] for records in found]

            systems.append(await _sweep(source.system, queries, source_search, say))
        finally:
            await adapter.close()
    return systems


async def _sweep(
    system: str,
    queries: Sequence[Demographics],
    search: Callable[[Sequence[Demographics]], Awaitable[list[list[tuple[str, Demographics]]]]],
    say: Progress,
) -> SystemRecords:
    seen: dict[str, Demographics] = {}
    for start in range(0, len(queries), QUERIES_PER_CALL):
        for found in await search(queries[start : start + QUERIES_PER_CALL]):
            for record_id, person in found:
                seen.setdefault(record_id, person)
        done = min(start + QUERIES_PER_CALL, len(queries))
        if done == len(queries) or done % (QUERIES_PER_CALL * 100) == 0:
            say(f"{system}: {done:,}/{len(queries):,} dates asked, {len(seen):,} records")
    return SystemRecords(system, list(seen.values()))
