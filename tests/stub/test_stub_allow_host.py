"""`loadspec stub --host ADDR --allow-host PATTERN`: the gateway listens on, and calls back to,
the addresses named, by the load run's allow-list rules (`AllowList`); nothing else."""

from __future__ import annotations

import random

import pytest

from loadspec.stub import StubConfig, StubConfigError
from loadspec.stub.gateway.callbacks import CallbackSender
from loadspec.stub.options import config_from_values, config_to_argv
from loadspec.stub.server.serve import bind


def test_a_non_loopback_address_is_refused_unless_named() -> None:
    """Without --allow-host the stub refuses 198.18.0.1 before it binds, saying how to allow it."""
    with pytest.raises(StubConfigError, match=r"--allow-host names, not on '198\.18\.0\.1'"):
        bind("198.18.0.1", 0)
    with pytest.raises(StubConfigError, match=r"--allow-host names, not on '10\.0\.0\.1'"):
        bind("10.0.0.1", 0, ("198.18.*",))


def test_a_named_address_is_bound_when_the_machine_has_it() -> None:
    """Named, the address passes the allow-list; here (not in a namespace that has it) the
    bind itself fails with the system's reason rather than the allow-list's."""
    with pytest.raises(StubConfigError, match=r"cannot listen on 198\.18\.0\.1"):
        bind("198.18.0.1", 0, ("198.18.0.*",))
    bind("127.0.0.1", 0, ("198.18.0.*",)).close()  # loopback stays allowed


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("http://127.0.0.1:9000/cb", True),
        ("http://198.18.0.2:9000/callbacks", True),
        ("https://hooks.198.18.example/cb", False),
        ("http://198.19.0.2:9000/cb", False),
        ("ftp://198.18.0.2/cb", False),
        ("http://198.18.0.2:99999/cb", False),
    ],
)
def test_callbacks_go_to_loopback_and_to_the_named_hosts(url: str, sent: bool) -> None:
    """A callback URL on a host --allow-host names is delivered; any other is refused, counted."""
    sender = CallbackSender(StubConfig(allow_hosts=("198.18.0.*",)), random.Random(1))
    assert sender._loopback(url) is sent


def test_the_launcher_passes_every_pattern_on() -> None:
    """A child gateway started from a config gets each pattern as its own --allow-host."""
    config = config_from_values({"allow_hosts": ("198.18.0.*", "gw.test")})
    argv = config_to_argv(config)
    assert argv[argv.index("--allow-host") :][:4] == [
        "--allow-host",
        "198.18.0.*",
        "--allow-host",
        "gw.test",
    ]
