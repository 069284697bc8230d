"""The seed's chain compiled from its spec, for `python -m bench peers` and `bench memory`.

specs/communication/post_business_communication_messages_on_active_channel.md: the channel's
activation is awaited as the gateway's signed callback (the harness's webhook listener).
LOADSPEC_BENCH_THINK sets a think time in seconds (the memory benchmark's idle users).
"""

import os
from pathlib import Path

from locust import constant

from loadspec.locust import spec_users

SPEC = (
    Path(__file__).resolve().parents[2]
    / "specs/communication/post_business_communication_messages_on_active_channel.md"
)
THINK = float(os.environ.get("LOADSPEC_BENCH_THINK", "0"))


def _users() -> dict[str, type]:
    # In a function: a module-level loop variable would be a second global naming the class,
    # which Locust refuses as a duplicate user class.
    users = spec_users([SPEC])
    for user_class in users.values():
        if THINK:
            user_class.wait_time = constant(THINK)
    return users


globals().update(_users())
