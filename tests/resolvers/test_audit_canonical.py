"""An audit event's canonical bytes are what the chain hashes: they must never change, or every trail already
written would fail verification. Pinned here byte for byte."""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


_TEXT = st.one_of(st.none(), st.text())


def _searched(**fields: object) -> AuditEvent:
    """A search event at a fixed time by a fixed actor, with the given fields."""
    base: dict[str, object] = {
        "at": datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC),
        "actor_id": "u1",
        "actor_name": None,
        "roles": (),
        "team": None,
        "client_id": None,
        "purpose": None,
        "case_reference": None,
        "request_id": "r1",
        "action": AuditAction.SEARCHED,
    }
    return AuditEvent(**{**base, **fields})  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    actor_name=_TEXT,
    team=_TEXT,
    reason=_TEXT,
    search_terms=_TEXT,
    subject_ids=st.lists(st.text(), max_size=4),
)
def test_canonical_bytes_are_what_the_standard_library_wrote(
    actor_name: str | None, team: str | None, reason: str | None, search_terms: str | None, subject_ids: list[str]
) -> None:
    # Trails written before orjson encoded events hashed `json.dumps`'s bytes: for any text (quotes, backslashes,
    # control characters, line separators, astral characters), the two must agree, or those trails would not verify.
    event = _searched(
        actor_name=actor_name,
        roles=("SOCIAL_WORKER",),
        team=team,
        subject_ids=tuple(subject_ids),
        search_terms=search_terms,
        reason=reason,
    )
    fields = {**vars(event), "at": "2026-11-30T12:00:00.000000+00:00", "action": "SEARCHED"}
    fields |= {"roles": ["SOCIAL_WORKER"], "subject_ids": subject_ids, "services": []}
    standard = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert event.canonical() == standard


def test_text_that_is_no_unicode_has_no_canonical_bytes() -> None:
    # A lone surrogate (JSON's "\ud800" parses to one): no trail could hold it before, and none can now; the audit
    # hook then refuses the answer (schema/audit_hook.py).
    event = _searched(search_terms="\ud800")
    with pytest.raises(TypeError):
        event.canonical()
