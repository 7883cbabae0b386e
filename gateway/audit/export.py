"""Writing exported events as CSV (for people, with a header) or JSON lines (for machines, lossless).

Both carry every field and the chain's links, so an export can be checked against the trail later. Lists
(roles, subject ids, services) are JSON arrays in both. In CSV, a text cell that a spreadsheet would run as a
formula (it starts with =, +, -, @, a tab or a carriage return; search terms are typed by users) is prefixed
with an apostrophe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from typing import Any, TextIO

from gateway.audit.tables import EVENT_COLUMNS
from resolvers.audit_trail import StoredEvent

FORMATS = ("csv", "jsonl")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def record(stored: StoredEvent) -> dict[str, Any]:
    """One event as plain JSON values, in the trail's column order."""
    e = stored.event
    return {
        "position": stored.position,
        "at": e.at.isoformat(timespec="microseconds"),
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "roles": list(e.roles),
        "team": e.team,
        "client_id": e.client_id,
        "purpose": e.purpose,
        "case_reference": e.case_reference,
        "request_id": e.request_id,
        "action": e.action.value,
        "subject_ids": list(e.subject_ids),
        "services": list(e.services),
        "search_terms": e.search_terms,
        "reason": e.reason,
        "previous_hash": stored.previous_hash,
        "hash": stored.hash,
        "mac": stored.mac,
    }


async def write_jsonl(events: AsyncIterator[StoredEvent], out: TextIO) -> int:
    count = 0
    async for stored in events:
        out.write(json.dumps(record(stored), ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


async def write_csv(events: AsyncIterator[StoredEvent], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EVENT_COLUMNS)
    count = 0
    async for stored in events:
        writer.writerow([_cell(value) for value in record(stored).values()])
        count += 1
    return count


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
