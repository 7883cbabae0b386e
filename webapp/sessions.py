"""Server-side sessions: the cookie holds only a random id; everything else (the user's token, the purpose and
case reference, the CSRF token, a sign-in in progress) stays in this process's memory.

Why in memory: a session holds a bearer token, which must never reach the browser or a disk; a worker whose
gateway restarts signs in again. Several gateway processes behind one address need sticky sessions
(docs/operations.md). Sessions end after `idle` without use, after `lifetime` whatever happens, or at sign-out;
the store is bounded (the oldest sessions go first) so that nobody can fill the memory by opening sessions.
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "fc_session"
SECURE_COOKIE = "__Host-fc_session"  # the prefix makes browsers insist on Secure, Path=/ and no Domain
MAX_SESSIONS = 10_000


@dataclass
class SignedIn:
    token: str
    user_id: str
    name: str | None
    roles: tuple[str, ...]
    team: str | None
    id_token: str | None = None  # OIDC: kept for the provider's sign-out


@dataclass
class PendingSignIn:
    """An OIDC sign-in under way: what the callback must match."""

    state: str
    nonce: str
    code_verifier: str


@dataclass
class Session:
    id: str
    csrf_token: str
    created: float
    last_used: float
    user: SignedIn | None = None
    pending: PendingSignIn | None = None
    purpose: str | None = None
    case_reference: str | None = None
    last_search: dict[str, str] = field(default_factory=dict)  # the search form's last terms (never logged)
    search_cursors: list[str | None] = field(default_factory=lambda: [None])  # page n starts after [n - 1]

    def sign_out(self) -> None:
        self.user = None
        self.pending = None
        self.purpose = None
        self.case_reference = None
        self.last_search = {}
        self.search_cursors = [None]


class SessionStore:
    def __init__(
        self,
        *,
        idle: datetime.timedelta,
        lifetime: datetime.timedelta,
        max_sessions: int = MAX_SESSIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if idle <= datetime.timedelta(0) or lifetime <= datetime.timedelta(0) or max_sessions < 1:
            raise ValueError("session idle time, lifetime and bound must be positive")
        self._idle = idle.total_seconds()
        self._lifetime = lifetime.total_seconds()
        self._max = max_sessions
        self._clock = clock
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (its use recorded), or None."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = self._clock()
        if now - session.last_used > self._idle or now - session.created > self._lifetime:
            del self._sessions[session_id]
            return None
        session.last_used = now
        self._sessions.move_to_end(session_id)
        return session

    def new(self) -> Session:
        now = self._clock()
        self._expire(now)
        while len(self._sessions) >= self._max:
            self._sessions.popitem(last=False)
        session = Session(
            id=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32), created=now, last_used=now
        )
        self._sessions[session.id] = session
        return session

    def renew(self, session: Session) -> Session:
        """The same contents under a new id and CSRF token: after signing in, so that an id planted before
        sign-in (session fixation) is worthless."""
        self._sessions.pop(session.id, None)
        fresh = self.new()
        fresh.user, fresh.pending = session.user, session.pending
        fresh.purpose, fresh.case_reference = session.purpose, session.case_reference
        return fresh

    def end(self, session: Session) -> None:
        self._sessions.pop(session.id, None)

    def _expire(self, now: float) -> None:
        # Least recently used first: stop at the first one still live.
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if now - oldest.last_used <= self._idle and now - oldest.created <= self._lifetime:
                break
            self._sessions.popitem(last=False)
