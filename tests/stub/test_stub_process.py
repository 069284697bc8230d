"""The stub as a process: the Python API, the CLI, readiness, clean stops, no orphans."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import httpx
import pytest

from loadspec.cli import build_parser, main
from loadspec.config.register import add_options
from loadspec.config.table import Command
from loadspec.stub import DEFAULT_TOKEN, Faults, StubConfig, StubServer, StubStartError, parse_delay
from loadspec.stub.options import config_from_values, config_to_argv, secret_env, stub_values


def _gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_start_waits_for_readiness_and_stop_reaps_the_child() -> None:
    """After start() the stub answers; after stop() its process is gone; stop is idempotent."""
    server = StubServer(tokens=("t-1", "t-2"), secret="s" * 32)
    with server:
        assert server.running and server.url.startswith("http://127.0.0.1:")
        response = httpx.get(
            server.url + "/platform/v1/clients", headers={"Authorization": "Bearer t-2"}
        )
        assert response.status_code == 200
        pid = server.pid
    assert pid is not None and _gone(pid)
    assert not server.running
    server.stop()


def test_two_stubs_get_two_free_ports() -> None:
    """port=0 (the default) lets each child bind its own free port and report it."""
    with StubServer() as one, StubServer() as two:
        assert one.port != two.port


def test_a_busy_port_fails_start_with_the_reason() -> None:
    """A port already taken is a StubStartError that quotes the child's stderr."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StubStartError, match="cannot listen"):
            StubServer(port=port).start()


@pytest.mark.slow
def test_the_child_stops_when_its_parent_dies() -> None:
    """A parent killed with SIGKILL leaves no stub behind (the child watches its stdin)."""
    script = textwrap.dedent("""
        import sys, time
        from loadspec.stub import StubServer
        stub = StubServer().start()
        print(stub.pid, flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    assert _gone(child)


def test_flags_round_trip_through_the_child_argv() -> None:
    """The argv and env a StubServer gives its child describe exactly its config."""
    config = StubConfig(
        tokens=("a", "b"),
        webhook_secret="x" * 40,
        activation_delay=parse_delay("exp:30"),
        rate_limit=8,
        callback_url="http://127.0.0.1:9/cb",
        seed=5,
        faults=Faults(error_rate=0.1, latency=parse_delay("uniform:1:5"), callback_reorder_rate=1),
    )
    parser = argparse.ArgumentParser()
    add_options(parser, Command.STUB)
    argv = [*config_to_argv(config), "--ready-json"]
    assert "a" not in argv and "x" * 40 not in argv  # secrets travel in the environment
    child_env = {**secret_env(config), "LOADSPEC_STUB_ERROR_RATE": "0.9"}  # a shell's: ignored
    assert config_from_values(stub_values(parser.parse_args(argv), child_env)) == config


def test_cli_stub_is_registered_with_its_flags() -> None:
    """`loadspec stub` parses every stub flag."""
    args = build_parser().parse_args(
        [
            "stub",
            "--port",
            "0",
            "--token",
            "t",
            "--rate-limit",
            "8",
            "--callback-drop-rate",
            "0.5",
            "--latency",
            "exp:20",
        ]
    )
    config = config_from_values(stub_values(args, environ={}))
    assert config.tokens == ("t",) and config.rate_limit == 8
    assert config.faults.callback_drop_rate == 0.5 and str(config.faults.latency) == "exp:20"


@pytest.mark.parametrize(
    "argv", [["--error-rate", "2"], ["--latency", "gamma:3"], ["--activation-delay", "uniform:9:1"]]
)
def test_cli_rejects_bad_values(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Out-of-range rates and unknown or inverted delays are usage errors, before serving."""
    assert main(["stub", *argv]) == 2
    error = capsys.readouterr().err
    assert error.startswith("loadspec: error: ") and argv[1] in error


def test_cli_serves_prints_the_default_token_and_stops_on_sigint() -> None:
    """`loadspec stub --port 0` prints where it listens and the default token; Ctrl+C exits 0."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from loadspec.cli import main; sys.exit(main())",
            "stub",
            "--port",
            "0",
            "--activation-delay",
            "10",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("LOADSPEC_STUB_")},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        banner = first + "".join(proc.stdout.readline() for _ in range(4))
        url = first.split()[-1]
        assert DEFAULT_TOKEN in banner and "/business/communication" in banner
        ok = httpx.get(
            url + "/platform/v1/clients", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}
        )
        assert ok.status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def test_given_tokens_are_never_printed() -> None:
    """With --token, the banner says how many tokens, not which."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadspec.stub", "--port", "0", "--token", "s3cret-token"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = "".join(proc.stdout.readline() for _ in range(5))
        assert "s3cret-token" not in banner and "1 given" in banner
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
