"""Credentials: tokens by type (`LOADSPEC_TOKEN_<TYPE>`) and contract schemes' secrets
(`LOADSPEC_CREDENTIAL_<SCHEME>`); one reader for load, fuzz and check runs.

Which of them a request carries is decided here too (`Credentials.for_security`), from the
security its contract declares for the operation; the runtime only sends what it returns.
"""

from __future__ import annotations

import base64
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loadspec.language.model import TokenType
from loadspec.security import (
    CREDENTIAL_PREFIX,
    TOKEN_PREFIX,
    KeyPlace,
    SchemeKind,
    Security,
    SecurityScheme,
    env_name,
)

__all__ = ["TOKEN_PREFIX", "Credentials", "Sent", "token_env"]


def token_env(kind: TokenType) -> str:
    """The environment variable that holds a token type's credential (`LOADSPEC_TOKEN_STAFF`)."""
    return env_name(TOKEN_PREFIX, kind.value)


def _key(name: str | TokenType) -> str:
    """Names that share a variable share a credential (`my-key` and `my_key`)."""
    return env_name("", str(name)).lower()


@dataclass(frozen=True, slots=True)
class Sent:
    """What a request carries for its credentials, besides the spec's own headers.

    Attributes:
        headers: header -> value (`Authorization`, an apiKey header).
        params: query parameters (an apiKey in the query).
        cookies: cookie -> value (an apiKey cookie).
    """

    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    params: Mapping[str, str] = field(default_factory=dict, repr=False)
    cookies: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class Credentials:
    """The token of each type and the secret of each scheme; never printed (the repr names
    the types and schemes only).

    Attributes:
        tokens: token type (or its name) -> the bare token (no scheme).
        schemes: security scheme name -> its secret (`user:password` for HTTP basic).
        fixed: when set, every type and every bearer scheme uses this one token as `Bearer`
            (the embedded gateway's).
    """

    # Keys are token types or their names: both are read by name (`_key`).
    tokens: Mapping[Any, str] = field(default_factory=dict, repr=False)
    schemes: Mapping[str, str] = field(default_factory=dict, repr=False)
    fixed: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", {_key(k): v for k, v in self.tokens.items() if v})
        object.__setattr__(self, "schemes", {_key(k): v for k, v in self.schemes.items() if v})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **defaults: str) -> Credentials:
        """Every `LOADSPEC_TOKEN_<TYPE>` and `LOADSPEC_CREDENTIAL_<SCHEME>` with a value;
        `defaults` (by name) fill the gaps of both."""
        return cls.configured(defaults, environ)

    @classmethod
    def configured(
        cls,
        given: Mapping[TokenType, str] | Mapping[str, str],
        environ: Mapping[str, str] | None = None,
    ) -> Credentials:
        """A configuration's tokens (each also the secret of a scheme of that name), each
        `LOADSPEC_TOKEN_<TYPE>` and `LOADSPEC_CREDENTIAL_<SCHEME>` with a value winning."""
        environ = os.environ if environ is None else environ
        tokens = {_key(k): v for k, v in given.items() if v}
        schemes = dict(tokens)
        for name, given_value in environ.items():
            value = given_value.strip()
            if value and name.startswith(TOKEN_PREFIX):
                tokens[name.removeprefix(TOKEN_PREFIX).lower()] = value
            elif value and name.startswith(CREDENTIAL_PREFIX):
                schemes[name.removeprefix(CREDENTIAL_PREFIX).lower()] = value
        return cls(tokens, schemes)

    @classmethod
    def single(cls, token: str) -> Credentials:
        """One token for every type, sent as `Bearer` (the embedded gateway knows no other)."""
        return cls(fixed=token)

    def with_token(self, kind: TokenType, token: str) -> Credentials:
        """These credentials with `token` for `kind` where they have none."""
        tokens = {kind.value: token, **self.tokens}
        return Credentials(tokens, self.schemes, self.fixed)

    def with_secrets(self, schemes: Iterable[str], secret: str) -> Credentials:
        """These credentials with `secret` for each scheme of `schemes` that has none (a
        local mock's, which takes any credential but wants one where the contract does)."""
        given = {_key(name): secret for name in schemes}
        return Credentials(self.tokens, {**given, **self.schemes}, self.fixed)

    def token(self, kind: TokenType) -> str | None:
        """The bare token for `kind`, or None when there is none."""
        return self.fixed if self.fixed is not None else self.tokens.get(_key(kind))

    def authorization(self, kind: TokenType) -> str | None:
        """The `Authorization` header value for `kind`, or None when there is no such token.

        Interned: the users of a run hold one copy of each value, not one each.
        """
        if self.fixed is not None:
            return sys.intern(f"Bearer {self.fixed}")
        token = self.tokens.get(_key(kind))
        return None if token is None else sys.intern(f"{kind.scheme} {token}")

    def missing(self, kind: TokenType) -> str | None:
        """Why there is no credential for `kind`, or None when there is one."""
        if self.authorization(kind) is not None:
            return None
        return f"needs a {kind.value} token: set {token_env(kind)}"

    def secret(self, scheme: SecurityScheme) -> str | None:
        """The secret for `scheme`, or None (the embedded gateway's token for bearer ones)."""
        if self.fixed is not None:
            return self.fixed if scheme.kind is SchemeKind.BEARER else None
        return self.schemes.get(_key(scheme.name))

    def for_security(self, security: Security, fallback: TokenType | None) -> Sent | str:
        """What a request to an operation with `security` carries, or why it cannot be sent.

        The first alternative whose every scheme has a secret is sent; else nothing, when the
        operation may be called without one; else, when the first alternative is one bearer
        scheme (HTTP bearer, OAuth2, OpenID Connect), the `fallback` token as today's specs
        send it (the authors' contracts declare `Bearer` for their staff token).
        """
        for alternative in security.alternatives:
            if alternative and all(self.secret(s) is not None for s in alternative):
                return self._sent(alternative)
        if security.anonymous:
            return Sent()
        first = security.alternatives[0] if security.alternatives else ()
        bearer = len(first) == 1 and first[0].kind is SchemeKind.BEARER
        authorization = self.authorization(fallback) if bearer and fallback else None
        if authorization is not None:
            return Sent(headers={"Authorization": authorization})
        return self._why_missing(security, fallback if bearer else None)

    def _sent(self, schemes: tuple[SecurityScheme, ...]) -> Sent:
        headers: dict[str, str] = {}
        params: dict[str, str] = {}
        cookies: dict[str, str] = {}
        for scheme in schemes:
            secret = self.secret(scheme)
            assert secret is not None
            if scheme.kind is SchemeKind.BEARER:
                headers["Authorization"] = sys.intern(f"Bearer {secret}")
            elif scheme.kind is SchemeKind.BASIC:
                headers["Authorization"] = sys.intern(f"Basic {_basic(secret)}")
            else:
                where = {KeyPlace.HEADER: headers, KeyPlace.QUERY: params}.get(
                    scheme.place, cookies
                )
                where[scheme.param] = secret
        return Sent(headers, params, cookies)

    def _why_missing(self, security: Security, fallback: TokenType | None) -> str:
        options = [
            " and ".join(f"{s}: set {s.variable}" for s in alt if self.secret(s) is None)
            for alt in security.alternatives
        ]
        if fallback is not None:
            options.append(f"a {fallback.value} token: set {token_env(fallback)}")
        text = "needs " + " or ".join(options) if options else "needs a credential"
        if security.unusable:
            text += f" (cannot be sent: {'; '.join(security.unusable)})"
        return text

    @property
    def variables(self) -> frozenset[str]:
        """The variables that have a value (`LOADSPEC_TOKEN_STAFF`, `LOADSPEC_CREDENTIAL_API_KEY`),
        however given (a configuration's token counts as its variable)."""
        tokens = {env_name(TOKEN_PREFIX, name) for name in self.tokens}
        return frozenset(tokens | {env_name(CREDENTIAL_PREFIX, name) for name in self.schemes})

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every token and secret, and a basic secret's password alone, for masking (the
        mask finds their base64 forms itself)."""
        if self.fixed is not None:
            return (self.fixed,)
        values = dict.fromkeys([*self.tokens.values(), *self.schemes.values()])
        for secret in self.schemes.values():
            if ":" in secret:
                values[secret.split(":", 1)[1]] = None
        return tuple(v for v in values if v)

    def __repr__(self) -> str:
        if self.fixed is not None:
            return "Credentials(all)"
        kinds = ", ".join(sorted(self.tokens))
        schemes = ", ".join(sorted(self.schemes))
        return f"Credentials({kinds}; schemes: {schemes})" if schemes else f"Credentials({kinds})"


def _basic(user_password: str) -> str:
    return base64.b64encode(user_password.encode()).decode("ascii")
