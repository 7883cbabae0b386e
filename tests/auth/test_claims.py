"""From verified claims to the principal: the providers' presets, the role table, machine clients."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from auth.claims import NO_CLIENT_ID, NO_USER_ID, claim, principal_from_claims
from auth.principal import Principal, Role
from auth.settings import CLAIM_PRESETS, TokenSettings
from auth.verifier import Unauthenticated

ENTRA_ROLES = {
    "FamilyContext.SocialWorker": Role.SOCIAL_WORKER,
    "FamilyContext.TeamManager": Role.TEAM_MANAGER,
    "FamilyContext.Integration": Role.INTEGRATION,
}


def settings(preset: str = "generic", role_map: dict[str, Role] | None = None, **claims: Any) -> TokenSettings:
    names = CLAIM_PRESETS[preset]
    if claims:
        names = dataclasses.replace(names, **claims)
    return TokenSettings(issuer="https://issuer.test/", audiences=("api",), claims=names, role_map=role_map or {})


def test_an_entra_user_token() -> None:
    claims = {
        "oid": "6e1f0c1a-0000-4000-8000-00000000abcd",
        "sub": "pairwise-subject-differs-per-app",
        "name": "Alex Worker",
        "preferred_username": "alex.worker@council.example",
        "department": "Assessment Team North",
        "roles": ["FamilyContext.SocialWorker", "Some.Other.App.Role"],
        "azp": "client-of-the-front-end",
        "tid": "tenant",
    }
    principal = principal_from_claims(claims, settings("entra", ENTRA_ROLES))
    assert principal == Principal(
        id="6e1f0c1a-0000-4000-8000-00000000abcd",
        name="Alex Worker",
        roles=frozenset({Role.SOCIAL_WORKER}),
        team="Assessment Team North",
        email="alex.worker@council.example",
        client_id="client-of-the-front-end",
    )


def test_a_keycloak_user_token() -> None:
    claims = {
        "sub": "f3b1e5c2-1111-4222-8333-444455556666",
        "preferred_username": "jdoe",
        "email": "j.doe@council.example",
        "team": "MASH",
        "realm_access": {"roles": ["team_manager", "offline_access", "uma_authorization"]},
        "azp": "family-context-ui",
    }
    role_map = {"team_manager": Role.TEAM_MANAGER, "social_worker": Role.SOCIAL_WORKER}
    principal = principal_from_claims(claims, settings("keycloak", role_map))
    assert principal == Principal(
        id="f3b1e5c2-1111-4222-8333-444455556666",
        name="jdoe",
        roles=frozenset({Role.TEAM_MANAGER}),
        team="MASH",
        email="j.doe@council.example",
        client_id="family-context-ui",
    )


@pytest.mark.parametrize(
    ("token_roles", "roles"),
    [
        (["FamilyContext.SocialWorker"], {Role.SOCIAL_WORKER}),
        (["FamilyContext.SocialWorker", "FamilyContext.TeamManager"], {Role.SOCIAL_WORKER, Role.TEAM_MANAGER}),
        ("FamilyContext.TeamManager", {Role.TEAM_MANAGER}),  # a single value, not a list
        (["SOCIAL_WORKER"], set()),  # with a table, only its values count: a gateway role name is not one
        (["Unknown.Role", 7, None], set()),
        ({"not": "a list"}, set()),
        (None, set()),
    ],
)
def test_the_role_table_maps_token_values_to_gateway_roles(token_roles: Any, roles: set[Role]) -> None:
    principal = principal_from_claims({"sub": "u", "roles": token_roles}, settings(role_map=ENTRA_ROLES))
    assert principal.roles == roles


def test_without_a_table_the_gateway_role_names_are_the_values() -> None:
    claims = {"sub": "u", "roles": ["AUDITOR", "social_worker", "ADMIN"]}
    assert principal_from_claims(claims, settings()).roles == {Role.AUDITOR, Role.ADMIN}


def test_a_user_with_no_known_role_is_signed_in_with_no_roles() -> None:
    principal = principal_from_claims({"sub": "u", "name": "New Starter"}, settings(role_map=ENTRA_ROLES))
    assert principal.id == "u" and principal.roles == frozenset() and not principal.machine


def test_an_entra_client_credentials_token_is_a_machine_known_by_its_client_id() -> None:
    claims = {
        "oid": "service-principal-object-id",
        "sub": "service-principal-object-id",
        "azp": "mash-triage-client-id",
        "roles": ["FamilyContext.Integration"],
    }
    principal = principal_from_claims(claims, settings("entra", ENTRA_ROLES))
    assert principal == Principal(
        id="mash-triage-client-id",
        name=None,
        roles=frozenset({Role.INTEGRATION}),
        client_id="mash-triage-client-id",
        machine=True,
    )


@pytest.mark.parametrize(
    ("claims", "client_id"),
    [
        ({"appid": "v1-client", "sub": "sp"}, "v1-client"),  # Entra v1 tokens
        ({"client_id": "rfc9068-client", "sub": "sp"}, "rfc9068-client"),  # RFC 9068 access tokens
        ({"sub": "service-account-client"}, "service-account-client"),  # only the subject names it
        ({"azp": "  ", "appid": "v1-client", "sub": "sp"}, "v1-client"),  # blank values are skipped
    ],
)
def test_a_machine_client_id_falls_back_through_the_usual_claims(claims: dict[str, Any], client_id: str) -> None:
    principal = principal_from_claims({**claims, "roles": ["INTEGRATION"]}, settings())
    assert (principal.id, principal.client_id, principal.machine) == (client_id, client_id, True)


def test_a_machine_token_naming_no_client_is_refused() -> None:
    with pytest.raises(Unauthenticated) as refused:
        principal_from_claims({"roles": ["INTEGRATION"]}, settings())
    assert (refused.value.message, refused.value.error) == (NO_CLIENT_ID, "invalid_token")


@pytest.mark.parametrize("user_id", [None, "", "   ", 12345, ["u"], "x" * 257])
def test_a_person_without_a_usable_user_id_is_refused(user_id: Any) -> None:
    claims = {"name": "Someone", "roles": ["SOCIAL_WORKER"]}
    if user_id is not None:
        claims["sub"] = user_id
    with pytest.raises(Unauthenticated) as refused:
        principal_from_claims(claims, settings())
    assert (refused.value.message, refused.value.error) == (NO_USER_ID, "invalid_token")


def test_the_entra_preset_does_not_fall_back_to_sub_for_the_user() -> None:
    """Entra's `sub` differs per application; `oid` is the user. A token without `oid` names no known user."""
    with pytest.raises(Unauthenticated):
        principal_from_claims({"sub": "pairwise", "roles": ["FamilyContext.SocialWorker"]}, settings("entra"))


def test_text_claims_are_trimmed_bounded_and_strings_only() -> None:
    claims = {"sub": "  u-1  ", "name": "  Alex   Worker ", "email": "x" * 300, "team": 42}
    principal = principal_from_claims(claims, settings(team="team"))
    assert principal.id == "u-1"
    assert principal.name == "Alex   Worker"
    assert principal.email == "x" * 200
    assert principal.team is None


def test_unset_claim_names_are_not_read() -> None:
    claims = {"sub": "u", "team": "MASH", "email": "u@example.test"}
    principal = principal_from_claims(claims, settings(team=None, email=None))
    assert (principal.team, principal.email) == (None, None)


def test_dotted_claim_names_read_nested_objects_and_whole_names_first() -> None:
    claims = {
        "realm_access": {"roles": ["a"]},
        "resource_access": {"family-context": {"roles": ["b"]}},
        "https://council.example/team": "North",
        "flat": "value",
    }
    assert claim(claims, "realm_access.roles") == ["a"]
    assert claim(claims, "resource_access.family-context.roles") == ["b"]
    assert claim(claims, "https://council.example/team") == "North"
    assert claim(claims, "flat.deeper") is None
    assert claim(claims, "absent.roles") is None
