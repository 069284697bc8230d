"""Credentials for fuzzing: `Authorization` values per token type, and redaction of them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from loadspec.runtime.tokens import ENV_PREFIX, Tokens, token_env
from loadspec.spec.model import TokenType

__all__ = ["REDACTED", "TOKEN_ENV_PREFIX", "Credentials", "Redactor", "token_env"]

TOKEN_ENV_PREFIX = ENV_PREFIX  # the same variables as load runs, read by the same code
REDACTED = "[redacted]"
_SHORTEST_SECRET = 4  # shorter values would redact ordinary words


@dataclass(frozen=True, slots=True)
class Credentials:
    """The token of each type, as load runs read them.

    Attributes:
        tokens: token type -> the bare token (no scheme).
        fixed: when set, every type uses this one token (the embedded gateway's own).
    """

    tokens: Mapping[TokenType, str] = field(default_factory=dict)
    fixed: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """`LOADSPEC_TOKEN_<TYPE>` for each token type that has a non-empty value."""
        return cls(Tokens.from_env(os.environ if environ is None else environ).values)

    @classmethod
    def single(cls, token: str) -> Credentials:
        """One token for every type, sent as `Bearer` (the embedded gateway knows no other)."""
        return cls(fixed=token)

    def authorization(self, token: TokenType) -> str | None:
        """The `Authorization` header value for `token`, or None when there is no such token."""
        if self.fixed is not None:
            return f"Bearer {self.fixed}"
        value = self.tokens.get(token)
        return None if value is None else f"{token.scheme} {value}"

    def missing(self, token: TokenType) -> str | None:
        """Why there is no credential for `token`, or None when there is one."""
        if self.authorization(token) is not None:
            return None
        return f"needs a {token.value} token: set {token_env(token)}"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every token value, for redaction."""
        values = [self.fixed] if self.fixed is not None else list(self.tokens.values())
        return tuple(v for v in values if v)


class Redactor:
    """Replaces secrets wherever they appear in text meant for people or files."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        unique = {s for s in secrets if len(s) >= _SHORTEST_SECRET}
        self._secrets = tuple(sorted(unique, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text
