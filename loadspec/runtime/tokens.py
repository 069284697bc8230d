"""Credentials by token type, from `LOADSPEC_TOKEN_<TYPE>`; never printed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from loadspec.spec.model import TokenType

__all__ = ["ENV_PREFIX", "Tokens", "token_env"]

ENV_PREFIX = "LOADSPEC_TOKEN_"


def token_env(kind: TokenType) -> str:
    """The environment variable that holds a token type's credential (`LOADSPEC_TOKEN_STAFF`)."""
    return f"{ENV_PREFIX}{kind.value.upper()}"


@dataclass(frozen=True, slots=True)
class Tokens:
    """Token values by type.

    Attributes:
        values: token type -> secret (repr hides them).
    """

    values: Mapping[TokenType, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **defaults: str) -> Tokens:
        """`LOADSPEC_TOKEN_STAFF` and friends; `defaults` (by type name) fill the gaps."""
        values = {TokenType(k): v for k, v in defaults.items() if v}
        for kind in TokenType:
            value = environ.get(token_env(kind), "").strip()
            if value:
                values[kind] = value
        return cls(values)

    def authorization(self, kind: TokenType) -> str | None:
        """The Authorization header value for `kind`, or None when no token is known."""
        token = self.values.get(kind)
        return None if token is None else f"{kind.scheme} {token}"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every token, for masking in messages."""
        return tuple(self.values.values())

    def __repr__(self) -> str:
        return f"Tokens({', '.join(sorted(k.value for k in self.values))})"
