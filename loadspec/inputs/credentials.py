"""Credentials by token type, from `LOADSPEC_TOKEN_<TYPE>`: one reader for load and fuzz runs."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from loadspec.language.model import TokenType

__all__ = ["TOKEN_PREFIX", "Credentials", "token_env"]

TOKEN_PREFIX = "LOADSPEC_TOKEN_"


def token_env(kind: TokenType) -> str:
    """The environment variable that holds a token type's credential (`LOADSPEC_TOKEN_STAFF`)."""
    return f"{TOKEN_PREFIX}{kind.value.upper()}"


@dataclass(frozen=True, slots=True)
class Credentials:
    """The token of each type; never printed (the repr names the types only).

    Attributes:
        tokens: token type -> the bare token (no scheme).
        fixed: when set, every type uses this one token as `Bearer` (the embedded gateway's).
    """

    tokens: Mapping[TokenType, str] = field(default_factory=dict, repr=False)
    fixed: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **defaults: str) -> Credentials:
        """`LOADSPEC_TOKEN_<TYPE>` for each type with a value; `defaults` (by type) fill gaps."""
        environ = os.environ if environ is None else environ
        tokens = {TokenType(k): v for k, v in defaults.items() if v}
        for kind in TokenType:
            value = environ.get(token_env(kind), "").strip()
            if value:
                tokens[kind] = value
        return cls(tokens)

    @classmethod
    def configured(
        cls, tokens: Mapping[TokenType, str], environ: Mapping[str, str] | None = None
    ) -> Credentials:
        """A configuration's tokens, each `LOADSPEC_TOKEN_<TYPE>` with a value winning."""
        return cls.from_env(environ, **{kind.value: token for kind, token in tokens.items()})

    @classmethod
    def single(cls, token: str) -> Credentials:
        """One token for every type, sent as `Bearer` (the embedded gateway knows no other)."""
        return cls(fixed=token)

    def token(self, kind: TokenType) -> str | None:
        """The bare token for `kind`, or None when there is none."""
        return self.fixed if self.fixed is not None else self.tokens.get(kind)

    def authorization(self, kind: TokenType) -> str | None:
        """The `Authorization` header value for `kind`, or None when there is no such token.

        Interned: the users of a run hold one copy of each value, not one each.
        """
        if self.fixed is not None:
            return sys.intern(f"Bearer {self.fixed}")
        token = self.tokens.get(kind)
        return None if token is None else sys.intern(f"{kind.scheme} {token}")

    def missing(self, kind: TokenType) -> str | None:
        """Why there is no credential for `kind`, or None when there is one."""
        if self.authorization(kind) is not None:
            return None
        return f"needs a {kind.value} token: set {token_env(kind)}"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every token value, for masking."""
        values = [self.fixed] if self.fixed is not None else list(self.tokens.values())
        return tuple(v for v in values if v)

    def __repr__(self) -> str:
        kinds = "all" if self.fixed is not None else ", ".join(sorted(k.value for k in self.tokens))
        return f"Credentials({kinds})"
