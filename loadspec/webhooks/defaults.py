"""What the embedded gateway and the listener agree on when nobody says otherwise.

Standard library only: the stub's launcher reads these without loading pyjwt or gevent.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_HMAC_HEADER",
    "DEFAULT_ISSUER",
    "DEFAULT_WEBHOOK_SECRET",
    "SCHEMES",
    "SECRET_ENV",
]

DEFAULT_WEBHOOK_SECRET = "loadspec-stub-default-webhook-secret-hs256"
DEFAULT_ISSUER = "communication-gw"
SECRET_ENV = "LOADSPEC_WEBHOOK_SECRET"
DEFAULT_HMAC_HEADER = "X-Hub-Signature-256"  # GitHub's name; `sha256=<hex>` in it
SCHEMES = ("jwt", "hmac-sha256", "none")  # how callbacks may be signed (`signing.Scheme`)
