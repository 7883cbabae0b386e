"""Typed settings of the access layer: how callers sign in (`[auth]`) and who may see what (`[access]`).

`gateway/settings.py` reads them from the authority's TOML file once, at start-up; everything in `auth/` takes
these values, never raw TOML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from auth.field_classes import FieldClass
from auth.principal import Purpose, Role
from sources.model import Service

AuthMode = Literal["oidc", "demo", "development"]

# Asymmetric algorithms only: `none` and the HS* family (a shared secret) are never accepted for sign-in.
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
DEFAULT_ALGORITHMS = ("RS256", "PS256", "ES256")


@dataclass(frozen=True, kw_only=True)
class ClaimNames:
    """Where each fact about the caller is found in a token. A dotted name reads a nested claim."""

    user_id: str = "sub"
    name: str = "name"
    roles: str = "roles"
    team: str | None = None
    email: str | None = "email"
    client_id: str = "azp"


CLAIM_PRESETS: Mapping[str, ClaimNames] = {
    # Microsoft Entra ID (Azure AD) v2 tokens: app roles in `roles`; the team from a claims-mapping policy that
    # emits the user's department; `azp` is the calling application's client id.
    "entra": ClaimNames(
        user_id="oid", name="name", roles="roles", team="department", email="preferred_username", client_id="azp"
    ),
    # Keycloak: realm roles; the team from a user-attribute mapper named `team`.
    "keycloak": ClaimNames(
        user_id="sub",
        name="preferred_username",
        roles="realm_access.roles",
        team="team",
        email="email",
        client_id="azp",
    ),
    "generic": ClaimNames(),
}


@dataclass(frozen=True, kw_only=True)
class TokenSettings:
    """Verifying bearer tokens (JWTs) from one issuer."""

    issuer: str
    audiences: tuple[str, ...]
    jwks_url: str | None = None  # fetched with the gateway's HTTP session, cached
    jwks_file: Path | None = None  # or a local JWKS file
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    clock_skew_s: float = 60.0
    claims: ClaimNames = field(default_factory=ClaimNames)
    role_map: Mapping[str, Role] = field(default_factory=dict)  # a token's role value -> the gateway's role
    jwks_min_refresh_s: float = 60.0  # an unknown `kid` refreshes the keys at most this often
    jwks_max_age_s: float = 3600.0  # keys older than this are refreshed on the next request
    jwks_timeout_s: float = 5.0

    def role_for(self, value: str) -> Role | None:
        """The gateway role a token's role value maps to: the configured table, else the role's own name."""
        if self.role_map:
            return self.role_map.get(value)
        return Role.__members__.get(value)


# The demo's issuer: tokens signed by a key the demo generates into its workdir (`auth/demo_issuer.py`).
DEMO_ISSUER = "urn:family-context:demo"
DEMO_AUDIENCE = "family-context"


@dataclass(frozen=True, kw_only=True)
class DevelopmentIdentity:
    """The fixed identity every request runs as when `auth.mode = "development"` (tests on loopback only)."""

    user_id: str = "developer"
    name: str = "Developer"
    roles: tuple[Role, ...] = (Role.SOCIAL_WORKER,)
    team: str | None = None
    email: str | None = None


@dataclass(frozen=True, kw_only=True)
class AuthSettings:
    # None: no way to sign in is configured, so every request is refused (denied by default).
    mode: AuthMode | None = None
    tokens: TokenSettings | None = None  # oidc and demo
    demo_key_file: Path | None = None  # demo: the private key `family-context token` signs with
    development: DevelopmentIdentity = field(default_factory=DevelopmentIdentity)

    @property
    def production(self) -> bool:
        """Real sign-in: the hardened defaults apply (no introspection, no GraphiQL, ...)."""
        return self.mode == "oidc"


@dataclass(frozen=True, kw_only=True)
class Narrowing:
    """A class of one service granted only to these roles and/or for these purposes (None: no restriction)."""

    roles: frozenset[Role] | None = None
    purposes: frozenset[Purpose] | None = None


DEFAULT_ROLE_CLASSES: Mapping[Role, frozenset[FieldClass]] = {
    Role.SOCIAL_WORKER: frozenset({FieldClass.BASIC, FieldClass.FLAG, FieldClass.DETAIL, FieldClass.LINKAGE}),
    # Team managers audit their own team's look-ups (`auditEvents` narrows them to their team).
    Role.TEAM_MANAGER: frozenset(
        {FieldClass.BASIC, FieldClass.FLAG, FieldClass.DETAIL, FieldClass.LINKAGE, FieldClass.AUDIT}
    ),
    Role.INTEGRATION: frozenset({FieldClass.BASIC, FieldClass.FLAG}),
    Role.AUDITOR: frozenset({FieldClass.AUDIT}),
    Role.ADMIN: frozenset({FieldClass.OPERATIONS}),
}


@dataclass(frozen=True, kw_only=True)
class AccessSettings:
    """The `[access]` table: which roles get which classes, where a purpose is needed, case-linked rules."""

    role_classes: Mapping[Role, frozenset[FieldClass]] = field(default_factory=lambda: dict(DEFAULT_ROLE_CLASSES))
    purpose_required_for: frozenset[FieldClass] = frozenset({FieldClass.DETAIL})
    narrowing: Mapping[tuple[Service, FieldClass], Narrowing] = field(default_factory=dict)
    # In a case_linked authority, principals holding one of these roles are not held to a caseload (machine
    # clients such as a MASH triage system have none); they still get only their roles' classes.
    case_link_exempt_roles: frozenset[Role] = frozenset({Role.INTEGRATION})
    break_glass_min_chars: int = 20
