"""Separate hosts for distributed tests: each node in its own Linux network namespace.

`Network` makes one namespace per node (gateway, master, workers...) and one hub namespace
holding a bridge; each node is joined to the bridge by a veth pair and gets an address of
198.18.0.0/24 (RFC 2544's benchmarking range, inside these namespaces only). Nothing routes
out: no namespace has a default route, and none is linked to the machine's own. A node's
link can be set down and up (a partition). Everything is deleted on `close`, the processes
in the namespaces killed first, whatever the test did.

Namespaces need root (CAP_SYS_ADMIN) and iproute2; `network` skips the test with the reason
where they cannot be made.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pytest

PREFIX = "ls24-"
SUBNET = "198.18.0"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


@dataclass
class Node:
    """One host of the test network.

    Attributes:
        name: the test's name for it (`master`, `worker1`).
        namespace: its network namespace.
        address: its IPv4 address on the bridge.
        hub_link: its veth's end in the hub (set down to cut it off).
    """

    name: str
    namespace: str
    address: str
    hub_link: str

    def command(self, argv: Sequence[str]) -> list[str]:
        """`argv` run inside this node's namespace."""
        return ["ip", "netns", "exec", self.namespace, *argv]

    def popen(self, argv: Sequence[str], **options: Any) -> subprocess.Popen[str]:
        """Start `argv` in this node's namespace (the process is the command itself: `ip netns
        exec` execs it)."""
        return subprocess.Popen(self.command(argv), text=True, **options)


@dataclass
class Network:
    """Namespaces joined by a bridge; `close` deletes every one of them.

    Attributes:
        tag: the unique part of every name (`ls24-<tag>-...`).
        hub: the namespace holding the bridge.
        nodes: the hosts, by name.
    """

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    hub: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.hub = f"{PREFIX}{self.tag}-hub"

    def open(self, names: Sequence[str]) -> Network:
        """Make the hub, its bridge and one namespace per name, in that order."""
        _ip("netns", "add", self.hub)
        _ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.hub, "link", "set", "br0", "up")
        for number, name in enumerate(names, start=1):
            self.add(name, number)
        return self

    def add(self, name: str, number: int) -> Node:
        """A node `name` at 198.18.0.`number`, joined to the bridge."""
        namespace = f"{PREFIX}{self.tag}-{name}"
        hub_link, own = f"h{self.tag}{number}", f"n{self.tag}{number}"  # at most 15 characters
        node = Node(name, namespace, f"{SUBNET}.{number}", hub_link)
        self.nodes[name] = node
        _ip("netns", "add", namespace)
        _ip("-n", self.hub, "link", "add", hub_link, "type", "veth", "peer", "name", own,
            "netns", namespace)  # fmt: skip
        _ip("-n", self.hub, "link", "set", hub_link, "master", "br0", "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
        _ip("-n", namespace, "addr", "add", f"{node.address}/24", "dev", own)
        _ip("-n", namespace, "link", "set", own, "up")
        return node

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    def cut(self, name: str) -> None:
        """Take `name`'s link down: nothing reaches it or leaves it, its sockets stay open."""
        _ip("-n", self.hub, "link", "set", self.nodes[name].hub_link, "down")

    def mend(self, name: str) -> None:
        """Bring `name`'s link up again."""
        _ip("-n", self.hub, "link", "set", self.nodes[name].hub_link, "up")

    def close(self) -> None:
        """Kill every process left in the namespaces, then delete them all."""
        for namespace in [*(n.namespace for n in self.nodes.values()), self.hub]:
            pids = _ip("netns", "pids", namespace, check=False).stdout.split()
            for pid in pids:
                with suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            _ip("netns", "del", namespace, check=False)


def why_not() -> str | None:
    """Why namespaces cannot be made here (None: they can)."""
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root (CAP_SYS_ADMIN); this test runs as a user"
    probe = f"{PREFIX}{uuid.uuid4().hex[:6]}-probe"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"`ip netns add` failed: {made.stderr.strip() or made.returncode}"
    _ip("netns", "del", probe, check=False)
    return None


@contextmanager
def network(names: Sequence[str]) -> Iterator[Network]:
    """A `Network` of `names` for the test's duration, deleted even when the test fails;
    the test is skipped, with the reason, where namespaces cannot be made."""
    reason = why_not()
    if reason is not None:
        pytest.skip(f"separate hosts need network namespaces: {reason}")
    made = Network()
    try:
        yield made.open(names)
    finally:
        made.close()


def leftovers() -> list[str]:
    """Namespaces of these tests still present (none once every test has closed its own)."""
    listed = _ip("netns", "list", check=False).stdout.split("\n")
    return [line.split()[0] for line in listed if line.startswith(PREFIX)]
