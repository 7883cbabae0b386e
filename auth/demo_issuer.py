"""The demo's own token issuer: a signing key in the demo's workdir, its public JWKS, and tokens signed with it.

Why: the demo runs the gateway with the same bearer-token sign-in as production (`auth.mode = "demo"` verifies
tokens exactly as "oidc" does, from a local JWKS file), so what a council sees in the demo is the real access path.
There is no identity provider in a demo, so the demo mints its tokens itself, with a key it generates once and
reuses (tokens handed out stay valid across restarts). The private key never leaves the workdir (file mode 0600).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from auth.principal import Role
from auth.settings import DEMO_AUDIENCE, DEMO_ISSUER

logger = logging.getLogger(__name__)

KEY_FILENAME = "demo-signing-key.pem"
JWKS_FILENAME = "demo-jwks.json"
ALGORITHM = "ES256"

# RFC 7638: the members of each key type that its thumbprint covers.
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}


def write_demo_keys(workdir: Path) -> tuple[Path, Path]:
    """The demo's private key file and public JWKS file in `workdir`: created on first use, reused afterwards.

    A key file that is missing or not an EC P-256 private key is replaced by a new key; the JWKS is rewritten
    whenever it does not match the key.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    key_file = workdir / KEY_FILENAME
    jwks_file = workdir / JWKS_FILENAME
    key = _load_key(key_file)
    if key is None:
        if key_file.exists():
            logger.warning("The demo signing key file is not a usable EC P-256 key; writing a new key")
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_atomically(key_file, pem, mode=0o600)
    else:
        os.chmod(key_file, 0o600)
    jwks = (json.dumps({"keys": [public_jwk(key.public_key())]}, indent=2) + "\n").encode()
    if not jwks_file.is_file() or jwks_file.read_bytes() != jwks:
        _write_atomically(jwks_file, jwks, mode=0o644)
    return key_file, jwks_file


def mint_token(
    key_file: Path,
    *,
    role: Role,
    user_id: str,
    name: str | None = None,
    team: str | None = None,
    email: str | None = None,
    ttl_s: int = 3600,
    now: float | None = None,
) -> str:
    """A token for the demo gateway, signed ES256 with the demo's key: iss `DEMO_ISSUER`, aud `DEMO_AUDIENCE`.

    For `Role.INTEGRATION` (a machine client) the token also carries `azp` = `user_id`, as a client-credentials
    token names its client.
    """
    key = _load_key(key_file)
    if key is None:
        raise ValueError(f"{key_file} is not the demo's signing key (an EC P-256 private key in PEM)")
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": DEMO_ISSUER,
        "aud": DEMO_AUDIENCE,
        "sub": user_id,
        "roles": [role.value],
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_s,
    }
    optional = {"name": name, "team": team, "email": email}
    claims.update({claim: value for claim, value in optional.items() if value is not None})
    if role is Role.INTEGRATION:
        claims["azp"] = user_id
    kid = public_jwk(key.public_key())["kid"]
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"})


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, Any]:
    """The public key as a JWK for signing with ES256, its `kid` the RFC 7638 thumbprint."""
    jwk = ECAlgorithm.to_jwk(key, as_dict=True)
    return {**jwk, "use": "sig", "alg": ALGORITHM, "kid": jwk_thumbprint(jwk)}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 thumbprint of a public JWK: SHA-256 over its required members, base64url without padding."""
    members = _THUMBPRINT_MEMBERS[jwk["kty"]]
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _load_key(key_file: Path) -> ec.EllipticCurvePrivateKey | None:
    try:
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    return None


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Write to a temporary file created with `mode`, then rename: the file is never readable half-written, and a
    private key is never readable by others, not even for a moment."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)  # the process umask may have narrowed the mode given to open
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
