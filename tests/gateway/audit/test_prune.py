"""Pruning old events: the rest still verifies from the MAC'd checkpoint, and tampering after a prune is still
found; a broken chain, or a date in the future, is refused."""

from __future__ import annotations

import datetime

import pytest

from gateway.audit import store
from gateway.audit.chain import BreakKind
from gateway.audit.store import PRUNE_IN_FUTURE, AuditChainBroken, ChainedTrail
from resolvers.audit_trail import AuditFilter
from tests.gateway.audit.support import T0, Raw, all_events, delete_row, edit_column, event, rehash_from

N = 20


def minutes(n: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=n)


async def test_prune_removes_old_events_and_the_rest_still_verifies(trail: ChainedTrail) -> None:
    await trail.append([event(n) for n in range(N)])
    report = await trail.prune(minutes(10))
    assert (report.removed, report.checkpoint_position) == (10, 10)
    verified = await trail.verify()
    assert verified.ok and verified.checked == 10 and verified.anchor_position == 10
    assert verified.describe() == (
        "audit trail OK: 10 events checked (positions 11..20, from the prune checkpoint at position 10)"
    )
    page = await trail.read(AuditFilter(), first=100, after=None)
    assert page.total_count == 10 and [s.position for s in page.events] == list(range(20, 10, -1))
    assert (await trail.read(AuditFilter(subject_id="P1"), first=100, after=None)).total_count == 10

    await trail.append([event(30)])  # the chain goes on from where it was
    assert [s.position for s in await all_events(trail)] == list(range(11, 22))
    assert (await trail.verify()).checked == 11

    again = await trail.prune(minutes(5))  # nothing older is left
    assert (again.removed, again.checkpoint_position) == (0, 10)
    assert (await trail.verify()).ok


async def test_prune_in_chunks_and_everything(trail: ChainedTrail, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "PRUNE_CHUNK", 3)
    await trail.append([event(n) for n in range(N)])
    assert (await trail.prune(minutes(14))).removed == 14
    assert (await trail.verify()).anchor_position == 14
    everything = await trail.prune(datetime.datetime.now(datetime.UTC))
    assert (everything.removed, everything.checkpoint_position) == (6, N)
    empty = await trail.verify()
    assert empty.ok and empty.checked == 0 and empty.anchor_position == N
    await trail.append([event(1)])
    assert [s.position for s in await all_events(trail)] == [N + 1]
    assert (await trail.verify()).ok


async def test_prune_removes_only_a_prefix_of_positions(trail: ChainedTrail) -> None:
    """An event written late with an old time is kept with everything after the first newer event."""
    times = [minutes(0), minutes(1), minutes(100), minutes(2), minutes(3)]
    await trail.append([event(at=at) for at in times])
    assert (await trail.prune(minutes(10))).removed == 2
    assert [s.position for s in await all_events(trail)] == [3, 4, 5]
    assert (await trail.verify()).ok


async def test_tampering_after_a_prune_is_still_found(trail: ChainedTrail, raw: Raw) -> None:
    await trail.append([event(n) for n in range(N)])
    await trail.prune(minutes(10))
    stored = await all_events(trail)

    await edit_column(raw, 13, "actor_id", "someone-else")
    report = await trail.verify()
    assert report.broken is not None and (report.broken.position, report.broken.kind) == (13, BreakKind.CONTENT_EDITED)
    await edit_column(raw, 13, "actor_id", stored[2].event.actor_id)
    assert (await trail.verify()).ok

    await rehash_from(raw, stored, 15, actor_id="someone-else")
    report = await trail.verify()
    assert report.broken is not None and (report.broken.position, report.broken.kind) == (15, BreakKind.MAC_WRONG)


async def test_deleting_the_first_remaining_row_or_the_checkpoint_is_found(trail: ChainedTrail, raw: Raw) -> None:
    await trail.append([event(n) for n in range(N)])
    await trail.prune(minutes(10))
    checkpoint = (await raw.fetch(f"SELECT * FROM {raw.tables.checkpoint}"))[0]

    await raw.execute(f"UPDATE {raw.tables.checkpoint} SET position = 9 WHERE id = 1")
    report = await trail.verify()
    assert report.broken is not None and (report.broken.position, report.broken.kind) == (
        9,
        BreakKind.CHECKPOINT_ALTERED,
    )
    await raw.execute(f"UPDATE {raw.tables.checkpoint} SET position = 10 WHERE id = 1")
    await raw.execute(f"UPDATE {raw.tables.checkpoint} SET hash = ? WHERE id = 1", "f" * 64)
    report = await trail.verify()
    assert report.broken is not None and report.broken.kind is BreakKind.CHECKPOINT_ALTERED
    await raw.execute(f"UPDATE {raw.tables.checkpoint} SET hash = ? WHERE id = 1", checkpoint["hash"])
    assert (await trail.verify()).ok

    await raw.execute(f"DELETE FROM {raw.tables.checkpoint}")  # as if nothing had ever been pruned
    report = await trail.verify()
    assert report.broken is not None and (report.broken.position, report.broken.kind) == (1, BreakKind.ROW_DELETED)

    await raw.execute(
        f"INSERT INTO {raw.tables.checkpoint} (id, position, hash, mac, pruned_at) VALUES (1, ?, ?, ?, ?)",
        *(checkpoint[c] for c in ("position", "hash", "mac", "pruned_at")),
    )
    assert (await trail.verify()).ok
    await delete_row(raw, 11)
    report = await trail.verify()
    assert report.broken is not None and (report.broken.position, report.broken.kind) == (11, BreakKind.ROW_DELETED)


async def test_prune_refuses_a_broken_chain_and_the_future(trail: ChainedTrail, raw: Raw) -> None:
    await trail.append([event(n) for n in range(N)])
    with pytest.raises(ValueError, match=PRUNE_IN_FUTURE):
        await trail.prune(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5))
    await edit_column(raw, 3, "actor_id", "someone-else")
    with pytest.raises(AuditChainBroken, match="refusing to prune a broken chain: audit trail BROKEN at position 3"):
        await trail.prune(minutes(10))
    assert len(await raw.fetch(f"SELECT position FROM {raw.tables.events}")) == N
