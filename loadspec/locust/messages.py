"""Every message loadspec adds to Locust's master/worker connection, in one table.

They ride on Locust's own messages (`runner.send_message`, `runner.register_message`):

- `loadspec_share`, master to a worker: the worker's part of the run (`Share` as a dict, and
  the master's test-start count as `generation`): its index among the workers, the run's
  load model, the embedded gateway's and the master listener's URLs. Sent at each test
  start, and to a worker that asks.
- `loadspec_share_request`, worker to master, no data: asks for the share again, once a
  second until one has come (a worker may join before its own handler is registered).
- `loadspec_done`, worker to master, no data: this worker's iterations (or `unique` rows)
  are used up; the master ends the run when every worker has said so.
- `loadspec_callback`, either way, `{"payload": ..., "id": ..., "size": ...}`: a verified
  callback and its body's size in bytes, for the worker whose user waits for it (the master
  passes on what a worker did not claim); a worker keeps unclaimed ones within
  `--webhook-max-pending-bytes` by that size.

Besides these, each worker's periodic stats report (`report_to_master`) carries
`loadspec_iterations`: `(started, missed)` iteration starts, for the arrival rate's summary,
and `loadspec_failure_examples`: `[[method, name, message, example], ...]`, the first real
message of each failure row that worker found since its last report (`examples.py`).
"""

from __future__ import annotations

import enum

__all__ = ["EXAMPLES_KEY", "ITERATIONS_KEY", "MessageType"]


class MessageType(enum.StrEnum):
    """The message types of the table above."""

    SHARE = "loadspec_share"
    SHARE_REQUEST = "loadspec_share_request"
    DONE = "loadspec_done"
    CALLBACK = "loadspec_callback"


ITERATIONS_KEY = "loadspec_iterations"
"""The entry of a worker's stats report that holds its iteration starts."""

EXAMPLES_KEY = "loadspec_failure_examples"
"""The entry of a worker's stats report that holds its new failure examples."""
