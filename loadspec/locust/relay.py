"""One public webhook listener for a distributed run: callbacks relayed on Locust's messages.

The process the gateway can reach (the master by default) hands each verified callback to
the workers with `runner.send_message`; each worker's box matches it to the user waiting for
it, or keeps it for the one that will. A callback that reaches a worker's own listener and
is not claimed there goes to the master, which passes it to the other workers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from locust.env import Environment
from locust.runners import MasterRunner, Runner, WorkerRunner

from loadspec.config.settings import ListenerSettings
from loadspec.locust.messages import MessageType
from loadspec.rows import SIDE_KINDS
from loadspec.webhooks import CallbackBox, Listener
from loadspec.webhooks.limits import WebhookLimits
from loadspec.webhooks.listener import Report, Sink
from loadspec.webhooks.signing import Scheme, Verifier

__all__ = ["start_listener"]

_CLAIMED = frozenset({"matched", "duplicate"})
_log = logging.getLogger("loadspec")


def start_listener(
    environment: Environment,
    box: CallbackBox | None,
    secret: str,
    report: Report,
    *,
    limits: WebhookLimits,
    settings: ListenerSettings,
) -> Listener:
    """This process's listener, bound and verifying as the options say, wired to the relay."""
    runner = environment.runner
    own = box or CallbackBox(events=frozenset())  # a master only counts what it relays
    listener = Listener(
        own,
        secret,
        report,
        limits,
        verifier=Verifier(settings.scheme, secret, settings.header, limits.max_age),
        bind=(settings.host, settings.port),
        public_url=settings.url,
        sink=_sink(runner, own),
    ).start()
    if isinstance(runner, MasterRunner):
        runner.register_message(MessageType.CALLBACK, _pass_on(runner))
    elif isinstance(runner, WorkerRunner):
        runner.register_message(MessageType.CALLBACK, lambda msg, **_: _deliver(own, msg.data))
        _summarise(environment, own)
    if settings.scheme is Scheme.NONE:
        _log.warning("loadspec: --webhook-signature none: callbacks are accepted unsigned")
    return listener


def _sink(runner: Runner | None, box: CallbackBox) -> Sink:
    if isinstance(runner, MasterRunner):

        def relay(payload: Mapping[str, Any], delivery: str, size: int) -> str:
            runner.send_message(MessageType.CALLBACK, _message(payload, delivery, size))
            return "relayed"

        return relay
    if isinstance(runner, WorkerRunner):

        def deliver(payload: Mapping[str, Any], delivery: str, size: int) -> str:
            outcome = box.deliver(payload, delivery, size)
            if outcome not in _CLAIMED:
                runner.send_message(MessageType.CALLBACK, _message(payload, delivery, size))
            return outcome

        return deliver
    return box.deliver


def _message(payload: Mapping[str, Any], delivery: str, size: int) -> dict[str, Any]:
    """A callback as the CALLBACK message carries it: its body's size bounds what is kept."""
    return {"payload": dict(payload), "id": delivery, "size": size}


def _pass_on(runner: MasterRunner) -> Any:
    def pass_on(msg: Any, **_: Any) -> None:
        for client in runner.clients.all:
            if client.id != msg.node_id:
                runner.send_message(MessageType.CALLBACK, msg.data, client_id=client.id)

    return pass_on


def _deliver(box: CallbackBox, data: Mapping[str, Any]) -> None:
    payload, delivery, size = data.get("payload"), data.get("id"), data.get("size")
    if isinstance(payload, Mapping) and isinstance(delivery, str):
        box.deliver(payload, delivery, size if isinstance(size, int) else None)


def _summarise(environment: Environment, box: CallbackBox) -> None:
    """At the end a worker says what its users sent and which callbacks reached them."""
    sent = [0]

    def count(request_type: str, **_: Any) -> None:
        if request_type not in SIDE_KINDS:
            sent[0] += 1

    def summary(**_: Any) -> None:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(box.counts.items())) or "none"
        _log.info("loadspec: this worker sent %d requests; callbacks: %s", sent[0], outcomes)

    environment.events.request.add_listener(count)
    environment.events.quitting.add_listener(summary)
