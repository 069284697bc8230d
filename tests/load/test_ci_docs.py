"""docs/ci.md and compose.yaml: the commands they show are the ones run here, and they work."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.load.runs import free_port

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

DOC = (ROOT / "docs" / "ci.md").read_text()
SHORT = {"LOCUST_RUN_TIME": "4s", "LOCUST_USERS": "4", "LOCUST_SPAWN_RATE": "4"}


def commands() -> list[str]:
    """The lines of the sh block after the `ci-commands` marker."""
    block = DOC.split("<!-- ci-commands -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def yaml_blocks() -> list[Any]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", DOC, re.DOTALL)]


def workdir(tmp: Path) -> Path:
    """A folder to run from, as a checkout would be: reports land in it, not in the project."""
    (tmp / "locustfiles").symlink_to(ROOT / "locustfiles")
    (tmp / "pyproject.toml").symlink_to(ROOT / "pyproject.toml")
    return tmp


def as_python(argv: list[str]) -> list[str]:
    """`locust ...` / `loadspec ...` run with this interpreter."""
    return [sys.executable, "-m", argv[0], *argv[1:]]


def test_ci_and_gitlab_jobs_run_the_documented_commands() -> None:
    """The GitHub workflow and the GitLab job parse and run exactly the commands block."""
    github, gitlab = yaml_blocks()
    steps = github["jobs"]["load"]["steps"]
    scripts = "\n".join(str(step.get("run", "")) for step in steps)
    job = gitlab["load"]
    for command in commands():
        assert command in scripts
        assert command in job["script"]
    assert any(step.get("uses", "").startswith("actions/upload-artifact") for step in steps)
    assert job["artifacts"]["reports"]["junit"] == "reports/junit.xml"


@pytest.mark.timeout(180)
def test_the_documented_commands_run_and_pass(tmp_path: Path) -> None:
    """Baseline, then thresholds and the baseline: both exit 0, every report is written."""
    cwd = workdir(tmp_path)
    for command in commands():
        done = subprocess.run(
            as_python(shlex.split(command)),
            cwd=cwd,
            env={**os.environ, **SHORT},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (command, done.stderr[-3000:])
    reports = cwd / "reports"
    assert json.loads((reports / "baseline.json").read_text())
    assert ET.parse(reports / "junit.xml").getroot().find("testsuite") is not None
    assert "loadspec-verdict" in (reports / "report.html").read_text()
    assert "Verdict: PASSED" in done.stderr


def compose_command(service: dict[str, Any], values: dict[str, str]) -> list[str]:
    """A compose service's command with `${NAME:-default}` filled in as compose does."""

    def fill(text: str) -> str:
        return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: values.get(m[1], m[2]), text)

    return [fill(part) for part in service["command"]]


@pytest.mark.timeout(180)
def test_the_compose_services_run_a_distributed_run(tmp_path: Path) -> None:
    """compose.yaml's gateway, master and two workers, as processes on one loopback: exit 0."""
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert services["master"]["network_mode"] == services["worker"]["network_mode"]
    values = {
        "GATEWAY_PORT": str(free_port()),
        "MASTER_PORT": str(free_port()),
        "WORKERS": "2",
        "USERS": "4",
        "SPAWN_RATE": "4",
        "LOCUST_RUN_TIME": "5s",
    }
    env = dict(os.environ)
    service_env = {
        service: {
            name: re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: values.get(m[1], m[2]), text)
            for name, text in services[service].get("environment", {}).items()
        }
        for service in services
    }
    cwd = workdir(tmp_path)
    started = []

    def start(name: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            as_python(compose_command(services[name], values)),
            cwd=cwd,
            env={**env, **service_env[name]},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    try:
        start("gateway")
        master = start("master")
        for _ in range(2):
            start("worker")
        output, _ = master.communicate(timeout=120)
    finally:
        for process in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
    assert master.returncode == 0, output[-4000:]
    assert "Verdict: PASSED" in output
    assert ET.parse(cwd / "reports" / "junit.xml").getroot().find("testsuite") is not None


def test_the_dockerfile_holds_what_the_locustfile_reads() -> None:
    """The image copies the package, the locustfiles, the specs and their contracts."""
    copied = re.findall(r"^COPY (\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert {"loadspec", "locustfiles", "specs", "swagger", "pyproject.toml"} <= set(copied)
