"""Distributed runs that survive, on separate hosts: a gateway, a master and workers, each in
its own network namespace (issue 24's "done when" lines). Each run is bounded in users and
time and ends by itself; the namespaces are deleted after each test, even on failure."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.load.cluster import TOKEN, WEBHOOK_PORT, Cluster
from tests.load.runs import read_stats
from tests.netns import leftovers, network

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


def test_a_late_worker_takes_a_share_and_sends_requests(cluster: Cluster) -> None:
    """A third worker started 10 s after the run: the others cede it part of what they have
    not started; it sends requests, the run still makes exactly 600 iterations, and the
    summary names it as joined."""
    cluster.start_master(2, "-u", "6", "-r", "6", "-t", "120s", "--iterations", "600",
                         "--think-time", "200ms")  # fmt: skip
    cluster.start_worker("worker1")
    cluster.start_worker("worker2")
    cluster.wait_for("master", "All users spawned", 60)
    time.sleep(10)
    cluster.start_worker("worker3")
    code = cluster.wait("master", 150)
    said = cluster.log("master")
    assert code == 0, said[-3000:]
    assert read_stats(cluster.tmp / "run_stats.csv")[ROW].requests == 600, said[-3000:]
    assert "joined at" in said, said[-3000:]
    cluster.wait("worker3", 30)
    sent = re.search(r"this worker sent (\d+) requests", cluster.log("worker3"))
    assert sent and int(sent[1]) > 0, cluster.log("worker3")[-3000:]


EVENTS = "specs/communication/post_business_communication_messages_on_active_channel.md"
MESSAGES = ("POST", "/business/communication/messages")


def test_a_partitioned_worker_never_counts_twice_and_the_run_ends(tmp_path: Path) -> None:
    """The event-driven spec, the gateway on its own host, the master's listener on its own
    address, one worker's link down for 5 s mid-run: the run ends by itself with every
    iteration counted once; the waits counted are completed or failed, none left hanging. The
    cut-off worker either rejoins, or is lost, replaced and told to stop (exit 1)."""
    with network(["gateway", "master", "worker1", "worker2"]) as net:
        cluster = Cluster(net, tmp_path, EVENTS)
        cluster.start_gateway()
        listen = f"{net['master'].address}:{WEBHOOK_PORT}"
        cluster.start_master(2, "-u", "4", "-r", "4", "-t", "120s", "--iterations", "300",
                             "--think-time", "100ms", "--webhook-listen", listen,
                             "--webhook-url", f"http://{listen}/callbacks")  # fmt: skip
        cluster.start_worker("worker1")
        cluster.start_worker("worker2")
        cluster.wait_for("master", "All users spawned", 60)
        time.sleep(6)
        net.cut("worker2")
        time.sleep(5)
        net.mend("worker2")
        code = cluster.wait("master", 150)
        said = cluster.log("master")
        rows = read_stats(tmp_path / "run_stats.csv")
        assert rows[MESSAGES].requests == 300, said[-3000:]
        waits = rows[("WAIT", "channel_active")]
        assert waits.requests >= 4, rows
        assert "still waiting at the end of the run" not in said, said[-3000:]
        worker = cluster.wait("worker2", 90)
        if "lost at" in said:
            assert "came back: told to stop" in said or worker != 0, said[-3000:]
            assert "counted this worker lost" in cluster.log("worker2") or worker != 0
        assert code in (0, 1), said[-3000:]
        assert TOKEN not in said


def test_workers_stop_by_themselves_when_the_master_dies(cluster: Cluster) -> None:
    """The master killed with SIGKILL mid-run: each worker stops by itself after
    --master-timeout (Locust's heartbeat timeout, 60 s, by default), saying the master is
    gone, and exits 1."""
    cluster.start_master(2, "-u", "2", "-r", "2", "-t", "300s", "--think-time", "500ms")
    cluster.start_worker("worker1", "--master-timeout", "8")
    cluster.start_worker("worker2", "--master-timeout", "8")
    cluster.wait_for("master", "All users spawned", 60)
    cluster.processes["master"].send_signal(signal.SIGKILL)
    for worker in ("worker1", "worker2"):
        assert cluster.wait(worker, 90) == 1, cluster.log(worker)[-3000:]
        assert "it is gone; this worker stops (exit 1)" in cluster.log(worker)


def test_the_namespaces_route_nowhere_and_go_even_when_a_test_fails() -> None:
    """Each node reaches the others by its 198.18.0.0/24 address and has no default route; a
    failing test's namespaces (and their processes) are deleted all the same."""
    made: list[str] = []
    with pytest.raises(RuntimeError, match="the test failed"), network(["a", "b"]) as net:
        made = [net.hub, *(node.namespace for node in net.nodes.values())]
        assert set(made) <= set(leftovers())
        routes = subprocess.run(net["a"].command(["ip", "route"]), capture_output=True,
                                text=True, check=True).stdout  # fmt: skip
        assert "default" not in routes and "198.18.0.0/24" in routes, routes
        net["b"].popen(["sleep", "600"])
        raise RuntimeError("the test failed")
    assert made and not set(made) & set(leftovers())
