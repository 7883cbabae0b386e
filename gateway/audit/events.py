"""An event made ready for the chain before it joins a batch: normalised, checked, its canonical bytes computed.

Done in the caller's `append`, not in the writer, so that one event the store cannot keep (a lone surrogate,
a NUL character PostgreSQL text refuses) fails its own request only, never the other requests of its batch.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

from resolvers.audit_trail import AuditEvent, AuditUnavailable

EVENT_REJECTED = "an audit event could not be stored: {why}"


class AuditEventRejected(AuditUnavailable):
    """This event cannot be stored as given (a caller's bug); other callers' events are unaffected."""


@dataclass(frozen=True)
class PreparedEvent:
    event: AuditEvent  # `at` in UTC, as it is stored and read back
    canonical: bytes  # what the chain hashes


def prepare(event: AuditEvent) -> PreparedEvent:
    if not isinstance(event.at, datetime.datetime):
        raise AuditEventRejected(EVENT_REJECTED.format(why="its time is not a datetime"))
    at = event.at.astimezone(datetime.UTC)
    if at != event.at or at.tzinfo is not event.at.tzinfo:
        event = dataclasses.replace(event, at=at)
    for value in _strings(event):
        if "\x00" in value:
            raise AuditEventRejected(EVENT_REJECTED.format(why="a value holds a NUL character"))
    try:
        canonical = event.canonical()
    except (UnicodeEncodeError, TypeError, ValueError) as exc:
        raise AuditEventRejected(EVENT_REJECTED.format(why=type(exc).__name__)) from None
    return PreparedEvent(event=event, canonical=canonical)


def _strings(event: AuditEvent) -> list[str]:
    values: list[str] = []
    for value in vars(event).values():  # every field (an event has no other attribute), without `fields`' copies
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, tuple):
            values.extend(v for v in value if isinstance(v, str))
    return values
