"""`loadspec load PATH[,PATH] [--] LOCUST OPTIONS`: Locust on a folder of specs, installed.

The package ships its locustfile (`loadspec/locust/locustfile/loadspec_specs.py`), so no
checkout is needed: this command replaces itself with `python -m locust -f <that file>
--specs PATH` and the options given, every Locust option and loadspec's own among them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from loadspec.config.settings import RunSettings
from loadspec.errors import ConfigError

__all__ = ["LOCUSTFILE", "locust_command", "run"]

LOCUSTFILE = Path(__file__).resolve().parents[1] / "locust" / "locustfile" / "loadspec_specs.py"
"""The locustfile the package ships: `locust -f` takes it as a path."""

_OURS = ("-f", "--locustfile", "--specs")


def locust_command(settings: RunSettings) -> list[str]:
    """The Locust command line this run is (`ConfigError` for an option PATH already gives)."""
    rest = list(settings["locust_options"] or ())
    if rest[:1] == ["--"]:
        rest = rest[1:]
    for given in rest:
        if given.split("=", 1)[0] in _OURS:
            raise ConfigError(
                f"loadspec load takes the specs as PATH[,PATH] and runs its own locustfile: "
                f"leave out {given.split('=', 1)[0]}"
            )
    specs = ",".join(str(path) for path in settings.specs)
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--specs", specs, *rest]


def run(settings: RunSettings) -> int:
    """Become the Locust process (its exit code is the command's)."""
    command = locust_command(settings)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
    return 0  # never reached: execv does not return
