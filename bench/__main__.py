"""`python -m bench COMMAND`: the benchmarks, each writing its section of docs/benchmarks.md.

    python -m bench peers        every load generator on the seed's chain, then idle memory
    python -m bench memory       idle users' KB per user (compiled vs. hand-written)
    python -m bench callbacks    callback arrival to the waiting user resuming (3,000 waiting)
    python -m bench relay        what the master-to-worker callback relay adds (1,000 waiting)
    python -m bench validate     validating 1,000 specs vs. the bare parse loop
    python -m bench engine       loadspec's own work per request, without the network
    python -m bench all          peers (with memory), validate and callbacks, one after another
    python -m bench compiled | stub | conformance    the older scripts, as `python bench/X.py`

Options after the command go to it (`python -m bench peers --help`).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMMANDS = {
    "peers": "bench.peers",
    "memory": "bench.memory",
    "callbacks": "bench.callback_latency",
    "relay": "bench.relay_latency",
    "validate": "bench.validate_specs",
    "engine": "bench.engine_loop",
    "compiled": "bench.compiled_vs_handwritten",
    "stub": "bench.stub_throughput",
    "conformance": "bench.conformance_cost",
}
ALL = ("peers", "validate", "callbacks")


def _run(command: str, argv: list[str]) -> int:
    module = importlib.import_module(COMMANDS[command])
    saved, sys.argv = sys.argv, [f"python -m bench {command}", *argv]
    try:
        # The older scripts read sys.argv and return None; the newer return an exit code.
        return int(module.main() or 0)
    finally:
        sys.argv = saved


def main() -> int:
    command, *rest = sys.argv[1:] or ["--help"]
    if command == "all":
        return max(_run(name, rest if name == "peers" else []) for name in ALL)
    if command not in COMMANDS:
        print(__doc__)
        return 0 if command in ("-h", "--help") else 2
    return _run(command, rest)


if __name__ == "__main__":
    sys.exit(main())
