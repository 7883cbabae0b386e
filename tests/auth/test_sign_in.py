"""The verifier each `[auth]` mode gets: nobody, a fixed identity, or bearer tokens with their keys loaded."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from auth.bearer import BearerTokenVerifier
from auth.demo_issuer import mint_token, write_demo_keys
from auth.principal import Role
from auth.settings import DEMO_AUDIENCE, DEMO_ISSUER, AuthSettings, ClaimNames, DevelopmentIdentity, TokenSettings
from auth.sign_in import open_verifier
from auth.verifier import NOT_CONFIGURED, DenyAll, DevelopmentVerifier, Unauthenticated
from tests.auth.conftest import bearer
from tests.auth.issuer import LocalIssuer


async def test_no_auth_table_refuses_everyone() -> None:
    verifier = await open_verifier(AuthSettings(), None)
    assert isinstance(verifier, DenyAll)
    with pytest.raises(Unauthenticated, match=NOT_CONFIGURED):
        await verifier.authenticate({})


async def test_development_runs_as_the_configured_identity() -> None:
    identity = DevelopmentIdentity(user_id="dev-1", name="Dev", roles=(Role.TEAM_MANAGER,))
    verifier = await open_verifier(AuthSettings(mode="development", development=identity), None)
    assert isinstance(verifier, DevelopmentVerifier)
    principal = await verifier.authenticate({})
    assert (principal.id, principal.roles) == ("dev-1", {Role.TEAM_MANAGER})


async def test_oidc_verifies_the_issuers_tokens_with_keys_loaded_at_start(
    issuer: LocalIssuer, session: aiohttp.ClientSession
) -> None:
    verifier = await open_verifier(AuthSettings(mode="oidc", tokens=issuer.token_settings()), session)
    assert isinstance(verifier, BearerTokenVerifier)
    assert issuer.fetches == 1
    assert (await verifier.authenticate(bearer(issuer.mint()))).id == "worker-1"


async def test_oidc_starts_even_when_the_issuer_is_down(issuer: LocalIssuer, session: aiohttp.ClientSession) -> None:
    issuer.failing = True
    verifier = await open_verifier(AuthSettings(mode="oidc", tokens=issuer.token_settings()), session)
    with pytest.raises(Unauthenticated) as refused:
        await verifier.authenticate(bearer(issuer.mint()))
    assert refused.value.error == "invalid_token"


async def test_demo_verifies_tokens_minted_with_the_demo_key(tmp_path: Path) -> None:
    key_file, jwks_file = write_demo_keys(tmp_path)
    tokens = TokenSettings(
        issuer=DEMO_ISSUER, audiences=(DEMO_AUDIENCE,), jwks_file=jwks_file, claims=ClaimNames(team="team")
    )
    verifier = await open_verifier(AuthSettings(mode="demo", tokens=tokens, demo_key_file=key_file), None)
    token = mint_token(key_file, role=Role.SOCIAL_WORKER, user_id="demo-worker", team="North")
    principal = await verifier.authenticate(bearer(token))
    assert (principal.id, principal.team, principal.roles) == ("demo-worker", "North", {Role.SOCIAL_WORKER})


async def test_token_modes_need_token_settings() -> None:
    with pytest.raises(ValueError, match="needs token settings"):
        await open_verifier(AuthSettings(mode="oidc"), None)
