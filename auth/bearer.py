"""Sign-in with OIDC bearer tokens: `Authorization: Bearer <JWT>`, verified against the issuer's published keys.

Why these checks, in this order: the token's header is untrusted input, so its `alg` is checked against the
configured asymmetric algorithms before any key is looked up (a token asking for `none` or HS256 never makes the
gateway fetch keys, and can never be verified with a public key used as a shared secret); the key comes only from
the issuer's JWKS, by `kid` (never from `jku`, `x5u` or `jwk` headers); PyJWT then checks the signature, the
issuer and the audience; the times (`exp`, `nbf`, `iat`, with the configured clock skew) are checked against this
verifier's clock, which tests can move. Every refusal says which check failed in a short message that never echoes
the token or a claim value, and is logged at INFO with that reason only.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt

from auth.claims import principal_from_claims
from auth.jwks import JwksKeys, KeyMismatch, KeysUnavailable, UnknownKey
from auth.principal import Principal
from auth.settings import ALLOWED_ALGORITHMS, TokenSettings
from auth.verifier import NO_CREDENTIALS, Unauthenticated

logger = logging.getLogger(__name__)

MAX_TOKEN_CHARS = 16 * 1024  # real access tokens are a few kilobytes; larger ones are refused unparsed

NOT_BEARER = "Send the token as 'Authorization: Bearer <token>'."
EMPTY_TOKEN = "The bearer token is empty."
MALFORMED = "The token is malformed."
ALGORITHM_REFUSED = "The token's algorithm is not accepted."
UNKNOWN_KEY = "The token was signed with an unknown key."
KEY_MISMATCH = "The token's algorithm does not match its signing key."
KEYS_UNAVAILABLE = "The issuer's signing keys are not available yet; try again shortly."
BAD_SIGNATURE = "The token's signature is not valid."
WRONG_ISSUER = "The token was issued by an unknown issuer."
WRONG_AUDIENCE = "The token was issued for another service (audience)."
MISSING_CLAIM = "The token lacks the required '{claim}' claim."
BAD_TIME_CLAIM = "The token's '{claim}' claim is not a time."
EXPIRED = "The token has expired."
NOT_YET_VALID = "The token is not valid yet."
ISSUED_IN_FUTURE = "The token's issue time is in the future."

_REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat")
_INVALID_TOKEN = "invalid_token"
_INVALID_REQUEST = "invalid_request"


class BearerTokenVerifier:
    """Verifies `Authorization: Bearer` JWTs from one issuer and maps their claims to a `Principal`."""

    def __init__(self, settings: TokenSettings, keys: JwksKeys, *, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._keys = keys
        self._clock = clock
        # Asymmetric algorithms only, whatever the configuration says (it is validated too, at start-up).
        self._algorithms = [a for a in settings.algorithms if a in ALLOWED_ALGORITHMS]
        self._audiences = list(settings.audiences)

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """The principal the request's bearer token proves, or `Unauthenticated`: without `error` when no token was
        sent, `invalid_request` for another scheme or an empty token, `invalid_token` for every failed check."""
        try:
            token = _bearer_token(headers)
            claims = await self._verified_claims(token)
            return principal_from_claims(claims, self._settings)
        except Unauthenticated as refused:
            if refused.error is not None:
                logger.info("Bearer token refused: %s", refused.message)
            raise

    async def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _invalid(MALFORMED) from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str):
            raise _invalid(MALFORMED)  # a JWS header must name its algorithm
        if algorithm not in self._algorithms:
            raise _invalid(ALGORITHM_REFUSED)
        kid = header.get("kid")  # PyJWT has checked it is a string when present
        try:
            key = await self._keys.key_for(kid, algorithm)
        except KeysUnavailable:
            raise _invalid(KEYS_UNAVAILABLE) from None
        except UnknownKey:
            raise _invalid(UNKNOWN_KEY) from None
        except KeyMismatch:
            raise _invalid(KEY_MISMATCH) from None
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self._audiences,
                issuer=self._settings.issuer,
                options={
                    "require": list(_REQUIRED_CLAIMS),
                    # Times are checked below against this verifier's clock (PyJWT reads the system clock).
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise _invalid(BAD_SIGNATURE) from None
        except jwt.InvalidAlgorithmError:
            raise _invalid(ALGORITHM_REFUSED) from None
        except jwt.InvalidIssuerError:
            raise _invalid(WRONG_ISSUER) from None
        except jwt.InvalidAudienceError:
            raise _invalid(WRONG_AUDIENCE) from None
        except jwt.MissingRequiredClaimError as missing:
            # The claim's name is one of ours (`_REQUIRED_CLAIMS`), never a value from the token.
            name = missing.claim if missing.claim in _REQUIRED_CLAIMS else "?"
            raise _invalid(MISSING_CLAIM.format(claim=name)) from None
        except jwt.InvalidKeyError:
            raise _invalid(KEY_MISMATCH) from None
        except jwt.PyJWTError:
            raise _invalid(MALFORMED) from None
        self._check_times(claims)
        return claims

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._clock()
        skew = self._settings.clock_skew_s
        expires = _time_claim(claims, "exp")
        if expires is not None and expires <= now - skew:
            raise _invalid(EXPIRED)
        not_before = _time_claim(claims, "nbf")
        if not_before is not None and not_before > now + skew:
            raise _invalid(NOT_YET_VALID)
        issued = _time_claim(claims, "iat")
        if issued is not None and issued > now + skew:
            raise _invalid(ISSUED_IN_FUTURE)


def _bearer_token(headers: Mapping[str, str]) -> str:
    value = headers.get("authorization")
    if value is None:
        raise Unauthenticated(NO_CREDENTIALS)
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthenticated(NOT_BEARER, error=_INVALID_REQUEST)
    token = token.strip()
    if not token:
        raise Unauthenticated(EMPTY_TOKEN, error=_INVALID_REQUEST)
    if len(token) > MAX_TOKEN_CHARS or any(c.isspace() for c in token):
        raise _invalid(MALFORMED)
    return token


def _time_claim(claims: Mapping[str, Any], name: str) -> float | None:
    """A NumericDate claim (seconds since the epoch), None when absent; anything else is refused."""
    if name not in claims:
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(BAD_TIME_CLAIM.format(claim=name))
    if isinstance(value, float) and not math.isfinite(value):  # JSON as Python reads it allows NaN and Infinity
        raise _invalid(BAD_TIME_CLAIM.format(claim=name))
    return value  # an int is compared exactly, however large


def _invalid(message: str) -> Unauthenticated:
    return Unauthenticated(message, error=_INVALID_TOKEN)
