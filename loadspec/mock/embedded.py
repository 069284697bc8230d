"""Without a host, what a run sends to: the embedded gateway, or a mock of the specs' contracts.

The one decision `loadspec check`, `loadspec fuzz` and a load run make when no host is named:
when every endpoint the specs are about is one the communication gateway serves, the gateway
is started; otherwise a mock of the specs' contracts (`loadspec mock`) is, and the run says so
when it starts and in its summary, so that a run against a mock never reads like a run
against the API. Standard library only: a load run calls it after gevent's patching.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from loadspec.contract.locate import resolve_contract_path
from loadspec.files import FileRefused, SpecFiles
from loadspec.language.model import Spec
from loadspec.mock.config import MockConfig
from loadspec.mock.process import MockServer
from loadspec.stub.config import StubConfig
from loadspec.stub.process import StubServer
from loadspec.stub.served import foreign

__all__ = [
    "MOCK_CREDENTIAL",
    "Embedded",
    "choose_embedded",
    "spec_contracts",
    "spec_requests",
    "start_embedded",
]

MOCK_CREDENTIAL = "loadspec:local-mock"
"""What a run sends for a contract's security scheme nobody gave a secret for, when it runs
against the embedded mock (which takes any credential where the contract wants one)."""

_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Embedded:
    """What a run without a host runs against.

    Attributes:
        contracts: the contracts to mock (empty: the embedded gateway is started).
        unserved: the endpoints the gateway does not serve (why a mock, if one).
    """

    contracts: tuple[Path, ...] = ()
    unserved: tuple[str, ...] = ()

    @property
    def is_mock(self) -> bool:
        return bool(self.unserved and self.contracts)

    @property
    def unservable(self) -> bool:
        """Endpoints the gateway does not serve and no contract to mock them from: the case a
        run may refuse (exit 2) rather than send them to the gateway."""
        return bool(self.unserved and not self.contracts)

    def describe(self, url: str) -> str:
        """How a report names the target: `a MOCK of 3 contract(s) at URL (not the API)`."""
        if not self.is_mock:
            return f"the embedded gateway ({url})"
        return f"a MOCK of {len(self.contracts)} contract(s) at {url} (not the API)"

    def line(self, url: str) -> str:
        """The one line a run says at its start."""
        if not self.is_mock:
            return f"no host given: started the embedded gateway at {url}"
        shown = ", ".join(self.unserved[:_SHOWN])
        more = f" and {len(self.unserved) - _SHOWN} more" if len(self.unserved) > _SHOWN else ""
        return (
            f"no host given: the embedded gateway does not serve {shown}{more}: started "
            f"{self.describe(url)}; its answers come from the contracts, not from an API"
        )


def choose_embedded(requests: Iterable[tuple[str, str]], contracts: Iterable[Path]) -> Embedded:
    """The gateway when it serves every (method, path) request, else a mock of `contracts`."""
    unserved = sorted({f"{m} {p}" for m, p in requests if foreign(m, p)})
    if not unserved:
        return Embedded()
    found = tuple(dict.fromkeys(path.resolve() for path in contracts))
    return Embedded(found, tuple(unserved))


def spec_requests(specs: Iterable[Spec]) -> list[tuple[str, str]]:
    """Every request step of `specs` as (method, path): what the embedded server must serve."""
    return [
        (step.method.value, step.path)
        for spec in specs
        for step in spec.steps
        if step.method is not None and step.path is not None
    ]


def spec_contracts(
    specs: Iterable[Spec], root: Path | None, files: SpecFiles | None
) -> Iterator[Path]:
    """The contract files the specs' `swagger:` values name (those that can be found)."""
    for spec in specs:
        if not spec.swagger:
            continue
        try:
            found = resolve_contract_path(spec.swagger, spec.path, root, files)
        except FileRefused:
            continue
        if found is not None:
            yield found


def start_embedded(choice: Embedded, server: StubConfig, seed: int | None = None) -> StubServer:
    """The server `choice` names, not started: the gateway with `server`'s settings, or the
    mock with its address, secret and signing (any credential accepted)."""
    if not choice.is_mock:
        return StubServer(server)
    mock = StubConfig(
        host=server.host,
        port=server.port,
        webhook_secret=server.webhook_secret,
        callback_signature=server.callback_signature,
        activation_delay=server.activation_delay,
        seed=seed if seed is not None else server.seed,
    )
    return MockServer(MockConfig(choice.contracts, mock))
