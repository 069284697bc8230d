"""The Kubernetes recipe (deploy/kubernetes/base) renders, names only options the README's
tables (or Locust) document, and runs the command lines the separate-hosts tests run."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from typing import Any

import pytest
import yaml

from loadspec.config.options import OPTIONS
from loadspec.config.table import Command, taken_by
from tests.conftest import ROOT
from tests.load.cluster import master_command, worker_command

BASE = ROOT / "deploy" / "kubernetes" / "base"


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], Any]:
    """`kubectl kustomize` of the base, by (kind, name without the generator's hash)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the manifests cannot be rendered here")
    out = subprocess.run([kubectl, "kustomize", str(BASE)], capture_output=True, text=True,
                         check=True, timeout=60).stdout  # fmt: skip
    documents = [d for d in yaml.safe_load_all(out) if d]
    return {(d["kind"], re.sub(r"-[a-z0-9]{10}$", "", d["metadata"]["name"])): d for d in documents}


def container(rendered: dict[tuple[str, str], Any], kind: str, name: str) -> dict[str, Any]:
    """The one container of a Job's or Deployment's pod."""
    (one,) = rendered[(kind, name)]["spec"]["template"]["spec"]["containers"]
    return dict(one)


def flags(argv: list[str]) -> list[str]:
    """The option names of a command line, in order."""
    return [a for a in argv if a.startswith("-")]


@pytest.fixture(scope="module")
def locust_flags() -> set[str]:
    """Every option Locust's own parser takes (from `locust --help`)."""
    shown = subprocess.run([sys.executable, "-m", "locust", "--help"], capture_output=True,
                           text=True, check=True, timeout=60, cwd=ROOT).stdout  # fmt: skip
    return set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", shown))


def test_the_recipe_renders_every_part(rendered: dict[tuple[str, str], Any]) -> None:
    """A master Job and its Service (workers, web UI, webhooks), a worker Deployment with
    replicas, the webhooks' Ingress, the specs' and the run's ConfigMaps, the Secret."""
    assert set(rendered) >= {
        ("Job", "loadspec-master"),
        ("Service", "loadspec-master"),
        ("Deployment", "loadspec-worker"),
        ("Ingress", "loadspec-webhooks"),
        ("ConfigMap", "loadspec-run"),
        ("ConfigMap", "loadspec-specs"),
        ("Secret", "loadspec-secrets"),
    }
    service = rendered[("Service", "loadspec-master")]["spec"]
    ports = {p["name"]: p["port"] for p in service["ports"]}
    assert ports == {"workers": 5557, "web-ui": 8089, "webhooks": 9000}
    assert rendered[("Deployment", "loadspec-worker")]["spec"]["replicas"] >= 1


def test_every_option_named_is_documented(
    rendered: dict[tuple[str, str], Any], locust_flags: set[str]
) -> None:
    """Each flag the containers pass is loadspec's (a row of README's tables) or Locust's;
    each LOADSPEC_ variable set is an option's variable, in the README too."""
    ours = {o.name for o in taken_by(OPTIONS, Command.LOCUST)}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for kind, name in (("Job", "loadspec-master"), ("Deployment", "loadspec-worker")):
        for flag in flags(container(rendered, kind, name)["args"]):
            assert flag in ours | locust_flags, f"{name}: {flag} is no option"
            if flag in ours:
                assert f"`{flag} " in readme or f"`{flag}`" in readme, flag
    variables = {o.env for o in OPTIONS if o.env}
    settings = dict(rendered[("ConfigMap", "loadspec-run")]["data"])
    settings.update(rendered[("Secret", "loadspec-secrets")]["stringData"])
    for key in settings:
        if key.startswith("LOADSPEC_TOKEN_"):  # one per token type: LOADSPEC_TOKEN_<TYPE>
            assert "`LOADSPEC_TOKEN_<TYPE>`" in readme
        elif key.startswith("LOADSPEC_"):
            assert key in variables and f"`{key}`" in readme, key


def test_every_placeholder_has_its_value(rendered: dict[tuple[str, str], Any]) -> None:
    """Each $(NAME) in the arguments is set by the run's ConfigMap, which both containers read;
    the webhook URL is the Ingress's host."""
    settings = rendered[("ConfigMap", "loadspec-run")]["data"]
    for kind, name in (("Job", "loadspec-master"), ("Deployment", "loadspec-worker")):
        one = container(rendered, kind, name)
        sources = [s.get("configMapRef", s.get("secretRef"))["name"] for s in one["envFrom"]]
        assert any(s.startswith("loadspec-run") for s in sources), sources
        for placeholder in re.findall(r"\$\((\w+)\)", " ".join(one["args"])):
            assert placeholder in settings, placeholder
    (rule,) = rendered[("Ingress", "loadspec-webhooks")]["spec"]["rules"]
    assert settings["LOADSPEC_WEBHOOK_URL"].startswith(f"https://{rule['host']}/")


def test_the_command_lines_are_the_separate_hosts_tests(
    rendered: dict[tuple[str, str], Any],
) -> None:
    """The master's and the workers' command lines start as tests/load/cluster.py's do (the
    runs of tests/load/test_separate_hosts.py), flag for flag and in order."""
    master = container(rendered, "Job", "loadspec-master")
    tested = master_command("specs/cluster", "HOST", "0.0.0.0", 2)[3:]  # after python -m locust
    assert master["command"] == ["locust"]
    assert flags(master["args"])[: len(flags(tested))] == flags(tested)
    assert (
        master["args"][: tested.index("--expect-workers")]
        == tested[: tested.index("--expect-workers")]
    )
    worker = container(rendered, "Deployment", "loadspec-worker")
    tested = worker_command("specs/cluster", "loadspec-master")[3:]
    assert flags(worker["args"]) == flags(tested)
    assert [a for a in worker["args"] if "$(" not in a] == [a for a in tested if "198.18" not in a]


def test_the_recipes_specs_are_the_repositorys(rendered: dict[tuple[str, str], Any]) -> None:
    """The specs the ConfigMap ships are the repository's own files, byte for byte."""
    shipped = rendered[("ConfigMap", "loadspec-specs")]["data"]
    for name, text in shipped.items():
        assert text == (ROOT / "specs" / "communication" / name).read_text(encoding="utf-8")
    assert sorted(shipped) == sorted(p.name for p in (BASE / "specs").glob("*.md"))
