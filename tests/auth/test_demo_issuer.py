"""The demo's issuer: keys written once and kept private, tokens the gateway's demo sign-in accepts."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import jwt
import pytest

from auth import bearer as messages
from auth.bearer import BearerTokenVerifier
from auth.demo_issuer import JWKS_FILENAME, KEY_FILENAME, jwk_thumbprint, mint_token, write_demo_keys
from auth.jwks import JwksKeys
from auth.principal import Principal, Role
from auth.settings import DEMO_AUDIENCE, DEMO_ISSUER, ClaimNames, TokenSettings
from auth.verifier import Unauthenticated
from tests.auth.conftest import bearer


def demo_settings(jwks_file: Path) -> TokenSettings:
    """What `gateway/settings.py` builds for `auth.mode = "demo"`."""
    return TokenSettings(
        issuer=DEMO_ISSUER, audiences=(DEMO_AUDIENCE,), jwks_file=jwks_file, claims=ClaimNames(team="team")
    )


async def demo_verifier(jwks_file: Path) -> BearerTokenVerifier:
    settings = demo_settings(jwks_file)
    keys = JwksKeys.from_settings(settings, None)
    await keys.start()
    return BearerTokenVerifier(settings, keys)


def test_keys_are_written_once_and_reused(tmp_path: Path) -> None:
    key_file, jwks_file = write_demo_keys(tmp_path / "demo")
    assert (key_file.name, jwks_file.name) == (KEY_FILENAME, JWKS_FILENAME)
    key_pem, jwks = key_file.read_bytes(), jwks_file.read_bytes()
    assert write_demo_keys(tmp_path / "demo") == (key_file, jwks_file)
    assert (key_file.read_bytes(), jwks_file.read_bytes()) == (key_pem, jwks)


def test_the_private_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    key_file, _ = write_demo_keys(tmp_path)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key_file.chmod(0o644)
    write_demo_keys(tmp_path)  # reused, and its mode put right
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_jwks_publishes_the_public_key_only_with_its_thumbprint_as_kid(tmp_path: Path) -> None:
    _, jwks_file = write_demo_keys(tmp_path)
    (key,) = json.loads(jwks_file.read_text())["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["use"] == "sig" and key["alg"] == "ES256"
    assert "d" not in key
    assert key["kid"] == jwk_thumbprint(key)


def test_the_thumbprint_is_rfc_7638s() -> None:
    # The example of RFC 7638 section 3.1.
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWK"
            "RXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMic"
            "AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3"
            "XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_a_corrupt_key_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / KEY_FILENAME).write_text("not a key")
    key_file, jwks_file = write_demo_keys(tmp_path)
    kid = json.loads(jwks_file.read_text())["keys"][0]["kid"]
    token = mint_token(key_file, role=Role.SOCIAL_WORKER, user_id="u")
    assert jwt.get_unverified_header(token)["kid"] == kid


def test_a_missing_jwks_is_rewritten_from_the_kept_key(tmp_path: Path) -> None:
    _, jwks_file = write_demo_keys(tmp_path)
    jwks = jwks_file.read_bytes()
    jwks_file.unlink()
    write_demo_keys(tmp_path)
    assert jwks_file.read_bytes() == jwks


async def test_a_minted_token_verifies_against_the_written_jwks(tmp_path: Path) -> None:
    key_file, jwks_file = write_demo_keys(tmp_path)
    token = mint_token(
        key_file,
        role=Role.TEAM_MANAGER,
        user_id="demo-manager",
        name="Dana Manager",
        team="Assessment Team",
        email="dana@demo.example",
    )
    principal = await (await demo_verifier(jwks_file)).authenticate(bearer(token))
    assert principal == Principal(
        id="demo-manager",
        name="Dana Manager",
        roles=frozenset({Role.TEAM_MANAGER}),
        team="Assessment Team",
        email="dana@demo.example",
    )
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"


async def test_an_integration_token_is_a_machine_client(tmp_path: Path) -> None:
    key_file, jwks_file = write_demo_keys(tmp_path)
    token = mint_token(key_file, role=Role.INTEGRATION, user_id="mash-triage")
    principal = await (await demo_verifier(jwks_file)).authenticate(bearer(token))
    assert (principal.id, principal.client_id, principal.machine) == ("mash-triage", "mash-triage", True)
    assert principal.roles == {Role.INTEGRATION}


async def test_a_demo_token_expires_after_its_ttl(tmp_path: Path) -> None:
    key_file, jwks_file = write_demo_keys(tmp_path)
    token = mint_token(key_file, role=Role.SOCIAL_WORKER, user_id="u", ttl_s=600, now=time.time() - 3600)
    with pytest.raises(Unauthenticated) as refused:
        await (await demo_verifier(jwks_file)).authenticate(bearer(token))
    assert refused.value.message == messages.EXPIRED


async def test_a_token_from_another_demo_workdir_is_refused(tmp_path: Path) -> None:
    other_key, _ = write_demo_keys(tmp_path / "other")
    _, jwks_file = write_demo_keys(tmp_path / "this")
    token = mint_token(other_key, role=Role.SOCIAL_WORKER, user_id="u")
    with pytest.raises(Unauthenticated) as refused:
        await (await demo_verifier(jwks_file)).authenticate(bearer(token))
    assert refused.value.message == messages.UNKNOWN_KEY


def test_minting_needs_the_demo_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not the demo's signing key"):
        mint_token(tmp_path / "absent.pem", role=Role.SOCIAL_WORKER, user_id="u")
