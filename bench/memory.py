"""Idle users' memory: KB per user at 1,000 and 3,000 users thinking, compiled vs. hand-written.

    python -m bench memory [--memory-users 1000,3000] [--think 120]

Each side (the compiled seed spec, the hand-written FastHttpUser of `bench/chain/handwritten.py`)
runs in one headless Locust process against the embedded gateway, all users spawned at once;
every user runs its prerequisites and one test request, then thinks for `--think` seconds. Once
every user has sent its first message (counted at the gateway), the process tree's resident
memory is read. KB per user = (RSS at N users - RSS at 10 users) / (N - 10): what one more idle
user costs, without the process's fixed baseline (shown apart).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench._report import DOC, ROOT, load_average, machine, write_section
from bench.generators import GENERATORS, Run, environment
from bench.proctree import ProcessTree, stop_tree
from loadspec.stub import StubServer

BASE_USERS = 10
SIDES = ("compiled", "fast")
LIMIT_S = 120.0


def add_options(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options (also taken by `python -m bench peers`)."""
    parser.add_argument("--memory-users", default="1000,3000", help="user counts (1000,3000)")
    parser.add_argument("--think", type=float, default=120.0, help="think time in seconds (120)")


@dataclass(frozen=True, slots=True)
class Sample:
    """One side at one user count."""

    users: int
    rss: int
    seconds: float


def _sent(gateway: StubServer) -> int:
    return int(gateway.stats()["by_status"].get("201", 0))


def idle_rss(key: str, users: int, gateway: StubServer, think: float, scratch: Path) -> Sample:
    """Resident bytes of one side's process tree with `users` idle users."""
    generator = next(g for g in GENERATORS if g.key == key)
    run = Run(gateway.url, gateway.token, gateway.secret, users, int(LIMIT_S + 10), scratch, think)
    argv, env = generator.command(run)
    argv[argv.index("-r") + 1] = str(max(users, 100))
    # Each user's channel and first message answer 201: both mean it is idle now.
    goal, started = _sent(gateway) + 2 * users, time.monotonic()
    log = scratch / f"memory-{key}-{users}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=environment(env), stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        tree = ProcessTree(process.pid)
        try:
            while _sent(gateway) < goal:
                if process.poll() is not None or time.monotonic() - started > LIMIT_S:
                    tail = log.read_text(errors="replace")[-1500:]
                    raise RuntimeError(f"{key} with {users} users never went idle:\n{tail}")
                time.sleep(0.25)
            ready = time.monotonic() - started
            time.sleep(1.0)
            tree.sample()
        finally:
            stop_tree(process)
    return Sample(users, tree.current_rss, ready)


_IMPORTS = """
import resource, locust
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import loadspec.locust.users, loadspec.webhooks.listener, loadspec.contract.lookup
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def import_cost() -> tuple[float, float]:
    """MB resident after `import locust`, and what importing loadspec's layers adds."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTS], capture_output=True, text=True, check=True, cwd=ROOT
    )
    before, after = (int(n) for n in done.stdout.split())
    return before / 1024, (after - before) / 1024


def measure(counts: list[int], think: float) -> dict[str, list[Sample]]:
    """Both sides at the baseline and every count, against one gateway."""
    found: dict[str, list[Sample]] = {side: [] for side in SIDES}
    with (
        StubServer(activation_delay="fixed:200") as gateway,
        tempfile.TemporaryDirectory() as scratch,
    ):
        for users in (BASE_USERS, *counts):
            for side in SIDES:
                found[side].append(idle_rss(side, users, gateway, think, Path(scratch)))
                print(f"memory: {side}: {found[side][-1]}", flush=True)
    return found


def section(
    found: dict[str, list[Sample]],
    think: float,
    loads: tuple[str, str],
    imports: tuple[float, float],
) -> str:
    """The `memory` block of docs/benchmarks.md."""
    label = {"compiled": "loadspec, compiled spec", "fast": "hand-written FastHttpUser"}
    counts = [s.users for s in found[SIDES[0]][1:]]
    head = " | ".join(f"KB per user at {n:,}" for n in counts)
    lines = [
        f"| side | baseline RSS ({BASE_USERS} users) | {head} |",
        "|---" * (2 + len(counts)) + "|",
    ]
    for side in SIDES:
        base, *rest = found[side]
        per_user = " | ".join(
            f"{(s.rss - base.rss) / (s.users - base.users) / 1024:.1f}" for s in rest
        )
        lines.append(f"| {label[side]} | {base.rss / 2**20:.0f} MB | {per_user} |")
    return f"""## Idle users' memory

`python -m bench memory` (also run by `python -m bench peers`) — the seed's chain, one headless
Locust process per side and count, every user spawned at once; each runs its prerequisites and
one message, then thinks {think:g} s. Resident memory of the process tree once every user has sent
its first message (counted at the gateway). KB per user = (RSS at N - RSS at {BASE_USERS}) /
(N - {BASE_USERS}).

Machine: {machine()}; load average {loads[0]} before, {loads[1]} after.

{chr(10).join(lines)}

Where the baseline difference comes from: `import locust` alone is {imports[0]:.0f} MB resident,
and importing loadspec's layers (the spec language with PyYAML, jsonpath-ng and
python-frontmatter, the contract, the runtime, the webhook listener) adds
{imports[1]:.0f} MB, measured apart in a fresh process; the compiled side also runs the listener.
Per user, both sides hold a FastHttpSession (its connection pool and cookie jar) and a
greenlet; the compiled side adds its `SpecRunner`, a `FastHttpTransport` and the values its
iteration keeps.
"""


def run(args: argparse.Namespace) -> None:
    """Measure and write the `memory` section."""
    counts = [int(n) for n in args.memory_users.split(",") if n]
    before = load_average()
    found = measure(counts, args.think)
    text = section(found, args.think, (before, load_average()), import_cost())
    print(text)
    write_section("memory", text, getattr(args, "doc", DOC))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench memory", description=__doc__.splitlines()[0]
    )
    add_options(parser)
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown file to write")
    run(parser.parse_args(argv))
    return 0
