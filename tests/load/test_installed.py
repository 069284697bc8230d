"""`loadspec load` as an installed package runs it: no checkout, another working directory.

This machine builds no wheel offline (the build backend's setuptools is newer than the one at
hand), so the test installs the package as setuptools would: the `.py` files of its packages
and the `[tool.setuptools.package-data]` files, copied into a folder of their own on
PYTHONPATH, with the working directory outside the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # starts Locust and the embedded gateway

PACKAGE = ROOT / "loadspec"


def installed_files() -> list[Path]:
    """What setuptools puts in a wheel: every package's modules, and the package data."""
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    files = [
        path
        for path in PACKAGE.rglob("*.py")
        if (path.parent / "__init__.py").is_file() and "__pycache__" not in path.parts
    ]
    for pattern in setup["package-data"]["loadspec"]:
        files += PACKAGE.glob(pattern)
    return sorted(set(files))


def install(target: Path) -> Path:
    site = target / "site-packages"
    for path in installed_files():
        copy = site / path.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    return site


def test_the_shipped_locustfile_is_package_data() -> None:
    """The locustfile `loadspec load` runs is in the wheel (it is in no package of its own)."""
    from loadspec.cli.load_cmd import LOCUSTFILE

    assert LOCUSTFILE in installed_files()


def test_loadspec_load_runs_a_folder_of_specs_without_a_checkout(tmp_path: Path) -> None:
    """`python -m loadspec load PATH -- LOCUST OPTIONS` from a folder outside the checkout,
    the package installed alone: the specs run as load against the embedded gateway, and
    Locust's own options (--headless, -u, -r, -t, --csv) and loadspec's (--threshold) apply."""
    site = install(tmp_path / "install")
    work = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "specs" / "communication", work / "my-specs")
    # The checkout's pyproject.toml gives this run variable; a user's project gives its own.
    env = {**os.environ, "PYTHONPATH": str(site), "LOADSPEC_VAR_BUSINESS_ID": "stubbusiness0001"}
    command = [sys.executable, "-m", "loadspec", "load", "my-specs", "--", "--headless"]
    command += ["-u", "3", "-r", "3", "-t", "3s", "--csv", "run", "--threshold", "fail_rate<1%"]
    done = subprocess.run(
        command,
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "started the embedded gateway" in done.stderr
    stats = (work / "run_stats.csv").read_text()
    assert "POST,/business/communication/channels," in stats
    assert "GET,/platform/v1/clients," in stats
    assert "fail_rate<1%" in done.stderr and "Verdict: PASSED" in done.stderr
    where = subprocess.run(
        [sys.executable, "-c", "import loadspec; print(loadspec.__file__)"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.strip() == str(site / "loadspec" / "__init__.py")
