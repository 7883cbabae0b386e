"""The demo's sign-in: "sign in as" one of the demo roles. The page mints a token with the demo's own key
(`auth/demo_issuer.py`), exactly as `family-context token` does, and then uses it like any other bearer token."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auth.demo_issuer import mint_token
from auth.principal import Role

# A demo session lasts a working day at most (the session's own lifetime ends it sooner).
DEMO_TOKEN_TTL_S = 8 * 3600


@dataclass(frozen=True)
class DemoIdentity:
    role: Role
    user_id: str
    name: str
    team: str | None = None
    email: str | None = None
    description: str = ""


DEFAULT_IDENTITIES: tuple[DemoIdentity, ...] = (
    DemoIdentity(
        Role.SOCIAL_WORKER,
        "demo-social-worker",
        "Demo Social Worker",
        "Assessment Team",
        description="Sees the family context, service details and match evidence.",
    ),
    DemoIdentity(
        Role.TEAM_MANAGER,
        "demo-team-manager",
        "Demo Team Manager",
        "Assessment Team",
        description="Sees what a social worker sees, and the team's audit trail.",
    ),
    DemoIdentity(
        Role.AUDITOR,
        "demo-auditor",
        "Demo Auditor",
        "Information Governance",
        description="Reads the audit trail only: children's records are refused.",
    ),
    DemoIdentity(
        Role.ADMIN,
        "demo-admin",
        "Demo Administrator",
        "Digital Services",
        description="Runs the service: source health only, no children's records.",
    ),
)


def demo_token(key_file: Path, identity: DemoIdentity) -> str:
    return mint_token(
        key_file,
        role=identity.role,
        user_id=identity.user_id,
        name=identity.name,
        team=identity.team,
        email=identity.email,
        ttl_s=DEMO_TOKEN_TTL_S,
    )
