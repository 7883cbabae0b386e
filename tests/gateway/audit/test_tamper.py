"""Tampering with the stored trail, as someone with write access to the database but not the MAC key: every
kind of change is found, at the right position, for the right reason, on both stores."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

import pytest

from gateway.audit.chain import BreakKind, ChainBreak
from gateway.audit.open_trail import open_audit_trail
from gateway.audit.settings import AuditSettings
from gateway.audit.store import ChainedTrail
from resolvers.audit_trail import StoredEvent
from tests.gateway.audit.support import (
    Raw,
    all_events,
    delete_row,
    edit_column,
    event,
    forge_after,
    insert_row,
    raw_row,
    rehash_from,
    shift_positions,
)

N = 10


async def filled(trail: ChainedTrail) -> list[StoredEvent]:
    await trail.append([event(n) for n in range(N)])
    return await all_events(trail)


async def broken_at(trail: ChainedTrail) -> ChainBreak:
    report = await trail.verify()
    assert report.broken is not None, report.describe()
    assert report.checked <= report.broken.position
    assert report.describe().startswith(f"audit trail BROKEN at position {report.broken.position}: ")
    return report.broken


async def test_an_intact_chain_verifies(trail: ChainedTrail) -> None:
    empty = await trail.verify()
    assert empty.ok and empty.checked == 0 and empty.describe() == "audit trail OK: 0 events checked (no events)"
    await filled(trail)
    report = await trail.verify()
    assert report.ok and report.checked == N and report.anchor_position == 0 and report.head_position == N
    assert report.describe() == f"audit trail OK: {N} events checked (positions 1..{N})"


def later(value: Any) -> Any:
    """A stored time one second later, in whichever form the store keeps it."""
    if isinstance(value, datetime.datetime):
        return value + datetime.timedelta(seconds=1)
    return (datetime.datetime.fromisoformat(value) + datetime.timedelta(seconds=1)).isoformat(timespec="microseconds")


EDITS: dict[str, Callable[[dict[str, Any]], tuple[str, Any]]] = {
    "actor": lambda row: ("actor_id", "someone-else"),
    "time": lambda row: ("at", later(row["at"])),
    "search terms": lambda row: ("search_terms", "nothing to see"),
    "unknown action": lambda row: ("action", "TIDIED_UP"),
    "request id": lambda row: ("request_id", row["request_id"] + "x"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
async def test_an_edited_column_is_content_edited_at_its_position(trail: ChainedTrail, raw: Raw, edit: str) -> None:
    await filled(trail)
    column, value = EDITS[edit](await raw_row(raw, 4))
    await edit_column(raw, 4, column, value)
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (4, BreakKind.CONTENT_EDITED)
    assert broken.reason.startswith("content edited")


async def test_a_deleted_row_is_named(trail: ChainedTrail, raw: Raw) -> None:
    await filled(trail)
    await delete_row(raw, 6)
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (6, BreakKind.ROW_DELETED)
    assert broken.reason == "row deleted: position 6 is missing (the positions jump from 5 to 7)"


async def test_a_deleted_row_with_the_rest_renumbered_is_named(trail: ChainedTrail, raw: Raw) -> None:
    await filled(trail)
    await delete_row(raw, 6)
    await shift_positions(raw, 7, -1)
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (6, BreakKind.ROW_DELETED)
    assert "does not match the hash of position 5" in broken.reason


async def test_deleting_the_first_row_is_named(trail: ChainedTrail, raw: Raw) -> None:
    await filled(trail)
    await delete_row(raw, 1)
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (1, BreakKind.ROW_DELETED)


async def test_deleting_the_newest_rows_is_named(trail: ChainedTrail, raw: Raw) -> None:
    await filled(trail)
    await delete_row(raw, N)
    await delete_row(raw, N - 1)
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (N - 1, BreakKind.ROW_DELETED)
    assert broken.reason == f"row deleted: the trail ends at position {N - 2} but recorded position {N} as its last"


async def test_a_row_inserted_in_the_middle_is_named(trail: ChainedTrail, raw: Raw) -> None:
    stored = await filled(trail)
    forged = await forge_after(raw, stored, 5, actor_id="forger")
    await shift_positions(raw, 6, 1)
    await insert_row(raw, forged)
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (6, BreakKind.ROW_INSERTED)
    assert broken.reason.startswith("row inserted: position 6")


async def test_a_row_inserted_at_the_end_is_named(trail: ChainedTrail, raw: Raw) -> None:
    stored = await filled(trail)
    await insert_row(raw, await forge_after(raw, stored, N, actor_id="forger"))
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (N + 1, BreakKind.ROW_INSERTED)


@pytest.mark.parametrize("position", [1, 4, N])
async def test_a_chain_rehashed_without_the_key_fails_its_mac(trail: ChainedTrail, raw: Raw, position: int) -> None:
    """Every sha256 link agrees again after the forger's re-hash; only the MAC check can catch it."""
    stored = await filled(trail)
    await rehash_from(raw, stored, position, actor_id="someone-else")
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (position, BreakKind.MAC_WRONG)
    assert broken.reason.startswith("MAC wrong")


async def test_a_copied_mac_does_not_authenticate_another_row(trail: ChainedTrail, raw: Raw) -> None:
    await filled(trail)
    donor = await raw_row(raw, 2)
    await edit_column(raw, 3, "mac", donor["mac"])
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (3, BreakKind.MAC_WRONG)


async def test_a_head_moved_back_is_named(trail: ChainedTrail, raw: Raw) -> None:
    """Truncating the newest rows and moving the head back to match still fails: the head is MAC'd too."""
    stored = await filled(trail)
    await delete_row(raw, N)
    await raw.execute(f"UPDATE {raw.tables.head} SET position = ?, hash = ? WHERE id = 1", N - 1, stored[N - 2].hash)
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (N - 1, BreakKind.HEAD_ALTERED)


async def test_the_chain_does_not_verify_under_another_key(
    trail: ChainedTrail, store_settings: AuditSettings, key: bytes
) -> None:
    await filled(trail)
    await trail.close()
    async with open_audit_trail(store_settings, key=bytes(reversed(key))) as other:
        report = await other.verify()
    assert report.broken is not None and (report.broken.position, report.broken.kind) == (1, BreakKind.MAC_WRONG)


async def test_an_edited_row_fails_reads_safely(trail: ChainedTrail, raw: Raw) -> None:
    """A row that no longer decodes makes reads fail with AuditUnavailable (no crash, no half-read event)."""
    from resolvers.audit_trail import AuditFilter, AuditUnavailable

    await filled(trail)
    await edit_column(raw, 3, "action", "TIDIED_UP")
    with pytest.raises(AuditUnavailable, match="audit row 3 cannot be decoded"):
        await trail.read(AuditFilter(), first=N, after=None)
    page = await trail.read(AuditFilter(), first=2, after=None)
    assert [s.position for s in page.events] == [N, N - 1]
    assert dataclasses.asdict(page.events[0].event)["actor_id"] == "worker-1"


async def test_a_deleted_head_is_named_and_stops_appends(
    trail: ChainedTrail, raw: Raw, store_settings: AuditSettings, key: bytes
) -> None:
    """Nobody can restart the chain by deleting its head: verification names it, and appends fail closed."""
    from resolvers.audit_trail import AuditUnavailable

    await filled(trail)
    await raw.execute(f"DELETE FROM {raw.tables.head}")
    broken = await broken_at(trail)
    assert (broken.position, broken.kind) == (0, BreakKind.HEAD_ALTERED)
    assert broken.reason.startswith("head deleted")
    with pytest.raises(AuditUnavailable):
        await trail.append([event(99)])
    await trail.close()
    async with open_audit_trail(store_settings, key=key) as reopened:  # starting again does not restore it
        with pytest.raises(AuditUnavailable):
            await reopened.append([event(99)])
        assert len(await all_events(reopened)) == N
