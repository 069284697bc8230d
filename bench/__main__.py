"""`python -m bench NAME [OPTIONS]`: the one way to run a benchmark.

Each benchmark is a module of this package with `main(argv) -> int` that parses its own
options (`python -m bench NAME --help`) and writes its section of docs/benchmarks.md
(reliability: docs/reliability.md).
"""

from __future__ import annotations

import importlib
import sys

# name: (module, what it measures), in the order `python -m bench` lists them
BENCHMARKS = {
    "peers": ("bench.peers", "every load generator on the seed's chain, then idle memory"),
    "memory": ("bench.memory", "idle users' KB per user (compiled vs. hand-written)"),
    "engine": ("bench.engine_loop", "loadspec's own work per request, without the network"),
    "callbacks": (
        "bench.callback_latency",
        "callback arrival to the waiting user resuming (3,000 waiting)",
    ),
    "relay": ("bench.relay_latency", "what the master-to-worker callback relay adds"),
    "distributed": (
        "bench.distributed",
        "one master with 1, 2, 4 workers: requests per CPU-s, the master's cost per worker",
    ),
    "stub": ("bench.stub_throughput", "the embedded gateway's vs. Locust's requests per CPU-s"),
    "mock": (
        "bench.mock_throughput",
        "the mock's requests per CPU-s beside the embedded gateway's and Prism's",
    ),
    "conformance": ("bench.conformance_cost", "the CPU cost of --validate-responses per request"),
    "validate": ("bench.validate_specs", "validating 1,000 specs vs. the bare parse loop"),
    "reliability": ("bench.reliability", "faults, restarts, hostile inputs, a flood and a soak"),
}
ALL = ("peers", "validate", "callbacks")


def usage() -> str:
    """The list of benchmarks, one line each."""
    width = max(map(len, BENCHMARKS)) + 2
    lines = [f"  {name:<{width}}{summary}" for name, (_, summary) in BENCHMARKS.items()]
    lines.append(f"  {'all':<{width}}{', '.join(ALL)}, one after another (options go to peers)")
    return (
        "usage: python -m bench NAME [OPTIONS]    (python -m bench NAME --help: its options)\n\n"
        + "\n".join(lines)
    )


def run(name: str, argv: list[str]) -> int:
    """One benchmark's `main(argv)`, its exit code."""
    module = importlib.import_module(BENCHMARKS[name][0])
    return int(module.main(argv))


def main(argv: list[str] | None = None) -> int:
    name, *rest = (sys.argv[1:] if argv is None else argv) or ["--help"]
    if name == "all":
        return max(run(each, rest if each == "peers" else []) for each in ALL)
    if name in BENCHMARKS:
        return run(name, rest)
    known = name in ("-h", "--help")
    print(usage(), file=sys.stdout if known else sys.stderr)
    return 0 if known else 2


if __name__ == "__main__":
    sys.exit(main())
