"""`[app]` and `[app.oidc]` in the authority's file: off by default, checked at start-up against `[auth]`."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.settings import ConfigError, parse_authority
from tests.audit_files import audit_table

OIDC_AUTH = {"mode": "oidc", "issuer": "https://idp.example", "audience": "api", "jwks_url": "https://idp.example/k"}
PAGE_CLIENT = {
    "issuer": "https://idp.example",
    "client_id": "page",
    "redirect_uri": "https://fc.example/app/auth/callback",
    "client_secret_env": "FC_APP_SECRET",
}


def authority(**tables: Any) -> dict[str, Any]:
    return {
        "authority": {"name": "Test Council"},
        "cms": {"system": "CMS", "kind": "cms_rest", "url": "http://127.0.0.1:1"},
        "audit": audit_table(),
        **tables,
    }


def test_the_page_is_off_by_default() -> None:
    assert parse_authority(authority(auth=OIDC_AUTH)).app.enabled is False


def test_an_oidc_page_reads_its_client() -> None:
    app = parse_authority(authority(auth=OIDC_AUTH, app={"enabled": True, "oidc": PAGE_CLIENT})).app
    assert app.enabled and app.secure_cookie and app.oidc is not None
    assert app.oidc.client_secret_env == "FC_APP_SECRET" and app.oidc.scopes == ("openid", "profile", "email")


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ({"enabled": True}, "app.oidc is required"),
        ({"enabled": True, "oidc": {**PAGE_CLIENT, "issuer": "http://idp.example"}}, "issuer must be an https"),
        ({"enabled": True, "oidc": {**PAGE_CLIENT, "redirect_uri": "https://fc.example/cb"}}, "must end with"),
        ({"enabled": True, "oidc": {**PAGE_CLIENT, "scopes": ["profile"]}}, "must include openid"),
        ({"enabled": True, "oidc": {**PAGE_CLIENT, "client_secret": "x"}}, "app.oidc.client_secret is not"),
        ({"enabled": "yes"}, "app.enabled must be true or false"),
        ({"session_idle_minutes": 0}, "app.session_idle_minutes must be a positive integer"),
    ],
)
def test_a_bad_app_table_fails_at_start_up_naming_the_key(app: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_authority(authority(auth=OIDC_AUTH, app=app))


def test_development_sign_in_has_no_page() -> None:
    development = {"mode": "development"}
    with pytest.raises(ConfigError, match="oidc or demo only"):
        parse_authority(authority(auth=development, app={"enabled": True}))
