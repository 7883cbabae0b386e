"""The issuer's keys: rotation picked up, refreshes rate-limited and coalesced, failures survived, files read."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import aiohttp
import jwt
import pytest

from auth.jwks import JwksKeys, KeyMismatch, KeysUnavailable, UnknownKey
from tests.auth.conftest import OpenVerifier, bearer
from tests.auth.issuer import LocalIssuer, ManualClock, new_key


async def started(
    issuer: LocalIssuer, session: aiohttp.ClientSession, clock: ManualClock, **changes: object
) -> JwksKeys:
    keys = JwksKeys.from_settings(issuer.token_settings(**changes), session, clock=clock)
    await keys.start()
    return keys


async def test_start_loads_every_published_signing_key(
    issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock
) -> None:
    keys = await started(issuer, session, key_clock)
    assert keys.loaded
    assert keys.kids == {issuer.rsa.kid, issuer.ec.kid}
    assert issuer.fetches == 1


async def test_a_key_is_bound_to_the_tokens_algorithm(
    issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock
) -> None:
    keys = await started(issuer, session, key_clock)
    for alg in ("RS256", "PS256", "RS512"):
        key = await keys.key_for(issuer.rsa.kid, alg)
        assert isinstance(key, jwt.PyJWK) and key.algorithm_name == alg
    assert (await keys.key_for(issuer.ec.kid, "ES256")).algorithm_name == "ES256"
    with pytest.raises(KeyMismatch):
        await keys.key_for(issuer.ec.kid, "ES384")  # a P-256 key cannot verify ES384
    with pytest.raises(KeyMismatch):
        await keys.key_for(issuer.rsa.kid, "ES256")
    assert issuer.fetches == 1  # a known kid never causes a fetch


async def test_a_rotated_key_is_accepted_after_one_refetch(
    issuer: LocalIssuer, open_verifier: OpenVerifier, key_clock: ManualClock
) -> None:
    verifier = await open_verifier()
    key_clock.advance(600)  # the issuer rotates some time after the gateway started
    new = issuer.rotate(drop_old=True)
    principal = await verifier.authenticate(bearer(issuer.mint(key=new)))
    assert principal.id == "worker-1"
    assert issuer.fetches == 2
    assert (await verifier.authenticate(bearer(issuer.mint(key=new)))).id == "worker-1"
    assert issuer.fetches == 2  # cached from now on


async def test_an_unknown_kid_refetches_at_most_once_a_minute(
    issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock
) -> None:
    keys = await started(issuer, session, key_clock)
    assert issuer.fetches == 1
    key_clock.advance(30)
    with pytest.raises(UnknownKey):
        await keys.key_for("made-up-1", "RS256")
    assert issuer.fetches == 1  # the start's fetch was 30 s ago
    key_clock.advance(31)
    for attempt in range(5):
        with pytest.raises(UnknownKey):
            await keys.key_for(f"made-up-{attempt}", "RS256")
    assert issuer.fetches == 2  # one refresh, then none for the rest of the minute
    key_clock.advance(59)
    with pytest.raises(UnknownKey):
        await keys.key_for("made-up-9", "RS256")
    assert issuer.fetches == 2
    key_clock.advance(1)
    new = issuer.rotate()
    assert (await keys.key_for(new.kid, "RS256")).key_id == new.kid
    assert issuer.fetches == 3


async def test_concurrent_requests_with_the_same_unknown_kid_cause_one_fetch(
    issuer: LocalIssuer, open_verifier: OpenVerifier, key_clock: ManualClock
) -> None:
    verifier = await open_verifier()
    key_clock.advance(61)
    new = issuer.rotate("EC")
    issuer.delay_s = 0.05  # the fetch is still under way when the other requests arrive
    tokens = [issuer.mint(key=new, sub=f"worker-{n}") for n in range(20)]
    principals = await asyncio.gather(*(verifier.authenticate(bearer(t)) for t in tokens))
    assert {p.id for p in principals} == {f"worker-{n}" for n in range(20)}
    assert issuer.fetches == 2


async def test_concurrent_refreshes_share_one_fetch_even_without_a_minimum_interval(
    issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock
) -> None:
    keys = await started(issuer, session, key_clock, jwks_min_refresh_s=0)
    new = issuer.rotate()
    issuer.delay_s = 0.05
    found = await asyncio.gather(*(keys.key_for(new.kid, "RS256") for _ in range(10)))
    assert {k.key_id for k in found} == {new.kid}
    assert issuer.fetches == 2


async def test_keys_older_than_the_maximum_age_are_refreshed(
    issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock
) -> None:
    keys = await started(issuer, session, key_clock, jwks_max_age_s=3600)
    key_clock.advance(3599)
    await keys.key_for(issuer.rsa.kid, "RS256")
    assert issuer.fetches == 1
    key_clock.advance(1)
    await keys.key_for(issuer.rsa.kid, "RS256")
    assert issuer.fetches == 2


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("failing", "HTTP status 500"),
        ("garbage", "not JSON"),
        ("no usable key", "no usable signing key"),
        ("not a key set", "no list of keys"),
        ("slow", "no answer within"),
    ],
)
async def test_a_failed_refresh_keeps_serving_the_cached_keys(
    issuer: LocalIssuer,
    open_verifier: OpenVerifier,
    key_clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    reason: str,
) -> None:
    verifier = await open_verifier(jwks_timeout_s=0.2)
    if fault == "failing":
        issuer.failing = True
    elif fault == "garbage":
        issuer.body = b"<html>maintenance</html>"
    elif fault == "no usable key":
        issuer.body = json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "symmetric"}]}).encode()
    elif fault == "not a key set":
        issuer.body = b'{"keys": "none"}'
    else:
        issuer.delay_s = 1.0
    key_clock.advance(3600)  # the keys are due for a refresh
    with caplog.at_level(logging.WARNING, logger="auth.jwks"):
        principal = await verifier.authenticate(bearer(issuer.mint()))
    assert principal.id == "worker-1"
    assert issuer.fetches == 2
    assert reason in caplog.text
    assert "maintenance" not in caplog.text and "c2VjcmV0" not in caplog.text  # the reason, never the body


async def test_a_failure_at_start_is_not_fatal_and_keys_arrive_later(
    issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    issuer.failing = True
    with caplog.at_level(logging.WARNING, logger="auth.jwks"):
        keys = await started(issuer, session, key_clock)
    assert not keys.loaded
    assert "HTTP status 500" in caplog.text
    with pytest.raises(KeysUnavailable):
        await keys.key_for(issuer.rsa.kid, "RS256")
    assert issuer.fetches == 1  # within the minimum interval: no retry storm while the issuer is down
    issuer.failing = False
    key_clock.advance(60)
    assert (await keys.key_for(issuer.rsa.kid, "RS256")).key_id == issuer.rsa.kid
    assert issuer.fetches == 2


async def test_an_unreachable_issuer_at_start_is_not_fatal(
    session: aiohttp.ClientSession, key_clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    keys = JwksKeys(url="http://127.0.0.1:9/jwks.json", session=session, clock=key_clock, timeout_s=1)
    with caplog.at_level(logging.WARNING, logger="auth.jwks"):
        await keys.start()
    assert not keys.loaded
    assert "HTTP request failed" in caplog.text


async def test_only_asymmetric_signing_keys_are_kept(
    issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock
) -> None:
    encryption = {**new_key("RSA", kid="enc").jwk, "use": "enc"}
    hmac_secret = {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"}
    private = {**new_key("EC", kid="private").jwk, "d": "AAAA"}
    wrong_alg = {**new_key("RSA", kid="oaep").jwk, "alg": "RSA-OAEP"}
    broken = {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"}
    issuer.body = json.dumps(
        {"keys": [issuer.rsa.jwk, encryption, hmac_secret, private, wrong_alg, broken, "not a key"]}
    ).encode()
    keys = await started(issuer, session, key_clock)
    assert keys.kids == {issuer.rsa.kid}


async def test_an_alg_on_the_key_must_match_the_token(
    issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock
) -> None:
    issuer.body = json.dumps({"keys": [{**issuer.rsa.jwk, "alg": "PS256"}]}).encode()
    keys = await started(issuer, session, key_clock)
    assert (await keys.key_for(issuer.rsa.kid, "PS256")).algorithm_name == "PS256"
    with pytest.raises(KeyMismatch):
        await keys.key_for(issuer.rsa.kid, "RS256")


async def test_a_token_without_kid_uses_the_only_key(
    issuer: LocalIssuer, session: aiohttp.ClientSession, key_clock: ManualClock
) -> None:
    keys = await started(issuer, session, key_clock)
    with pytest.raises(UnknownKey):
        await keys.key_for(None, "RS256")  # two keys: which one is not for the token to leave open
    issuer.published = [issuer.rsa]
    key_clock.advance(60)
    assert (await keys.key_for(None, "RS256")).key_id == issuer.rsa.kid


async def test_a_local_jwks_file_works_and_is_reread_for_a_new_kid(
    issuer: LocalIssuer, tmp_path: Path, key_clock: ManualClock
) -> None:
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(issuer.jwks()))
    settings = issuer.token_settings(jwks_url=None, jwks_file=jwks_file)
    keys = JwksKeys.from_settings(settings, None, clock=key_clock)
    await keys.start()
    assert keys.kids == {issuer.rsa.kid, issuer.ec.kid}
    new = issuer.rotate()
    jwks_file.write_text(json.dumps(issuer.jwks()))
    key_clock.advance(60)
    assert (await keys.key_for(new.kid, "RS256")).key_id == new.kid
    assert issuer.fetches == 0


async def test_a_missing_jwks_file_is_not_fatal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    keys = JwksKeys(file=tmp_path / "absent.json")
    with caplog.at_level(logging.WARNING, logger="auth.jwks"):
        await keys.start()
    assert not keys.loaded
    assert "cannot be read (FileNotFoundError)" in caplog.text


def test_exactly_one_source_is_required(session: aiohttp.ClientSession, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        JwksKeys()
    with pytest.raises(ValueError, match="exactly one"):
        JwksKeys(url="https://issuer.example/jwks", file=tmp_path / "jwks.json", session=session)
    with pytest.raises(ValueError, match="session"):
        JwksKeys(url="https://issuer.example/jwks")
