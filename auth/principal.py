"""Who is asking, and why: the signed-in identity plus what the request says about its purpose."""

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
    """The caller of one request.

    `id`, `name`, `roles`, `team`, `email` and `client_id` come from the verified token; for a machine client
    (client-credentials flow) `id` is the client id. `purpose`, `case_reference` and `break_glass_reason` come from
    the request's `X-Purpose`, `X-Case-Reference` and `X-Break-Glass-Reason` headers (`auth/circumstances.py`).
    """

    id: str
    name: str | None
    roles: frozenset[Role]
    team: str | None = None
    email: str | None = None
    client_id: str | None = None  # the application the token was issued to (a front end, or a machine client)
    machine: bool = False  # a machine client: no person behind the request
    purpose: Purpose | None = None
    case_reference: str | None = None
    break_glass_reason: str | None = None
