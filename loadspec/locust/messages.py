"""Every message loadspec adds to Locust's master/worker connection, in one table.

They ride on Locust's own messages (`runner.send_message`, `runner.register_message`):

- `loadspec_share`, master to a worker: the worker's part of the run (`Share` as a dict, and
  the master's test-start count as `generation`): its index among the workers, the run's
  load model, the embedded gateway's and the master listener's URLs. Sent at each test
  start, and to a worker that asks.
- `loadspec_share_request`, worker to master, no data: asks for the share again, once a
  second until one has come (a worker may join before its own handler is registered).
- `loadspec_done`, worker to master, `{"seq": N}`: this worker's iterations (or `unique`
  rows) are used up, counting every grant up to number N; the master ends the run when every
  worker it has not lost has said so for its last grant, and nothing is left to hand out.
- `loadspec_grant`, master to a worker, `{"seq": N, "iterations": k, "rows": {file: parts},
  "count": n}`: work moved to this worker (a lost worker's unfinished share, or a part ceded
  for a late one), and how many workers share the arrival rate now. Numbered per worker.
- `loadspec_cede`, master to a worker, `{"ways": n}`: a worker joined late; give up one n-th
  of the iterations not yet started and of the `unique` rows not yet used.
- `loadspec_ceded`, worker to master, `{"iterations": k, "rows": {file: parts}}`: what it
  gave up, for the master to grant to the late worker.
- `loadspec_lost`, master to a worker, `{"at": unix time}`: the master counted this worker
  lost and moved its work; what it sent since does not count, and it stops (exit 1).
- `loadspec_callback`, either way, `{"payload": ..., "id": ..., "size": ...}`: a verified
  callback and its body's size in bytes, for the worker whose user waits for it (the master
  passes on what a worker did not claim); a worker keeps unclaimed ones within
  `--webhook-max-pending-bytes` by that size.

Besides these, each worker's periodic stats report (`report_to_master`) carries
`loadspec_iterations`: `(started, missed)` iteration starts, for the arrival rate's summary;
`loadspec_failure_examples`: `[[method, name, message, example], ...]`, the first real
message of each failure row that worker found since its last report (`examples.py`);
and `loadspec_progress`: `{"done": iterations ended, "rows": {file: parts left}}`, in the same
message as the stats they match: what a lost worker's last report says it did is what stays
counted, and the rest moves.

`rows` parts are `loadspec.locust.parts` triples, keyed by the file's path as every process of
the run names it (the same command line and tree everywhere; "*": every file).
"""

from __future__ import annotations

import enum

__all__ = ["EXAMPLES_KEY", "ITERATIONS_KEY", "PROGRESS_KEY", "MessageType"]


class MessageType(enum.StrEnum):
    """The message types of the table above."""

    SHARE = "loadspec_share"
    SHARE_REQUEST = "loadspec_share_request"
    DONE = "loadspec_done"
    CALLBACK = "loadspec_callback"
    GRANT = "loadspec_grant"
    CEDE = "loadspec_cede"
    CEDED = "loadspec_ceded"
    LOST = "loadspec_lost"


ITERATIONS_KEY = "loadspec_iterations"
"""The entry of a worker's stats report that holds its iteration starts."""

EXAMPLES_KEY = "loadspec_failure_examples"
"""The entry of a worker's stats report that holds its new failure examples."""

PROGRESS_KEY = "loadspec_progress"
"""The entry of a worker's stats report that holds its iterations ended and rows left."""
