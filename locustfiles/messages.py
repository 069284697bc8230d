"""The seed's chain as load: create a channel, wait for its activation, look up a client, send.

    locust -f locustfiles/messages.py --headless -u 20 -r 10 -t 30s

Runs every spec in specs/communication/ (the verbatim seed too, with --include-skipped).
Without --host the embedded gateway is started and used.
"""

from pathlib import Path

from loadspec.locust import spec_users

globals().update(spec_users([Path(__file__).resolve().parents[1] / "specs" / "communication"]))
