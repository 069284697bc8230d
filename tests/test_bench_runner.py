"""`python -m bench` is the one way to run every benchmark: each name it lists runs, documented."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from bench.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parents[1]

# gevent first, as in a Locust process: two benchmarks patch it when they are imported.
_RESOLVE = """
from gevent import monkey
monkey.patch_all()
import importlib, inspect, json
from bench.__main__ import BENCHMARKS
found = {}
for name, (module, _) in BENCHMARKS.items():
    main = getattr(importlib.import_module(module), "main", None)
    found[name] = [
        [p.name, p.default is None] for p in inspect.signature(main).parameters.values()
    ] if callable(main) else None
print(json.dumps(found))
"""


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_every_listed_benchmark_resolves_to_a_main_taking_argv() -> None:
    """Each name maps to a module whose `main(argv=None)` parses its own options."""
    done = subprocess.run(
        [sys.executable, "-c", _RESOLVE],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {name: [["argv", True]] for name in BENCHMARKS}


def test_help_lists_every_benchmark_one_line_each() -> None:
    """`python -m bench --help` (and no argument) names each benchmark and `all`, exit 0."""
    for args in (["--help"], []):
        done = _bench(*args)
        assert done.returncode == 0, done.stderr
        listed = re.findall(r"^  (\S+)  ", done.stdout, re.M)
        assert listed == [*BENCHMARKS, "all"]


def test_an_unknown_name_is_a_usage_error() -> None:
    """A name that is no benchmark prints the list on stderr and exits 2."""
    done = _bench("compiled")
    assert done.returncode == 2
    assert "peers" in done.stderr and done.stdout == ""


def test_the_benchmarks_page_says_how_to_run_each() -> None:
    """docs/benchmarks.md's "How to run" table has a row with the command of every name."""
    page = (ROOT / "docs" / "benchmarks.md").read_text()
    table = page.split("## How to run", 1)[1].split("<!-- bench:", 1)[0]
    for name in [*BENCHMARKS, "all"]:
        assert f"| {name} | `python -m bench {name}" in table, name
    assert "python bench/" not in page
