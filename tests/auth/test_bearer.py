"""Bearer-token sign-in: what a valid token proves, and every way a token is refused (each with its own message)."""

from __future__ import annotations

import logging
import time

import pytest
from starlette.datastructures import Headers

from auth import bearer as messages
from auth.bearer import BearerTokenVerifier
from auth.principal import Principal, Role
from auth.verifier import NO_CREDENTIALS, Unauthenticated
from tests.auth.conftest import OpenVerifier, bearer
from tests.auth.issuer import LocalIssuer, ManualClock, new_key


async def refusal(verifier: BearerTokenVerifier, headers: dict[str, str]) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as refused:
        await verifier.authenticate(headers)
    return refused.value


async def invalid_token_message(verifier: BearerTokenVerifier, token: str) -> str:
    refused = await refusal(verifier, bearer(token))
    assert refused.error == "invalid_token"
    return refused.message


async def test_a_valid_token_proves_its_user(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    principal = await verifier.authenticate(bearer(issuer.mint(sub="worker-7", azp="family-context-ui")))
    assert principal == Principal(
        id="worker-7",
        name="Sam Worker",
        roles=frozenset({Role.SOCIAL_WORKER}),
        email="sam.worker@example.test",
        client_id="family-context-ui",
    )


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256"])
async def test_each_default_algorithm_is_accepted(issuer: LocalIssuer, open_verifier: OpenVerifier, alg: str) -> None:
    verifier = await open_verifier()
    key = issuer.ec if alg.startswith("ES") else issuer.rsa
    principal = await verifier.authenticate(bearer(issuer.mint(key=key, alg=alg)))
    assert principal.id == "worker-1"


async def test_the_scheme_is_case_insensitive_and_headers_are_starlettes(
    issuer: LocalIssuer, open_verifier: OpenVerifier
) -> None:
    verifier = await open_verifier()
    token = issuer.mint()
    for scheme in ("bearer", "BEARER", "Bearer"):
        headers = Headers({"Authorization": f"{scheme} {token}"})
        assert (await verifier.authenticate(headers)).id == "worker-1"


async def test_no_authorization_header_asks_to_sign_in(open_verifier: OpenVerifier) -> None:
    refused = await refusal(await open_verifier(), {})
    assert (refused.message, refused.error) == (NO_CREDENTIALS, None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Basic dXNlcjpwYXNz", messages.NOT_BEARER),
        ("Token abc", messages.NOT_BEARER),
        ("", messages.NOT_BEARER),
        ("Bearer", messages.EMPTY_TOKEN),
        ("Bearer    ", messages.EMPTY_TOKEN),
    ],
)
async def test_other_schemes_and_empty_tokens_are_bad_requests(
    open_verifier: OpenVerifier, value: str, message: str
) -> None:
    refused = await refusal(await open_verifier(), {"authorization": value})
    assert (refused.message, refused.error) == (message, "invalid_request")


@pytest.mark.parametrize(
    "token",
    ["not-a-jwt", "a.b.c", "e30.e30.", "eyJhbGciOiJSUzI1NiJ9.!!!.sig", "two words", "x" * (16 * 1024 + 1)],
)
async def test_malformed_tokens_are_refused_without_fetching_keys(
    issuer: LocalIssuer, open_verifier: OpenVerifier, token: str
) -> None:
    verifier = await open_verifier()
    fetches = issuer.fetches
    assert await invalid_token_message(verifier, token) == messages.MALFORMED
    assert issuer.fetches == fetches


async def test_a_real_token_padded_past_16_kb_is_refused_as_malformed(
    issuer: LocalIssuer, open_verifier: OpenVerifier
) -> None:
    verifier = await open_verifier()
    token = issuer.mint(padding="x" * 16 * 1024)
    assert await invalid_token_message(verifier, token) == messages.MALFORMED


async def test_a_signature_by_another_key_under_a_known_kid_is_refused(
    issuer: LocalIssuer, open_verifier: OpenVerifier
) -> None:
    verifier = await open_verifier()
    forged = issuer.mint(key=new_key("RSA").private, kid=issuer.rsa.kid)
    assert await invalid_token_message(verifier, forged) == messages.BAD_SIGNATURE


async def test_a_tampered_payload_breaks_the_signature(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    header, _, signature = issuer.mint().split(".")
    other_payload = issuer.mint(roles=["TEAM_MANAGER"]).split(".")[1]
    tampered = f"{header}.{other_payload}.{signature}"
    assert await invalid_token_message(verifier, tampered) == messages.BAD_SIGNATURE


async def test_another_issuer_is_refused(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    token = issuer.mint(iss="https://login.example.test/other-tenant/")
    assert await invalid_token_message(verifier, token) == messages.WRONG_ISSUER


async def test_another_audience_is_refused(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    assert await invalid_token_message(verifier, issuer.mint(aud="another-api")) == messages.WRONG_AUDIENCE
    assert await invalid_token_message(verifier, issuer.mint(aud=["a", "b"])) == messages.WRONG_AUDIENCE


async def test_any_configured_audience_is_accepted(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier(audiences=("api://family-context", issuer.audience))
    assert (await verifier.authenticate(bearer(issuer.mint(aud="api://family-context")))).id == "worker-1"
    assert (await verifier.authenticate(bearer(issuer.mint(aud=["other", issuer.audience])))).id == "worker-1"


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "aud"])
async def test_required_claims_must_be_present(issuer: LocalIssuer, open_verifier: OpenVerifier, claim: str) -> None:
    verifier = await open_verifier()
    token = issuer.mint(**{claim: None})
    assert await invalid_token_message(verifier, token) == messages.MISSING_CLAIM.format(claim=claim)


async def test_a_time_claim_must_be_a_number(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    token = issuer.mint(exp="tomorrow")
    assert await invalid_token_message(verifier, token) == messages.BAD_TIME_CLAIM.format(claim="exp")


async def test_an_expired_token_is_refused(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    token = issuer.mint(issued_at=time.time() - 3600, expires_in=600)
    assert await invalid_token_message(verifier, token) == messages.EXPIRED


async def test_a_token_not_valid_yet_is_refused(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    token = issuer.mint(nbf=int(time.time()) + 600)
    assert await invalid_token_message(verifier, token) == messages.NOT_YET_VALID


async def test_a_token_issued_in_the_future_is_refused(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    token = issuer.mint(issued_at=time.time() + 600, nbf=None)
    assert await invalid_token_message(verifier, token) == messages.ISSUED_IN_FUTURE


async def test_clock_skew_is_honoured_both_ways(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    now = 1_800_000_000.0
    verifier = await open_verifier(clock=ManualClock(now), clock_skew_s=60)
    # Expired 30 s ago, or issued 30 s ahead of our clock: within the skew, accepted.
    assert await verifier.authenticate(bearer(issuer.mint(issued_at=now - 630, expires_in=600)))
    assert await verifier.authenticate(bearer(issuer.mint(issued_at=now + 30)))
    # 90 s either way: refused.
    late = issuer.mint(issued_at=now - 690, expires_in=600)
    assert await invalid_token_message(verifier, late) == messages.EXPIRED
    early = issuer.mint(issued_at=now + 90)
    assert await invalid_token_message(verifier, early) == messages.NOT_YET_VALID
    assert await invalid_token_message(verifier, issuer.mint(issued_at=now + 90, nbf=None)) == (
        messages.ISSUED_IN_FUTURE
    )


async def test_no_skew_means_none(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    now = 1_800_000_000.0
    verifier = await open_verifier(clock=ManualClock(now), clock_skew_s=0)
    token = issuer.mint(issued_at=now - 601, expires_in=600)
    assert await invalid_token_message(verifier, token) == messages.EXPIRED


async def test_an_unknown_kid_is_refused_after_one_refresh(
    issuer: LocalIssuer, open_verifier: OpenVerifier, key_clock: ManualClock
) -> None:
    verifier = await open_verifier()
    key_clock.advance(61)  # past the minimum interval between fetches
    token = issuer.mint(key=new_key("RSA"))  # never published
    assert await invalid_token_message(verifier, token) == messages.UNKNOWN_KEY
    assert issuer.fetches == 2  # the start, and one refresh for the unknown kid


async def test_a_known_kid_with_another_algorithm_family_is_refused(
    issuer: LocalIssuer, open_verifier: OpenVerifier
) -> None:
    verifier = await open_verifier()
    token = issuer.mint(key=issuer.ec, kid=issuer.rsa.kid)  # ES256, naming the RSA key
    assert await invalid_token_message(verifier, token) == messages.KEY_MISMATCH


async def test_alg_none_is_refused_before_any_key_is_fetched(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    fetches = issuer.fetches
    for alg in ("none", "None", "NONE"):
        token = issuer.mint(key=b"", alg="none", headers={"alg": alg})
        assert await invalid_token_message(verifier, token) == messages.ALGORITHM_REFUSED
    assert issuer.fetches == fetches


async def test_hs256_signed_with_the_public_key_is_refused(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    """The classic algorithm-confusion attack: HMAC with the issuer's public key (which anyone has) as the secret."""
    verifier = await open_verifier()
    fetches = issuer.fetches
    for pem in (issuer.rsa.public_pem, issuer.ec.public_pem):
        forged = issuer.mint(key=pem, alg="HS256", kid=issuer.rsa.kid)
        assert await invalid_token_message(verifier, forged) == messages.ALGORITHM_REFUSED
    assert issuer.fetches == fetches


async def test_hs256_is_refused_even_if_misconfigured_as_allowed(
    issuer: LocalIssuer, open_verifier: OpenVerifier
) -> None:
    verifier = await open_verifier(algorithms=("HS256", "RS256"))
    forged = issuer.mint(key=issuer.rsa.public_pem, alg="HS256", kid=issuer.rsa.kid)
    assert await invalid_token_message(verifier, forged) == messages.ALGORITHM_REFUSED


async def test_an_algorithm_not_configured_is_refused(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier(algorithms=("RS256",))
    assert await invalid_token_message(verifier, issuer.mint(key=issuer.ec)) == messages.ALGORITHM_REFUSED
    assert await invalid_token_message(verifier, issuer.mint(alg="PS256")) == messages.ALGORITHM_REFUSED


async def test_a_token_without_a_user_is_refused(issuer: LocalIssuer, open_verifier: OpenVerifier) -> None:
    verifier = await open_verifier()
    assert await invalid_token_message(verifier, issuer.mint(sub=None)) == "The token does not say who the user is."


async def test_refusals_are_logged_by_reason_without_token_or_claims(
    issuer: LocalIssuer, open_verifier: OpenVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    verifier = await open_verifier()
    caplog.set_level(logging.INFO, logger="auth")
    marker = "ZZ-secret-marker"
    token = issuer.mint(iss=f"https://{marker}.example/", sub=marker, name=marker)
    message = await invalid_token_message(verifier, token)
    assert message == messages.WRONG_ISSUER
    assert messages.WRONG_ISSUER in caplog.text
    assert marker not in caplog.text and marker not in message
    assert token not in caplog.text and token.split(".")[1] not in caplog.text


def test_every_refusal_has_its_own_message() -> None:
    texts = [
        messages.NOT_BEARER,
        messages.EMPTY_TOKEN,
        messages.MALFORMED,
        messages.ALGORITHM_REFUSED,
        messages.UNKNOWN_KEY,
        messages.KEY_MISMATCH,
        messages.KEYS_UNAVAILABLE,
        messages.BAD_SIGNATURE,
        messages.WRONG_ISSUER,
        messages.WRONG_AUDIENCE,
        messages.MISSING_CLAIM,
        messages.BAD_TIME_CLAIM,
        messages.EXPIRED,
        messages.NOT_YET_VALID,
        messages.ISSUED_IN_FUTURE,
        NO_CREDENTIALS,
    ]
    assert len(set(texts)) == len(texts)
