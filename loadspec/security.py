"""What a contract says a request must carry: its security schemes, and the operation's name.

Shared vocabulary (standard library only): the contract layer reads it from `securitySchemes`
/ `securityDefinitions`, the runtime sends it, `loadspec.inputs.credentials` finds each
scheme's secret in `LOADSPEC_CREDENTIAL_<SCHEME>`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = [
    "CREDENTIAL_PREFIX",
    "TOKEN_PREFIX",
    "KeyPlace",
    "KnownOperation",
    "SchemeKind",
    "Security",
    "SecurityScheme",
    "env_name",
]

CREDENTIAL_PREFIX = "LOADSPEC_CREDENTIAL_"
TOKEN_PREFIX = "LOADSPEC_TOKEN_"
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def env_name(prefix: str, name: str) -> str:
    """`prefix` and `name` upper-cased, every character that is not a letter or digit as `_`."""
    return prefix + _NOT_ALNUM.sub("_", name).upper()


class SchemeKind(enum.StrEnum):
    """How a scheme's secret is sent: `Authorization: Bearer`, `Authorization: Basic`, a key."""

    BEARER = "bearer"
    BASIC = "basic"
    API_KEY = "apiKey"


class KeyPlace(enum.StrEnum):
    """Where an apiKey scheme's key goes."""

    HEADER = "header"
    QUERY = "query"
    COOKIE = "cookie"


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    """One scheme of a contract, as a request carries it.

    Attributes:
        name: the contract's name for it (`api_key`, `petstore_auth`).
        kind: bearer (HTTP bearer, OAuth2, OpenID Connect), basic, or an API key.
        place: where an API key goes (header, query or cookie).
        param: the header, query parameter or cookie an API key is sent as.
        declared: the contract's own type, for messages (`oauth2`, `http basic`...).
    """

    name: str
    kind: SchemeKind
    place: KeyPlace = KeyPlace.HEADER
    param: str = "Authorization"
    declared: str = ""

    @property
    def variable(self) -> str:
        """The environment variable that holds its secret (`LOADSPEC_CREDENTIAL_API_KEY`)."""
        return env_name(CREDENTIAL_PREFIX, self.name)

    def __str__(self) -> str:
        if self.kind is SchemeKind.API_KEY:
            return f"{self.name} (apiKey in {self.place.value} {self.param})"
        return f"{self.name} ({self.declared or self.kind.value})"


@dataclass(frozen=True, slots=True)
class Security:
    """An operation's security requirement: any one alternative, each all of its schemes.

    Attributes:
        alternatives: the requirement objects in the contract's order; an empty one means
            the operation may be called without a credential.
        unusable: schemes an alternative names that cannot be sent (undefined, mutualTLS,
            HTTP digest...) -> why; an alternative naming one is never chosen.
    """

    alternatives: tuple[tuple[SecurityScheme, ...], ...] = ()
    unusable: tuple[str, ...] = ()

    @property
    def anonymous(self) -> bool:
        """Whether the operation may be called with no credential at all (`security: []`, or
        an empty requirement among its alternatives)."""
        if not self.alternatives:
            return not self.unusable
        return any(not alt for alt in self.alternatives)


@dataclass(frozen=True, slots=True)
class KnownOperation:
    """What the contract says about the operation a step calls.

    Attributes:
        name: its stats row: method and path as the contract names it (`GET /pet/{petId}`),
            with the base path when the step's path carries it.
        security: what its requests carry; None when the contract declares no scheme at all
            (the spec's own token then decides, as for a step without a contract).
        aliases: other spellings of it (with or without the base path), for did-you-mean.
        base_path: the contract's base path when the step's path carries it, else "".
    """

    name: str
    security: Security | None = None
    aliases: tuple[str, ...] = ()
    base_path: str = ""
