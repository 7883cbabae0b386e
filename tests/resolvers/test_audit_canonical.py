"""An audit event's canonical bytes are what the chain hashes: they must never change, or every trail already
written would fail verification. Pinned here byte for byte."""

from __future__ import annotations

import datetime

from resolvers.audit_trail import AuditAction, AuditEvent

PINNED = (
    '{"action":"VIEWED_SERVICE_DETAILS","actor_id":"u1","actor_name":"Ann Worker",'
    '"at":"2026-11-30T12:00:01.000005+00:00","case_reference":"CR-1","client_id":null,"purpose":"ASSESSMENT",'
    '"reason":"\u00e9","request_id":"r1","roles":["SOCIAL_WORKER"],"search_terms":null,"services":["POLICE"],'
    '"subject_ids":["C000001","P1"],"team":"T1"}'
).encode()


def test_canonical_bytes_are_pinned() -> None:
    event = AuditEvent(
        at=datetime.datetime(2026, 11, 30, 13, 0, 1, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
        actor_id="u1",
        actor_name="Ann Worker",
        roles=("SOCIAL_WORKER",),
        team="T1",
        client_id=None,
        purpose="ASSESSMENT",
        case_reference="CR-1",
        request_id="r1",
        action=AuditAction.VIEWED_SERVICE_DETAILS,
        subject_ids=("C000001", "P1"),
        services=("POLICE",),
        reason="\u00e9",
    )
    assert event.canonical() == PINNED
