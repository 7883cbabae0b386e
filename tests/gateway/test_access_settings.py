"""The `[auth]`, `[access]` and surface tables: read once into typed values, a bad value named by its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auth.field_classes import FieldClass
from auth.principal import Purpose, Role
from auth.settings import CLAIM_PRESETS, DEMO_ISSUER
from gateway.settings import ConfigError, parse_authority
from sources.model import Service

OIDC = {
    "mode": "oidc",
    "issuer": "https://login.example/tenant/v2.0",
    "audience": "api://family-context",
    "jwks_url": "https://login.example/tenant/keys",
}


def config(**tables: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "authority": {"name": "Test Council"},
        "cms": {"system": "LCS", "kind": "cms_rest", "url": "http://127.0.0.1:9"},
    }
    base.update(tables)
    return base


def refused(**tables: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_authority(config(**tables))
    return str(caught.value)


def test_an_oidc_issuer_with_a_preset_and_a_role_table() -> None:
    settings = parse_authority(
        config(
            auth={
                **OIDC,
                "audience": ["api://family-context", "family-context"],
                "claims": {"preset": "entra", "team": "extn.team"},
                "roles": {"SOCIAL_WORKER": ["FC.SocialWorker", "sg-sw"], "INTEGRATION": ["FC.Integration"]},
            }
        )
    )
    tokens = settings.auth.tokens
    assert settings.auth.production
    assert tokens is not None
    assert tokens.audiences == ("api://family-context", "family-context")
    assert tokens.claims.user_id == "oid" and tokens.claims.team == "extn.team"
    assert tokens.clock_skew_s == 60
    assert tokens.role_for("sg-sw") is Role.SOCIAL_WORKER
    assert tokens.role_for("SOCIAL_WORKER") is None  # with a table, only the table's values count
    assert tokens.role_for("FC.Integration") is Role.INTEGRATION


def test_without_a_role_table_token_roles_are_the_gateway_role_names() -> None:
    tokens = parse_authority(config(auth=OIDC)).auth.tokens
    assert tokens is not None
    assert tokens.role_for("TEAM_MANAGER") is Role.TEAM_MANAGER
    assert tokens.claims == CLAIM_PRESETS["generic"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"jwks_url": None}, "auth.jwks_url or auth.jwks_file is required"),
        ({"jwks_file": "/etc/jwks.json"}, "exactly one"),
        ({"jwks_url": "http://login.example/keys"}, "auth.jwks_url must be an https:// address"),
        ({"algorithms": ["HS256"]}, "auth.algorithms: 'HS256' is not allowed"),
        ({"algorithms": ["none"]}, "never none or HS*"),
        ({"audience": []}, "auth.audience is required"),
        ({"issuer": ""}, "auth.issuer is required"),
        ({"clock_skew_s": -1}, "auth.clock_skew_s must be a number, 0 or more"),
        ({"claims": {"preset": "okta"}}, "auth.claims.preset must be one of"),
        ({"claims": {"surname": "family_name"}}, "auth.claims.surname is not a known setting"),
        ({"roles": {"SUPERUSER": ["x"]}}, "auth.roles.SUPERUSER is not a known setting"),
        ({"roles": {"SOCIAL_WORKER": ["x"], "AUDITOR": ["x"]}}, "already maps to SOCIAL_WORKER"),
        ({"mode": "basic"}, "auth.mode must be one of: oidc, demo, development"),
    ],
)
def test_a_bad_auth_table_names_the_key(changes: dict[str, Any], message: str) -> None:
    auth = {k: v for k, v in {**OIDC, **changes}.items() if v is not None}
    assert message in refused(auth=auth)


def test_demo_and_development_modes() -> None:
    demo = parse_authority(config(auth={"mode": "demo", "key_file": "k.pem", "jwks_file": "k.jwks"})).auth
    assert demo.tokens is not None and demo.tokens.issuer == DEMO_ISSUER
    assert demo.demo_key_file == Path("k.pem")
    assert not demo.production
    development = parse_authority(
        config(auth={"mode": "development", "development": {"roles": ["TEAM_MANAGER"], "team": "T1"}})
    ).auth
    assert development.development.roles == (Role.TEAM_MANAGER,)
    assert "auth.development.roles: 'BOSS' is not one of" in refused(
        auth={"mode": "development", "development": {"roles": ["BOSS"]}}
    )


def test_the_access_table() -> None:
    access = parse_authority(
        config(
            access={
                "roles": {"INTEGRATION": ["basic", "flag", "detail"]},
                "purpose_required_for": ["detail", "linkage"],
                "services": {
                    "POLICE": {"detail": {"purposes": ["CHILD_PROTECTION_ENQUIRY"]}},
                    "HOUSING": {"flag": {"roles": ["SOCIAL_WORKER"]}},
                },
                "case_link_exempt_roles": [],
                "break_glass_min_chars": 40,
            }
        )
    ).access
    assert access.role_classes[Role.INTEGRATION] == {FieldClass.BASIC, FieldClass.FLAG, FieldClass.DETAIL}
    assert access.role_classes[Role.AUDITOR] == {FieldClass.AUDIT}  # unlisted roles keep their defaults
    assert access.purpose_required_for == {FieldClass.DETAIL, FieldClass.LINKAGE}
    police = access.narrowing[(Service.POLICE, FieldClass.DETAIL)]
    assert police.purposes == {Purpose.CHILD_PROTECTION_ENQUIRY} and police.roles is None
    assert access.narrowing[(Service.HOUSING, FieldClass.FLAG)].roles == {Role.SOCIAL_WORKER}
    assert access.case_link_exempt_roles == frozenset()
    assert access.break_glass_min_chars == 40


@pytest.mark.parametrize(
    ("access", "message"),
    [
        ({"roles": {"SOCIAL_WORKER": ["everything"]}}, "access.roles.SOCIAL_WORKER: 'everything' is not one of"),
        ({"services": {"POLICE": {"basic": {"roles": []}}}}, "access.services.POLICE.basic is not a known setting"),
        ({"services": {"FIRE": {}}}, "access.services.FIRE is not a known setting"),
        ({"services": {"POLICE": {"detail": {"purposes": ["CURIOSITY"]}}}}, "'CURIOSITY' is not one of"),
        ({"break_glass_min_chars": 0}, "access.break_glass_min_chars must be a positive integer"),
    ],
)
def test_a_bad_access_table_names_the_key(access: dict[str, Any], message: str) -> None:
    assert message in refused(access=access)


def test_production_hides_everything_extra_unless_the_file_says_otherwise() -> None:
    production = parse_authority(config(auth=OIDC)).surface
    assert not (production.introspection or production.suggestions or production.graphiql)
    assert not (production.metrics or production.readiness_detail)
    assert production.cors_origins == ()
    demo = parse_authority(config(auth={"mode": "demo", "key_file": "k", "jwks_file": "j"})).surface
    assert demo.introspection and demo.suggestions and demo.graphiql and demo.metrics and demo.readiness_detail
    opened = parse_authority(
        config(
            auth=OIDC,
            graphql={"introspection": True},
            operations={"metrics": True, "listen": "127.0.0.1:9100"},
            http={"cors_origins": ["https://app.council.example"]},
        )
    ).surface
    assert opened.introspection and not opened.suggestions and opened.metrics
    assert opened.operations_listen == ("127.0.0.1", 9100)
    assert opened.cors_origins == ("https://app.council.example",)


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"http": {"cors_origins": ["*"]}}, "http.cors_origins: '*' is not an origin"),
        ({"http": {"cors_origins": ["https://app.example/path"]}}, "is not an origin"),
        ({"operations": {"listen": "9100"}}, "operations.listen must be HOST:PORT"),
        ({"operations": {"listen": "127.0.0.1:\u00b2"}}, "operations.listen must be HOST:PORT"),
        ({"operations": {"listen": "127.0.0.1:" + "9" * 5000}}, "operations.listen must be HOST:PORT"),
        ({"graphql": {"introspection": "yes"}}, "graphql.introspection must be true or false"),
    ],
)
def test_a_bad_surface_table_names_the_key(tables: dict[str, Any], message: str) -> None:
    assert message in refused(auth=OIDC, **tables)
