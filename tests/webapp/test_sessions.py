"""Server-side sessions: idle and absolute expiry, a bounded store, a new id on sign-in."""

from __future__ import annotations

import datetime

from webapp.sessions import SessionStore, SignedIn


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def store(clock: Clock, **options: int) -> SessionStore:
    return SessionStore(
        idle=datetime.timedelta(minutes=30), lifetime=datetime.timedelta(hours=10), clock=clock, **options
    )


def test_a_session_ends_after_idle_time_and_after_its_lifetime() -> None:
    clock = Clock()
    sessions = store(clock)
    session = sessions.new()
    clock.now += 29 * 60
    assert sessions.get(session.id) is session  # used: the idle clock restarts
    clock.now += 29 * 60
    assert sessions.get(session.id) is session
    clock.now += 31 * 60
    assert sessions.get(session.id) is None
    kept = sessions.new()
    for _ in range(21):  # used every half hour, but not for more than 10 hours
        clock.now += 29 * 60
        found = sessions.get(kept.id)
    assert found is None


def test_ids_and_csrf_tokens_are_random_and_unknown_ids_find_nothing() -> None:
    sessions = store(Clock())
    a, b = sessions.new(), sessions.new()
    assert a.id != b.id and a.csrf_token != b.csrf_token and len(a.id) >= 40
    assert sessions.get("made-up") is None and sessions.get(None) is None


def test_the_store_is_bounded_oldest_first() -> None:
    sessions = store(Clock(), max_sessions=3)
    first, *rest = [sessions.new() for _ in range(4)]
    assert len(sessions) == 3 and sessions.get(first.id) is None
    assert all(sessions.get(s.id) is s for s in rest)


def test_renewing_keeps_the_contents_under_a_new_id_and_token() -> None:
    sessions = store(Clock())
    old = sessions.new()
    old.user = SignedIn(token="t", user_id="u", name=None, roles=(), team=None)
    old.purpose, old.case_reference = "ASSESSMENT", "CR-1"
    fresh = sessions.renew(old)
    assert fresh.id != old.id and fresh.csrf_token != old.csrf_token
    assert (fresh.user, fresh.purpose, fresh.case_reference) == (old.user, "ASSESSMENT", "CR-1")
    assert sessions.get(old.id) is None


def test_sign_out_forgets_everything() -> None:
    sessions = store(Clock())
    session = sessions.new()
    session.user = SignedIn(token="t", user_id="u", name=None, roles=(), team=None)
    session.last_search = {"family_name": "Smith"}
    session.sign_out()
    assert session.user is None and session.last_search == {} and session.purpose is None
