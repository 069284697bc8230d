"""How gateway callbacks are signed: a JWT (HS256) in `Authorization: Bearer`, bound to the body.

The embedded gateway signs every callback it POSTs; the harness's webhook listener verifies
them. Both sides import this module, so neither depends on the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from typing import Any

import jwt

from loadspec.errors import LoadspecError
from loadspec.webhooks.defaults import DEFAULT_ISSUER, DEFAULT_WEBHOOK_SECRET

__all__ = [
    "DEFAULT_ISSUER",
    "DEFAULT_WEBHOOK_SECRET",
    "CallbackSignatureError",
    "payload_hash",
    "sign_callback",
    "verify_callback",
]

_ALGORITHM = "HS256"
_BEARER = "bearer "
_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")


class CallbackSignatureError(LoadspecError):
    """A callback's signature is missing, malformed, forged, or does not match its body."""


def payload_hash(body: bytes) -> str:
    """Hex SHA-256 of the exact body bytes, as carried in the `payload_hash` claim."""
    return hashlib.sha256(body).hexdigest()


def sign_callback(
    body: bytes, secret: str, *, issuer: str = DEFAULT_ISSUER, now: float | None = None
) -> str:
    """The `Authorization` header value for a callback whose body is `body`.

    A standard HS256 JWT, built by hand: PyJWT takes ~30 us a token, this ~5, and the gateway
    signs two callbacks per message. `verify_callback` (PyJWT) is the reference it must pass.
    """
    claims = {
        "iat": int(time.time() if now is None else now),
        "jti": os.urandom(16).hex(),
        "iss": issuer,
        "payload_hash": payload_hash(body),
    }
    signing_input = _HEADER + b"." + _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return "Bearer " + (signing_input + b"." + _b64(signature)).decode("ascii")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def verify_callback(
    body: bytes, authorization: str, secret: str, *, issuer: str | None = DEFAULT_ISSUER
) -> dict[str, Any]:
    """Check a callback's `Authorization` header against its body; return the JWT claims.

    Raises `CallbackSignatureError` when the header is not `Bearer <jwt>`, the JWT is not
    HS256-signed with `secret`, a required claim is missing, the issuer differs (pass
    `issuer=None` to accept any), or `payload_hash` is not the SHA-256 of `body`.
    """
    if not authorization[: len(_BEARER)].lower() == _BEARER:
        raise CallbackSignatureError("callback Authorization header is not 'Bearer <jwt>'")
    token = authorization[len(_BEARER) :].strip()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            issuer=issuer,
            options={"require": ["iat", "jti", "iss", "payload_hash"], "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise CallbackSignatureError(f"callback JWT rejected: {exc}") from exc
    claimed = claims["payload_hash"]
    if not isinstance(claimed, str) or not hmac.compare_digest(claimed, payload_hash(body)):
        raise CallbackSignatureError("callback payload_hash does not match the SHA-256 of the body")
    return claims
