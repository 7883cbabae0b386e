"""The hash chain: how each event is linked to the one before it, and how a stored chain is checked.

`hash_n = sha256(previous_hash_hex + ":" + canonical(event_n))` from a fixed genesis hash, and
`mac_n = HMAC-SHA256(key, hash_n)`. The hashes make any edit, deletion or insertion visible; the MAC makes a
chain re-hashed from scratch visible, because only the gateway holds the key. Two more records are MAC'd: the
head (the last position and hash written), so that deleting the newest rows shows; and the prune checkpoint
(the last removed position and hash), so that a pruned chain still verifies from its first remaining row.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.audit.events import PreparedEvent
from resolvers.audit_trail import AuditEvent, StoredEvent

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainLink:
    """A MAC'd (position, hash): the head of the chain, or a prune checkpoint. Position 0 is the genesis."""

    position: int
    hash: str
    mac: str


@dataclass(frozen=True)
class ScannedRow:
    """A row as read back for verification; `event` is None when the row no longer decodes (it was edited)."""

    position: int
    previous_hash: str
    hash: str
    mac: str
    event: AuditEvent | None


def event_hash(previous_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(previous_hash.encode("utf-8") + b":" + canonical).hexdigest()


def event_mac(key: bytes, hash_hex: str) -> str:
    return hmac.new(key, hash_hex.encode("utf-8"), hashlib.sha256).hexdigest()


def head_link(key: bytes, position: int, hash_hex: str) -> ChainLink:
    """The head's MAC is over its own label, so it can never be mistaken for an event's or a checkpoint's."""
    return ChainLink(position, hash_hex, _labelled_mac(key, "head", position, hash_hex))


def checkpoint_link(key: bytes, position: int, hash_hex: str) -> ChainLink:
    return ChainLink(position, hash_hex, _labelled_mac(key, "checkpoint", position, hash_hex))


def genesis_head(key: bytes) -> ChainLink:
    return head_link(key, 0, GENESIS_HASH)


def _labelled_mac(key: bytes, label: str, position: int, hash_hex: str) -> str:
    message = f"{label}:{position}:{hash_hex}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _mac_ok(expected: str, actual: str) -> bool:
    return hmac.compare_digest(expected.encode(), actual.encode())


def extend(key: bytes, head: ChainLink, batch: Sequence[PreparedEvent]) -> tuple[list[StoredEvent], ChainLink]:
    """Link `batch` after `head` (read inside the writing transaction); returns the rows and the new head."""
    rows: list[StoredEvent] = []
    position, previous = head.position, head.hash
    for prepared in batch:
        position += 1
        digest = event_hash(previous, prepared.canonical)
        rows.append(
            StoredEvent(
                position=position,
                event=prepared.event,
                previous_hash=previous,
                hash=digest,
                mac=event_mac(key, digest),
            )
        )
        previous = digest
    return rows, head_link(key, position, previous)


class BreakKind(enum.Enum):
    CONTENT_EDITED = "CONTENT_EDITED"
    ROW_DELETED = "ROW_DELETED"
    ROW_INSERTED = "ROW_INSERTED"
    MAC_WRONG = "MAC_WRONG"
    HEAD_ALTERED = "HEAD_ALTERED"
    CHECKPOINT_ALTERED = "CHECKPOINT_ALTERED"


CONTENT_EDITED = "content edited: the event no longer matches its hash"
ROW_MISSING = "row deleted: position {position} is missing (the positions jump from {previous} to {next})"
ROW_UNLINKED = (
    "row deleted: its previous_hash does not match the hash of {previous}, so a row was removed before it "
    "and the rest renumbered"
)
ROW_INSERTED = "row inserted: position {position} is not part of the chain (the row after it links past it)"
ROW_AFTER_HEAD = "row inserted: position {position} comes after the last position the trail recorded ({head})"
MAC_WRONG = (
    "MAC wrong: the row's hash is not authenticated by the trail's key (the chain was re-hashed, or the row "
    "forged, without the key)"
)
TAIL_MISSING = "row deleted: the trail ends at position {last} but recorded position {head} as its last"
HEAD_ALTERED = "head altered: the recorded last position and hash do not match their MAC"
HEAD_MISSING = "head deleted: the record of the last position and hash written is missing"
CHECKPOINT_ALTERED = "checkpoint altered: the prune checkpoint does not match its MAC"


@dataclass(frozen=True)
class ChainBreak:
    position: int
    kind: BreakKind
    reason: str


@dataclass(frozen=True, kw_only=True)
class VerifyReport:
    checked: int  # rows found intact (before the break, if there is one)
    anchor_position: int  # 0: checked from the genesis; otherwise from the prune checkpoint at this position
    head_position: int  # the last position the trail recorded
    broken: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def describe(self) -> str:
        if self.broken is not None:
            return (
                f"audit trail BROKEN at position {self.broken.position}: {self.broken.reason} "
                f"({self.checked} events checked before it)"
            )
        span = f"positions {self.anchor_position + 1}..{self.head_position}" if self.checked else "no events"
        origin = f", from the prune checkpoint at position {self.anchor_position}" if self.anchor_position else ""
        noun = "event" if self.checked == 1 else "events"
        return f"audit trail OK: {self.checked} {noun} checked ({span}{origin})"


class ChainVerifier:
    """Checks rows fed in position order, from the anchor (genesis or checkpoint) to the head.

    A row that fails on its own (edited, re-hashed, unlinked) is judged only once the next row is seen: if that
    next row links past it to the row before, the suspicious row was inserted, not edited.
    """

    def __init__(self, key: bytes, *, checkpoint: ChainLink | None, head: ChainLink | None) -> None:
        self._key = key
        self._head = head or ChainLink(0, GENESIS_HASH, "")
        anchor = checkpoint or ChainLink(0, GENESIS_HASH, "")
        self.anchor_position = anchor.position
        self._last_position = anchor.position
        self._last_hash = anchor.hash
        self._pending: tuple[ScannedRow, ChainBreak, str] | None = None  # row, its break, the hash before it
        self.checked = 0
        self.broken: ChainBreak | None = None
        if checkpoint is not None and not _mac_ok(
            checkpoint_link(key, checkpoint.position, checkpoint.hash).mac, checkpoint.mac
        ):
            self.broken = ChainBreak(checkpoint.position, BreakKind.CHECKPOINT_ALTERED, CHECKPOINT_ALTERED)
        elif head is None:
            self.broken = ChainBreak(0, BreakKind.HEAD_ALTERED, HEAD_MISSING)

    def feed(self, row: ScannedRow) -> ChainBreak | None:
        """The break this row reveals (then stop feeding), or None."""
        if self.broken is not None:
            return self.broken
        if self._pending is not None:
            suspicious, found, hash_before = self._pending
            self._pending = None
            if row.position == suspicious.position + 1 and row.previous_hash == hash_before:
                position = suspicious.position
                return self._break(ChainBreak(position, BreakKind.ROW_INSERTED, ROW_INSERTED.format(position=position)))
            return self._break(found)
        if row.position > self._head.position:
            reason = ROW_AFTER_HEAD.format(position=row.position, head=self._head.position)
            return self._break(ChainBreak(row.position, BreakKind.ROW_INSERTED, reason))
        expected = self._last_position + 1
        if row.position != expected:
            reason = ROW_MISSING.format(position=expected, previous=self._last_position, next=row.position)
            return self._break(ChainBreak(expected, BreakKind.ROW_DELETED, reason))
        own = self._row_break(row)
        if own is not None:
            self._pending = (row, own, self._last_hash)
        else:
            self.checked += 1
        self._last_position, self._last_hash = row.position, row.hash
        return None

    def finish(self) -> VerifyReport:
        """After the last row: judge a pending row, then check the rows end where the MAC'd head says."""
        if self.broken is None and self._pending is not None:
            self._break(self._pending[1])
        if self.broken is None:
            head = self._head
            if not _mac_ok(head_link(self._key, head.position, head.hash).mac, head.mac):
                self._break(ChainBreak(head.position, BreakKind.HEAD_ALTERED, HEAD_ALTERED))
            elif self._last_position < head.position:
                reason = TAIL_MISSING.format(last=self._last_position, head=head.position)
                self._break(ChainBreak(self._last_position + 1, BreakKind.ROW_DELETED, reason))
            elif self._last_hash != head.hash:
                self._break(ChainBreak(head.position, BreakKind.HEAD_ALTERED, HEAD_ALTERED))
        return VerifyReport(
            checked=self.checked,
            anchor_position=self.anchor_position,
            head_position=self._head.position,
            broken=self.broken,
        )

    def _row_break(self, row: ScannedRow) -> ChainBreak | None:
        if row.previous_hash != self._last_hash:
            previous = f"position {self._last_position}" if self._last_position else "the genesis"
            return ChainBreak(row.position, BreakKind.ROW_DELETED, ROW_UNLINKED.format(previous=previous))
        if row.event is None:
            return ChainBreak(row.position, BreakKind.CONTENT_EDITED, CONTENT_EDITED)
        try:
            canonical = row.event.canonical()
        except (UnicodeEncodeError, TypeError, ValueError):
            canonical = None
        if canonical is None or event_hash(row.previous_hash, canonical) != row.hash:
            return ChainBreak(row.position, BreakKind.CONTENT_EDITED, CONTENT_EDITED)
        if not _mac_ok(event_mac(self._key, row.hash), row.mac):
            return ChainBreak(row.position, BreakKind.MAC_WRONG, MAC_WRONG)
        return None

    def _break(self, found: ChainBreak) -> ChainBreak:
        self.broken = found
        return found
