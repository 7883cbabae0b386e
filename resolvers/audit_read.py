"""`auditEvents`: who looked at what. Auditors read the whole trail; team managers their own team's events.

Reading the trail is itself recorded (`READ_AUDIT`), with the filter used.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from auth.access import AccessDenied
from auth.policy import Denied
from auth.principal import Role
from resolvers.audit_trail import CURSOR, AuditAction, AuditFilter, AuditPage, AuditUnavailable
from resolvers.context import RequestContext
from resolvers.errors import AUDIT_UNAVAILABLE, GatewayError, bad_input

DEFAULT_FIRST = 50  # the page when `first` is left out or null
MAX_FIRST = 500
BAD_FIRST = f"first must be between 1 and {MAX_FIRST}."
BAD_CURSOR = "after is not a cursor this trail returned."
BAD_RANGE = "from must be before to."
NOT_AN_AUDITOR = "Withheld: only auditors, and team managers for their own team, may read the audit trail."
NO_TEAM = "Withheld: your sign-in names no team, so there is no team's trail to read."
UNREADABLE = "The audit trail could not be read just now. Please try again."


@dataclass(frozen=True, kw_only=True)
class AuditQuery:
    actor_id: str | None = None
    subject_id: str | None = None
    action: AuditAction | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    case_reference: str | None = None

    def describe(self) -> str:
        given = {
            "actorId": self.actor_id,
            "subjectId": self.subject_id,
            "action": self.action.value if self.action else None,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
            "caseReference": self.case_reference,
        }
        return "; ".join(f"{name}={value}" for name, value in given.items() if value) or "all events"


async def audit_events(ctx: RequestContext, query: AuditQuery, first: int | None, after: str | None) -> AuditPage:
    team = _scope(ctx)
    first = DEFAULT_FIRST if first is None else first
    if not 1 <= first <= MAX_FIRST:
        raise bad_input(BAD_FIRST)
    if after is not None and not CURSOR.fullmatch(after):
        raise bad_input(BAD_CURSOR)
    if query.since and query.until and query.since >= query.until:
        raise bad_input(BAD_RANGE)
    ctx.audit.read_audit(query.describe() + (f"; team={team}" if team else ""))
    audit_filter = AuditFilter(
        actor_id=query.actor_id,
        subject_id=query.subject_id,
        action=query.action,
        since=query.since,
        until=query.until,
        case_reference=query.case_reference,
        team=team,
    )
    try:
        return await ctx.runtime.audit_trail.read(audit_filter, first=first, after=after)
    except AuditUnavailable:
        raise GatewayError(UNREADABLE, AUDIT_UNAVAILABLE) from None


def _scope(ctx: RequestContext) -> str | None:
    """None for the whole trail (auditors), the principal's team for a team manager; anyone else is refused."""
    roles = ctx.principal.roles
    if Role.AUDITOR in roles:
        return None
    if Role.TEAM_MANAGER in roles:
        if not ctx.principal.team:
            raise _refused(NO_TEAM)
        return ctx.principal.team
    raise _refused(NOT_AN_AUDITOR)


def _refused(message: str) -> AccessDenied:
    return AccessDenied(Denied("FORBIDDEN", message))
