"""`python -m bench peers` as a user runs it, with the smallest window: the table it writes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_peers_writes_compiled_and_fasthttpuser_rows_into_its_section(tmp_path: Path) -> None:
    """The command measures both Locust sides against one gateway and replaces only its section."""
    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        "# Benchmarks\n\nkept above\n\n<!-- bench:peers -->\nold table\n<!-- /bench:peers -->\n"
        "\n<!-- bench:validate -->\nkept below\n<!-- /bench:validate -->\n"
    )
    options = ["--only", "compiled,fast", "--rounds", "1", "--window", "1", "--settle", "0.5"]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "peers", *options, "--no-memory", "--doc", str(doc)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = doc.read_text()
    assert "kept above" in text and "kept below" in text and "old table" not in text
    section = text.split("<!-- bench:peers -->")[1].split("<!-- /bench:peers -->")[0]
    assert "load average" in section and "Steady-state window: 1 s" in section
    rows = {
        match.group(1): match.groups()[1:]
        for match in re.finditer(r"^\| ([^|,]+),[^|]*\| ([\d,]+) \| ([\d.]+)", section, re.M)
    }
    assert set(rows) == {"loadspec", "hand-written Locust FastHttpUser"}
    assert rows["hand-written Locust FastHttpUser"][1] == "1.00"
    assert all(int(rate.replace(",", "")) > 0 for rate, _ in rows.values())


def test_engine_bench_writes_both_sides(tmp_path: Path) -> None:
    """`python -m bench engine` runs the seed's test request cleanly and writes its section."""
    doc = tmp_path / "benchmarks.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "engine", "--iterations", "200", "--rounds", "1",
         "--doc", str(doc)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    section = doc.read_text()
    assert re.search(r"\| loadspec `SpecRunner.iteration\(\)` \| \d+\.\d\d \|", section)
    assert re.search(r"\| hand-written equivalent \| \d+\.\d\d \|", section)
    assert re.search(
        r"\| the same reply, the token echoed in it \(masked\) \| \d+\.\d\d \|", section
    )
