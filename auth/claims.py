"""From a verified token's claims to the `Principal` of the request.

Why a module of its own: every identity provider names the same facts differently (Entra's `oid` and app roles,
Keycloak's `realm_access.roles`, ...). The authority's `[auth.claims]` and `[auth.roles]` tables say where each
fact is and which token values grant which gateway role; this is the one place that reads them, so the verifier
stays provider-neutral and the mapping can be tested on plain dictionaries.

A token with no role the gateway knows is still a signed-in principal, with no roles: the access policy then
refuses everything but `me`. Role values the table does not name are ignored, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auth.principal import Principal, Role
from auth.settings import TokenSettings
from auth.verifier import Unauthenticated

MAX_TEXT_CHARS = 200  # name, team, email: longer values are cut, they are shown, never matched on
MAX_ID_CHARS = 256

NO_USER_ID = "The token does not say who the user is."
NO_CLIENT_ID = "The token does not say which client application it was issued to."

# Where client-credentials tokens name the client, after the configured claim: Entra v1 (`appid`), RFC 9068
# (`client_id`).
_CLIENT_ID_FALLBACKS = ("appid", "client_id")


def principal_from_claims(claims: Mapping[str, Any], settings: TokenSettings) -> Principal:
    """The principal a verified token proves; raises `Unauthenticated` when the token names no one."""
    names = settings.claims
    roles = _roles(claim(claims, names.roles), settings)
    client_id = _first_id(claims, (names.client_id, *_CLIENT_ID_FALLBACKS))
    name = _text(claim(claims, names.name))
    team = _text(claim(claims, names.team)) if names.team else None
    email = _text(claim(claims, names.email)) if names.email else None
    if Role.INTEGRATION in roles:
        # A machine client (client-credentials flow): no person behind it, so it is known by its client id.
        machine_id = client_id or _first_id(claims, (names.user_id,))
        if machine_id is None:
            raise Unauthenticated(NO_CLIENT_ID, error="invalid_token")
        return Principal(
            id=machine_id, name=name, roles=roles, team=team, email=email, client_id=machine_id, machine=True
        )
    user_id = _first_id(claims, (names.user_id,))
    if user_id is None:
        raise Unauthenticated(NO_USER_ID, error="invalid_token")
    return Principal(id=user_id, name=name, roles=roles, team=team, email=email, client_id=client_id)


def claim(claims: Mapping[str, Any], name: str) -> Any:
    """The value of a claim, None when absent; a dotted name (`realm_access.roles`) reads nested objects.

    A claim whose own name contains a dot (some providers use URLs as claim names) is found too: the whole name
    is tried before it is split.
    """
    if name in claims:
        return claims[name]
    head, dot, rest = name.partition(".")
    if not dot:
        return None
    inner = claims.get(head)
    return claim(inner, rest) if isinstance(inner, Mapping) else None


def _roles(value: Any, settings: TokenSettings) -> frozenset[Role]:
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    mapped = (settings.role_for(v) for v in values if isinstance(v, str))
    return frozenset(role for role in mapped if role is not None)


def _first_id(claims: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = claim(claims, name)
        if isinstance(value, str) and value.strip() and len(value.strip()) <= MAX_ID_CHARS:
            return value.strip()
    return None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip()[:MAX_TEXT_CHARS] or None
