"""The signing keys of one token issuer, from its JWKS URL or a local JWKS file, cached.

Why a module of its own: an identity provider rotates its keys on its own schedule, and is sometimes unreachable.
The gateway must pick up a new key as soon as a token signed with it arrives, yet never let callers drive it into
hammering the provider (a stream of tokens with made-up `kid`s), and never stop accepting valid tokens because one
refresh failed. So:

- keys are loaded at start (`start()`), and refreshed when older than `jwks_max_age_s`;
- a token whose `kid` is unknown triggers a refresh, but fetches (for any reason) happen at most once per
  `jwks_min_refresh_s`, and concurrent requests waiting on the same refresh share one fetch (a lock);
- a failed fetch (HTTP error, timeout, not JSON, no usable key) keeps the cached keys and is logged by its reason
  only, never the response body;
- only asymmetric signing keys are kept: keys whose `use` is not `sig`, symmetric (`oct`) keys, and entries that
  carry private key material are ignored.

The URL is fetched with the gateway's own `aiohttp.ClientSession` (the gateway owns and closes it): PyJWT's
`PyJWKClient` fetches synchronously with urllib, which would block the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import jwt

from auth.settings import ALLOWED_ALGORITHMS, TokenSettings

logger = logging.getLogger(__name__)

MAX_JWKS_BYTES = 1_000_000  # a JWKS is a few kilobytes; anything this large is not one

# The key type (and curve) each accepted algorithm needs.
_RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


class KeyLookupError(Exception):
    """No key can verify the token. The message is safe to log: it never contains key or token material."""


class KeysUnavailable(KeyLookupError):
    """No keys have been loaded yet (the JWKS could not be fetched or read since start)."""


class UnknownKey(KeyLookupError):
    """The token's `kid` is not among the issuer's keys, even after the refresh allowed now."""


class KeyMismatch(KeyLookupError):
    """The `kid` is known, but the key cannot verify the token's algorithm (wrong key type, curve or `alg`)."""


class _FetchFailed(Exception):
    """A refresh failed; the message is the reason, safe to log."""


@dataclass(frozen=True)
class _Key:
    """One usable public key of the JWKS, bound to each accepted algorithm it can verify."""

    kid: str | None
    by_algorithm: Mapping[str, jwt.PyJWK]  # bound: PyJWT then verifies with exactly that algorithm


def _fits(algorithm: str, *, kty: str, crv: str | None, alg: str | None) -> bool:
    if alg is not None and alg != algorithm:
        return False
    if algorithm in _RSA_ALGORITHMS:
        return kty == "RSA"
    curve = _EC_CURVES.get(algorithm)
    return curve is not None and kty == "EC" and crv == curve


class JwksKeys:
    """The signing keys of one issuer: `await start()` once, then `await key_for(kid, alg)` per token."""

    def __init__(
        self,
        *,
        url: str | None = None,
        file: Path | None = None,
        session: aiohttp.ClientSession | None = None,
        min_refresh_s: float = 60.0,
        max_age_s: float = 3600.0,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (url is None) == (file is None):
            raise ValueError("JwksKeys needs exactly one of a JWKS url or a JWKS file")
        if url is not None and session is None:
            raise ValueError("JwksKeys needs the gateway's HTTP session to fetch a JWKS url")
        self._url = url
        self._file = file
        self._session = session
        self._min_refresh_s = min_refresh_s
        self._max_age_s = max_age_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._keys: tuple[_Key, ...] = ()
        self._loaded_at: float | None = None  # clock time of the last successful load
        self._attempted_at: float | None = None  # clock time of the last fetch, successful or not
        self._refreshes = 0  # finished refreshes: a request that waited on one uses its result
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: TokenSettings,
        session: aiohttp.ClientSession | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> JwksKeys:
        return cls(
            url=settings.jwks_url,
            file=settings.jwks_file,
            session=session,
            min_refresh_s=settings.jwks_min_refresh_s,
            max_age_s=settings.jwks_max_age_s,
            timeout_s=settings.jwks_timeout_s,
            clock=clock,
        )

    @property
    def kids(self) -> frozenset[str]:
        """The key ids currently cached (for health reporting and tests)."""
        return frozenset(k.kid for k in self._keys if k.kid is not None)

    @property
    def loaded(self) -> bool:
        return self._loaded_at is not None

    async def start(self) -> None:
        """Load the keys for the first time. A failure is logged, not raised: the gateway starts anyway and
        refuses tokens (401) until a later refresh succeeds."""
        async with self._lock:
            await self._refresh("start")

    async def key_for(self, kid: str | None, algorithm: str) -> jwt.PyJWK:
        """The key that verifies a token with this `kid` header (None: the token names no key) and `alg`.

        Refreshes first when the keys are older than the maximum age, and once more when the `kid` is unknown,
        both within the minimum interval between fetches. Raises a `KeyLookupError` when no key fits.
        """
        seen = self._refreshes  # a refresh finishing after this point serves this request too
        if self._stale():
            await self._refresh_once(seen, "max age")
        key = self._find(kid)
        if key is None:
            await self._refresh_once(seen, "unknown key id")
            key = self._find(kid)
        if key is None:
            if not self._keys:
                raise KeysUnavailable("no signing keys are loaded")
            raise UnknownKey("no signing key has this key id")
        bound = key.by_algorithm.get(algorithm)
        if bound is None:
            raise KeyMismatch("the signing key does not fit the token's algorithm")
        return bound

    def _stale(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at >= self._max_age_s

    def _find(self, kid: str | None) -> _Key | None:
        if kid is None:
            # A token naming no key is verified only by the issuer's only key.
            return self._keys[0] if len(self._keys) == 1 else None
        return next((k for k in self._keys if k.kid == kid), None)

    async def _refresh_once(self, seen: int, why: str) -> None:
        async with self._lock:
            if self._refreshes != seen:
                return  # another request fetched while this one waited: use its result
            if self._attempted_at is not None and self._clock() - self._attempted_at < self._min_refresh_s:
                return  # fetched too recently; keep serving the cached keys
            await self._refresh(why)

    async def _refresh(self, why: str) -> None:
        """Fetch or read the JWKS and replace the cached keys; on failure keep them. Called holding the lock."""
        try:
            await self._load(why)
        finally:
            self._refreshes += 1  # counted once finished: requests that arrived meanwhile will use its result

    async def _load(self, why: str) -> None:
        self._attempted_at = self._clock()
        try:
            raw = await (self._fetch() if self._url is not None else self._read())
            keys = _parse(raw)
        except _FetchFailed as failure:
            logger.warning(
                "JWKS refresh (%s) failed: %s; keeping %d cached signing keys", why, failure, len(self._keys)
            )
            return
        self._keys = keys
        self._loaded_at = self._clock()
        logger.info("JWKS refresh (%s): %d signing keys loaded", why, len(keys))

    async def _fetch(self) -> bytes:
        assert self._url is not None and self._session is not None
        try:
            async with self._session.get(
                self._url,
                timeout=aiohttp.ClientTimeout(total=self._timeout_s),
                headers={"Accept": "application/json"},
            ) as response:
                if response.status != 200:
                    raise _FetchFailed(f"HTTP status {response.status}")
                body = bytearray()
                async for chunk in response.content.iter_chunked(65536):
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise _FetchFailed("the response is too large to be a JWKS")
                return bytes(body)
        except TimeoutError:
            raise _FetchFailed(f"no answer within {self._timeout_s:g} s") from None
        except aiohttp.ClientError as error:
            raise _FetchFailed(f"HTTP request failed ({type(error).__name__})") from None

    async def _read(self) -> bytes:
        assert self._file is not None
        try:
            raw = await asyncio.to_thread(self._file.read_bytes)
        except OSError as error:
            raise _FetchFailed(f"the JWKS file cannot be read ({type(error).__name__})") from None
        if len(raw) > MAX_JWKS_BYTES:
            raise _FetchFailed("the file is too large to be a JWKS")
        return raw


def _parse(raw: bytes) -> tuple[_Key, ...]:
    """The usable signing keys of a JWKS document, or `_FetchFailed` when it has none."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise _FetchFailed("the JWKS is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise _FetchFailed("the JWKS has no list of keys")
    keys: list[_Key] = []
    for entry in document["keys"]:
        key = _usable(entry)
        if key is not None:
            keys.append(key)
    if not keys:
        raise _FetchFailed("the JWKS has no usable signing key")
    return tuple(keys)


def _usable(entry: object) -> _Key | None:
    if not isinstance(entry, dict):
        return None
    kty, use, alg, kid, crv = (entry.get(name) for name in ("kty", "use", "alg", "kid", "crv"))
    if kty not in ("RSA", "EC"):
        return None  # `oct` (a shared secret) never signs a sign-in token; other types are not accepted
    if use is not None and use != "sig":
        return None
    if alg is not None and alg not in ALLOWED_ALGORITHMS:
        return None
    if kid is not None and not isinstance(kid, str):
        return None
    if crv is not None and not isinstance(crv, str):
        return None
    if "d" in entry:
        return None  # private key material has no place in a published key set
    # Parsing the key material now drops a broken entry here, not at verification.
    try:
        by_algorithm = {
            algorithm: jwt.PyJWK(dict(entry), algorithm=algorithm)
            for algorithm in ALLOWED_ALGORITHMS
            if _fits(algorithm, kty=kty, crv=crv, alg=alg)
        }
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
    if not by_algorithm:
        return None
    return _Key(kid=kid, by_algorithm=by_algorithm)
