"""CPU seconds and memory of a generator's whole process tree (psutil and /proc)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # a dependency of locust


@dataclass(slots=True)
class ProcessTree:
    """A process and its descendants, sampled: CPU (user + system) and peak RSS per process.

    A process that exits between samples keeps its last sample, so its CPU still counts.
    """

    pid: int
    cpu: dict[int, float] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    rss: dict[int, int] = field(default_factory=dict)

    def sample(self) -> None:
        """Read every live process of the tree once."""
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        for process in processes:
            try:
                times = process.cpu_times()
                self.cpu[process.pid] = times.user + times.system
                self.rss[process.pid] = process.memory_info().rss
                self.peak[process.pid] = max(_hwm(process.pid), self.rss[process.pid])
            except psutil.Error:
                continue

    @property
    def cpu_s(self) -> float:
        """CPU seconds of the tree so far."""
        return sum(self.cpu.values())

    @property
    def peak_rss(self) -> int:
        """Bytes: the sum of each process's peak resident set."""
        return sum(self.peak.values())

    @property
    def current_rss(self) -> int:
        """Bytes resident at the last sample."""
        return sum(self.rss.values())


def _hwm(pid: int) -> int:
    try:
        found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0
    return int(found.group(1)) * 1024 if found else 0


def stop_tree(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM the process group this bench started (its own session), then SIGKILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):  # children that outlived their parent
        os.killpg(process.pid, signal.SIGKILL)
