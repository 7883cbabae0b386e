"""Appending and reading back, on both stores: every field survives, every filter and paging works, hundreds of
concurrent appends in one process are committed in order and the chain verifies."""

from __future__ import annotations

import asyncio
import datetime

import pytest

from gateway.audit.events import AuditEventRejected
from gateway.audit.store import BAD_CURSOR, BAD_FIRST, ChainedTrail, InvalidAuditQuery
from resolvers.audit_trail import AuditAction, AuditEvent, AuditFilter, AuditTrail, StoredEvent
from tests.gateway.audit.support import T0, all_events, event

Action = AuditAction


def varied_events() -> list[AuditEvent]:
    """Twelve events over twelve minutes, differing in actor, team, action, subjects and case."""
    events = []
    for n in range(12):
        events.append(
            event(
                n,
                actor_id=("worker-1", "worker-2", "manager-1")[n % 3],
                team="north" if n % 2 else "south",
                action=(Action.SEARCHED, Action.VIEWED_BASIC_DETAILS, Action.VIEWED_SERVICE_DETAILS)[n % 3],
                subject_ids=(f"P{n}", "P-shared") if n % 4 == 0 else (f"P{n}",),
                case_reference="CASE-7" if n in (3, 5, 8) else None,
                search_terms="SMITH, Bob ☃" if n % 3 == 0 else None,
            )
        )
    return events


def expected(events: list[AuditEvent], keep: object) -> list[int]:
    """Positions (1-based, as appended) of the events `keep` accepts, newest first."""
    assert callable(keep)
    return [n + 1 for n, e in reversed(list(enumerate(events))) if keep(e)]


async def read_all(trail: ChainedTrail, audit_filter: AuditFilter, *, page_size: int) -> tuple[int, list[StoredEvent]]:
    found: list[StoredEvent] = []
    after: str | None = None
    total = -1
    while True:
        page = await trail.read(audit_filter, first=page_size, after=after)
        assert total in (-1, page.total_count)
        total = page.total_count
        found.extend(page.events)
        if page.end_cursor is None:
            return total, found
        after = page.end_cursor


async def test_events_read_back_exactly_as_appended(trail: ChainedTrail) -> None:
    as_protocol: AuditTrail = trail  # the seam the resolvers use (checked by mypy)
    assert as_protocol is trail
    events = varied_events()
    await trail.append(events[:5])
    await trail.append(events[5:])
    page = await trail.read(AuditFilter(), first=100, after=None)
    assert page.total_count == 12 and page.end_cursor is None
    assert [s.position for s in page.events] == list(range(12, 0, -1))
    assert [s.event for s in reversed(page.events)] == events
    assert page.events[-1].previous_hash == "0" * 64
    assert all(newer.previous_hash == older.hash for newer, older in zip(page.events, page.events[1:], strict=False))
    assert (await trail.verify()).ok


@pytest.mark.parametrize(
    ("audit_filter", "keep"),
    [
        (AuditFilter(actor_id="worker-2"), lambda e: e.actor_id == "worker-2"),
        (AuditFilter(subject_id="P-shared"), lambda e: "P-shared" in e.subject_ids),
        (AuditFilter(subject_id="P7"), lambda e: "P7" in e.subject_ids),
        (AuditFilter(action=Action.SEARCHED), lambda e: e.action is Action.SEARCHED),
        (AuditFilter(since=T0 + datetime.timedelta(minutes=4)), lambda e: e.at >= T0 + datetime.timedelta(minutes=4)),
        (AuditFilter(until=T0 + datetime.timedelta(minutes=4)), lambda e: e.at < T0 + datetime.timedelta(minutes=4)),
        (AuditFilter(case_reference="CASE-7"), lambda e: e.case_reference == "CASE-7"),
        (AuditFilter(team="north"), lambda e: e.team == "north"),
        (
            AuditFilter(team="south", action=Action.SEARCHED, since=T0 + datetime.timedelta(minutes=1)),
            lambda e: e.team == "south" and e.action is Action.SEARCHED and e.at > T0,
        ),
        (AuditFilter(actor_id="nobody"), lambda e: False),
    ],
)
async def test_every_filter_with_paging(trail: ChainedTrail, audit_filter: AuditFilter, keep: object) -> None:
    events = varied_events()
    await trail.append(events)
    want = expected(events, keep)
    for page_size in (1, 2, 5, 100):
        total, found = await read_all(trail, audit_filter, page_size=page_size)
        assert total == len(want)
        assert [s.position for s in found] == want


async def test_paging_cursor_and_limits(trail: ChainedTrail) -> None:
    await trail.append([event(n) for n in range(5)])
    page = await trail.read(AuditFilter(), first=2, after=None)
    assert [s.position for s in page.events] == [5, 4] and page.end_cursor == "4"
    page = await trail.read(AuditFilter(), first=2, after=page.end_cursor)
    assert [s.position for s in page.events] == [3, 2] and page.end_cursor == "2"
    page = await trail.read(AuditFilter(), first=2, after=page.end_cursor)
    assert [s.position for s in page.events] == [1] and page.end_cursor is None
    empty = await trail.read(AuditFilter(), first=0, after=None)
    assert empty.total_count == 5 and empty.events == () and empty.end_cursor is None
    for cursor in ("", "0", "-1", "abc", "1.5", "²", "9" * 30, " 3"):
        with pytest.raises(InvalidAuditQuery, match=BAD_CURSOR):
            await trail.read(AuditFilter(), first=2, after=cursor)
    for first in (-1, 1001):
        with pytest.raises(InvalidAuditQuery, match=BAD_FIRST):
            await trail.read(AuditFilter(), first=first, after=None)


async def test_hundreds_of_concurrent_appends_commit_in_order(trail: ChainedTrail) -> None:
    """One caller's events stay together and in order; every caller's events are there exactly once."""
    calls = [[event(n, request_id=f"req-{n}-{i}") for i in range(1 + n % 3)] for n in range(300)]
    await asyncio.gather(*(trail.append(call) for call in calls))
    for n in range(300, 320):  # appends awaited one after another are committed in that order
        await trail.append([event(n, request_id=f"seq-{n}")])
    stored = await all_events(trail)
    assert [s.position for s in stored] == list(range(1, len(stored) + 1))
    assert len(stored) == sum(len(call) for call in calls) + 20
    position = {s.event.request_id: s.position for s in stored}
    for call in calls:
        positions = [position[e.request_id] for e in call]
        assert positions == list(range(positions[0], positions[0] + len(call)))
    assert [position[f"seq-{n}"] for n in range(300, 320)] == sorted(position[f"seq-{n}"] for n in range(300, 320))
    assert (await trail.verify()).checked == len(stored)


async def test_an_event_the_store_cannot_keep_fails_alone(trail: ChainedTrail) -> None:
    """A NUL or a lone surrogate in one request's event fails that request only, not the others batched with it."""
    good = [trail.append([event(n)]) for n in range(10)]
    bad = [trail.append([event(99, search_terms="a\x00b")]), trail.append([event(98, search_terms="\ud800")])]
    results = await asyncio.gather(*good, *bad, return_exceptions=True)
    assert results[:10] == [None] * 10
    assert all(isinstance(r, AuditEventRejected) for r in results[10:])
    assert len(await all_events(trail)) == 10


async def test_naive_and_offset_times_are_stored_in_utc(trail: ChainedTrail) -> None:
    offset = datetime.timezone(datetime.timedelta(hours=1))
    await trail.append([event(at=datetime.datetime(2024, 6, 1, 10, 0, tzinfo=offset))])
    [stored] = await all_events(trail)
    assert stored.event.at == datetime.datetime(2024, 6, 1, 9, 0, tzinfo=datetime.UTC)
    assert stored.event.at.utcoffset() == datetime.timedelta(0)
    assert (await trail.verify()).ok


async def test_export_is_in_position_order_within_the_window(trail: ChainedTrail) -> None:
    await trail.append([event(n) for n in range(2500)])
    window = [
        s.position
        async for s in trail.export(T0 + datetime.timedelta(minutes=10), T0 + datetime.timedelta(minutes=2010))
    ]
    assert window == list(range(11, 2011))
