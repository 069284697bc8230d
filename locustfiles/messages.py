"""The seed's chain as load: create a channel, wait for its activation, look up a client, send.

    locust -f locustfiles/messages.py --headless -u 20 -r 10 -t 30s

Runs every spec in specs/communication/ (the verbatim seed too, with --include-skipped).
Without --host the embedded gateway is started and used. By default iterations start at
2 a second in all (each iteration is one request, plus a user's setup on its first): within
the gateway's tier of 8 requests per second per business. --arrival-rate, --think-time,
--pacing, --user-rate or --load-profile shape it otherwise; LOADSPEC_DEFAULT_ARRIVAL_RATE=
(empty) runs it unpaced.
"""

import os
from pathlib import Path

from loadspec.locust import spec_users

os.environ.setdefault("LOADSPEC_DEFAULT_ARRIVAL_RATE", "2/s")

globals().update(spec_users([Path(__file__).resolve().parents[1] / "specs" / "communication"]))
