"""A distributed run on separate hosts: the gateway, a Locust master and its workers, each in
its own network namespace (`tests.netns`), started with the command lines the Kubernetes
manifests run (`deploy/kubernetes/`; `tests/test_kubernetes.py` holds the two together)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import ROOT
from tests.netns import Network, Node

TOKEN = "cluster-test-token-5c2e"  # pinned: it must never reach any output
SECRET = "cluster-test-secret-8f01-of-at-least-32-bytes"
GATEWAY_PORT, MASTER_PORT, WEBHOOK_PORT = 8080, 5557, 9000
LOCUST = [sys.executable, "-m", "locust"]
ALLOW = "198.18.0.*"


def gateway_command(address: str) -> list[str]:
    """The embedded gateway as a host of its own: listens on `address`, calls back to the
    test network (the manifests' gateway runs the same, with its own names)."""
    return [sys.executable, "-m", "loadspec", "stub", "--host", address,
            "--port", str(GATEWAY_PORT), "--allow-host", ALLOW,
            "--activation-delay", "50", "--message-delay", "10"]  # fmt: skip


def master_command(specs: str, host: str, bind: str, workers: int, *run: str) -> list[str]:
    """The master: the deploy/kubernetes master's arguments, then the run's own."""
    return [*LOCUST, "-f", "locustfiles/specs.py", "--specs", specs, "--master",
            "--master-bind-host", bind, "--master-bind-port", str(MASTER_PORT),
            "--headless", "--expect-workers", str(workers), "--host", host,
            "--allow-host", ALLOW, *run]  # fmt: skip


def worker_command(specs: str, master: str) -> list[str]:
    """A worker: the deploy/kubernetes worker's arguments."""
    return [*LOCUST, "-f", "locustfiles/specs.py", "--specs", specs, "--worker",
            "--master-host", master, "--master-port", str(MASTER_PORT),
            "--allow-host", ALLOW]  # fmt: skip


def env() -> dict[str, str]:
    """Every process's environment: the token and the shared secret on both sides."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOADSPEC_")}
    return {
        **base,
        "LOADSPEC_TOKEN_STAFF": TOKEN,
        "LOADSPEC_STUB_TOKENS": TOKEN,
        "LOADSPEC_WEBHOOK_SECRET": SECRET,
        "LOADSPEC_STUB_WEBHOOK_SECRET": SECRET,
    }


@dataclass
class Cluster:
    """The processes of one distributed run on `net`; logs go to `tmp`.

    Attributes:
        net: the namespaces (nodes `gateway`, `master`, `worker1`...).
        tmp: where logs and the master's CSV go.
        specs: the spec file or folder every process runs.
        processes: by node name.
    """

    net: Network
    tmp: Path
    specs: str
    processes: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    @property
    def host(self) -> str:
        """The gateway's URL."""
        return f"http://{self.net['gateway'].address}:{GATEWAY_PORT}"

    def start_gateway(self) -> None:
        """The gateway, ready before anything else starts."""
        node = self.net["gateway"]
        self._start(node, gateway_command(node.address))
        _ready(node, f"{self.host}/__stub/stats")

    def start_master(self, workers: int, *run: str) -> None:
        """The master, bound to its own address, with `run`'s options."""
        node = self.net["master"]
        command = master_command(self.specs, self.host, node.address, workers, *run)
        self._start(node, [*command, "--csv", str(self.tmp / "run")])

    def start_worker(self, name: str, *extra: str) -> None:
        """A worker on node `name`, joining the master by its address (`extra`: more options)."""
        command = [*worker_command(self.specs, self.net["master"].address), *extra]
        self._start(self.net[name], command)

    def _start(self, node: Node, command: Sequence[str]) -> None:
        log = (self.tmp / f"{node.name}.log").open("w")
        self.processes[node.name] = node.popen(
            command, cwd=ROOT, env=env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )

    def wait(self, name: str, timeout: float) -> int:
        """`name`'s exit code, once it has exited by itself (`TimeoutExpired` if not)."""
        return self.processes[name].wait(timeout=timeout)

    def log(self, name: str) -> str:
        """What `name` has logged so far."""
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def wait_for(self, name: str, text: str, timeout: float) -> None:
        """Until `name`'s log holds `text` (`AssertionError` with the log's end if not)."""
        deadline = time.monotonic() + timeout
        while text not in self.log(name):
            assert time.monotonic() < deadline, (
                f"{name} never logged {text!r}:\n" + self.log(name)[-3000:]
            )
            time.sleep(0.2)


def _ready(node: Node, url: str) -> None:
    probe = f"import urllib.request; urllib.request.urlopen({url!r}, timeout=1).close()"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        command = node.command([sys.executable, "-c", probe])
        done = subprocess.run(command, capture_output=True, check=False)
        if done.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing answers at {url} in {node.namespace}")
