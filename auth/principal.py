"""Who is asking, and why."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.Enum):
    SOCIAL_WORKER = "SOCIAL_WORKER"
    TEAM_MANAGER = "TEAM_MANAGER"
    AUDITOR = "AUDITOR"
    INTEGRATION = "INTEGRATION"
    ADMIN = "ADMIN"


class Purpose(enum.Enum):
    ASSESSMENT = "ASSESSMENT"  # Children Act 1989 s17
    CHILD_PROTECTION_ENQUIRY = "CHILD_PROTECTION_ENQUIRY"  # s47
    MASH_TRIAGE = "MASH_TRIAGE"
    AUDIT = "AUDIT"


@dataclass(frozen=True, kw_only=True)
class Principal:
    id: str
    name: str | None
    roles: frozenset[Role]
    team: str | None = None
    purpose: Purpose | None = None
    case_reference: str | None = None
