"""Distributed runs that survive, on separate hosts: a gateway, a master and workers, each in
its own network namespace (issue 24's "done when" lines). Each run is bounded in users and
time and ends by itself; the namespaces are deleted after each test, even on failure."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.load.cluster import TOKEN, Cluster
from tests.load.runs import read_stats
from tests.netns import network

pytestmark = pytest.mark.slow  # real processes in network namespaces

CLIENTS = "specs/communication/get_platform_v1_clients.md"
ROW = ("GET", "/platform/v1/clients")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Gateway, master and three worker hosts, the gateway already serving."""
    with network(["gateway", "master", "worker1", "worker2", "worker3"]) as net:
        running = Cluster(net, tmp_path, CLIENTS)
        running.start_gateway()
        yield running


def test_a_killed_worker_s_iterations_are_made_by_the_other(cluster: Cluster) -> None:
    """600 iterations, two workers, one killed with SIGKILL in the middle: exactly 600 are
    done, the summary names the lost worker, exit 0."""
    cluster.start_master(2, "-u", "6", "-r", "6", "-t", "120s", "--iterations", "600",
                         "--think-time", "200ms")  # fmt: skip
    cluster.start_worker("worker1")
    cluster.start_worker("worker2")
    cluster.wait_for("master", "All users spawned", 60)
    time.sleep(8)
    cluster.processes["worker2"].send_signal(signal.SIGKILL)
    code = cluster.wait("master", 150)
    said = cluster.log("master")
    rows = read_stats(cluster.tmp / "run_stats.csv")
    assert rows[ROW].requests == 600, said[-3000:]
    assert code == 0, said[-3000:]
    assert "Workers:" in said and "lost" in said, said[-3000:]
    assert TOKEN not in said
