"""The load model in-process: Locust imported without its gevent patching, a clock that never
waits."""

from __future__ import annotations

import os

import pytest

# Locust patches the standard library with gevent when it is imported; this pytest process
# has threads and sockets of its own, and urllib3 already loaded, so the tests here import it
# unpatched. The variable is removed again: the real runs other tests start must be patched.
os.environ["LOCUST_SKIP_MONKEY_PATCH"] = "1"
try:
    import locust  # noqa: F401 -- before the modules below, which import it too
finally:
    del os.environ["LOCUST_SKIP_MONKEY_PATCH"]

from loadspec.locust import growth, membership, shares, workload
from tests.load_model.stand_ins import Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Time and gevent for the load model's modules: sleeping moves the clock on at once,
    spawning only records the call."""
    clock = Clock()
    for module in (shares, workload, growth, membership):
        monkeypatch.setattr(module, "gevent", clock)
    monkeypatch.setattr(workload, "time", clock)
    return clock
