"""Turning a request's credentials into a `Principal`.

The gateway asks exactly one `TokenVerifier`, chosen by the authority's configuration; with none configured
every request is refused (denied by default). Real token verification (JWT/JWKS) arrives with the access issue
and plugs in here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from auth.principal import Principal, Purpose, Role


class TokenVerifier(Protocol):
    def verify(self, headers: Mapping[str, str]) -> Principal | None:
        """The principal the request's credentials prove, or None when they prove nothing."""
        ...


class DenyAll:
    """No authentication configured: nobody gets in."""

    def verify(self, headers: Mapping[str, str]) -> Principal | None:
        return None


class DevelopmentVerifier:
    """Every request runs as one fixed, configured identity. For the demo and tests on loopback only.

    The purpose and case reference may be given in `X-Purpose` / `X-Case-Reference` headers, as the access issue's
    real verifier will take them.
    """

    def __init__(self, *, user_id: str, name: str, roles: tuple[str, ...], team: str | None) -> None:
        unknown = [r for r in roles if r not in Role.__members__]
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(unknown)}")
        self._user_id = user_id
        self._name = name
        self._roles = frozenset(Role[r] for r in roles)
        self._team = team

    def verify(self, headers: Mapping[str, str]) -> Principal | None:
        purpose_name = headers.get("x-purpose", "")
        purpose = Purpose.__members__.get(purpose_name.strip().upper())
        case_reference = headers.get("x-case-reference", "").strip()[:64] or None
        return Principal(
            id=self._user_id,
            name=self._name,
            roles=self._roles,
            team=self._team,
            purpose=purpose,
            case_reference=case_reference,
        )
