"""What the gateway does, HTTP aside: lifecycles, timers, and the callbacks they announce."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

from loadspec.stub.config import StubConfig
from loadspec.stub.gateway.callbacks import CallbackSender
from loadspec.stub.gateway.state import (
    ALL_EVENTS,
    Channel,
    ChannelStatus,
    Message,
    MessageStatus,
    Retention,
    Session,
    SessionStatus,
    Store,
    iso_now,
)

__all__ = ["MESSAGE_STEPS", "Gateway"]

# Where a message goes after it is accepted, one step per `message_delay`.
MESSAGE_STEPS = (MessageStatus.SENT, MessageStatus.RECEIVED)


class Gateway:
    """The channels, messages and sessions of every business, and their timed transitions."""

    def __init__(self, config: StubConfig, rng: random.Random, sender: CallbackSender) -> None:
        self.config = config
        self.store = Store(
            Retention(config.max_channels, config.max_messages, config.retention_seconds)
        )
        self._rng = rng
        self._sender = sender
        self.created = {"channels": 0, "messages": 0, "sessions": 0}

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        asyncio.get_running_loop().call_later(delay, action)

    def _announce(self, channel: Channel, event: str, data: dict[str, Any]) -> None:
        if event in channel.callback_events:
            self._sender.emit(channel.callback_url, event, data)

    def create_channel(self, body: dict[str, Any]) -> Channel:
        """A new `pending` channel, activated after `activation_delay`."""
        channel = self.store.add_channel(
            Channel(
                business_uid=body["business_uid"],
                type=body["type"],
                display_name=body.get("display_name", ""),
                callback_url=body.get("callback_url"),
                callback_events=frozenset(body.get("callback_events", ALL_EVENTS)),
            )
        )
        delay = self.config.activation_delay.sample(self._rng)
        self._later(delay, lambda: self._activate(channel))
        self.created["channels"] += 1
        return channel

    def _activate(self, channel: Channel) -> None:
        if channel.status is ChannelStatus.PENDING and channel.uid in self.store.channels:
            self.set_channel_status(channel, ChannelStatus.ACTIVE)

    def set_channel_status(self, channel: Channel, status: ChannelStatus) -> None:
        """Move the channel to `status` and announce it (nothing when it is already there)."""
        if channel.status is status:
            return
        previous, channel.status, channel.updated_at = channel.status, status, iso_now()
        self._announce(
            channel,
            "channel.status",
            {
                "uid": channel.uid,
                "channel_uid": channel.uid,
                "business_uid": channel.business_uid,
                "status": status.value,
                "previous_status": previous.value,
            },
        )

    def update_channel(self, channel: Channel, body: dict[str, Any]) -> None:
        """Apply a `PUT /channels/{uid}` body."""
        for name in ("display_name", "open_channel", "callback_url"):
            if name in body:
                setattr(channel, name, body[name])
        if "callback_events" in body:
            channel.callback_events = frozenset(body["callback_events"])
        channel.updated_at = iso_now()
        if "status" in body:
            self.set_channel_status(channel, ChannelStatus(body["status"]))

    def delete_channel(self, channel: Channel) -> None:
        """Forget the channel (later requests for it are 404s) and announce it."""
        self.set_channel_status(channel, ChannelStatus.DELETED)
        self.store.delete_channel(channel)

    def add_message(self, channel: Channel, body: dict[str, Any], fingerprint: bytes) -> Message:
        """A new `pending` message on an active channel; it then moves through MESSAGE_STEPS."""
        message = Message(
            channel=channel,
            message_uid=body["message_uid"],
            fingerprint=fingerprint,
            direction=body.get("direction", "business_to_client"),
        )
        self.store.add_message(message)
        self.created["messages"] += 1
        self._schedule_step(message, 0)
        return message

    def _schedule_step(self, message: Message, step: int) -> None:
        if step < len(MESSAGE_STEPS):
            delay = self.config.message_delay.sample(self._rng)
            self._later(delay, lambda: self._step(message, step))

    def _step(self, message: Message, step: int) -> None:
        if self.store.messages.get(message.uid) is not message or message.status not in _MOVING:
            return
        self.set_message_status(message, MESSAGE_STEPS[step])
        self._schedule_step(message, step + 1)

    def set_message_status(self, message: Message, status: MessageStatus) -> None:
        """Move the message to `status` and announce it on its channel's callback URL."""
        if message.status is status:
            return
        previous, message.status = message.status, status
        channel = message.channel
        self._announce(
            channel,
            "message.status",
            {
                "uid": message.uid,
                "message_uid": message.message_uid,
                "channel_uid": channel.uid,
                "business_uid": channel.business_uid,
                "status": status.value,
                "previous_status": previous.value,
            },
        )

    def add_session(self, channel: Channel, body: dict[str, Any]) -> Session:
        """A new `pending` session over an active channel, activated after `activation_delay`."""
        session = Session(
            channel=channel, contact_uid=body["contact_uid"], external_uid=body["external_uid"]
        )
        self.store.add_session(session)
        delay = self.config.activation_delay.sample(self._rng)
        self._later(delay, lambda: self._activate_session(session))
        self.created["sessions"] += 1
        return session

    def _activate_session(self, session: Session) -> None:
        if session.status is SessionStatus.PENDING and session.uid in self.store.sessions:
            self.set_session_status(session, SessionStatus.ACTIVE)

    def set_session_status(self, session: Session, status: SessionStatus) -> None:
        """Move the session to `status` (forgetting it when deleted) and announce it."""
        if status is SessionStatus.DELETED:
            self.store.sessions.pop(session.uid, None)
        if session.status is status:
            return
        previous, session.status = session.status, status
        channel = session.channel
        self._announce(
            channel,
            "session.status",
            {
                "uid": session.uid,
                "channel_uid": channel.uid,
                "business_uid": channel.business_uid,
                "status": status.value,
                "previous_status": previous.value,
            },
        )


# A message the caller moved to a final status by hand stops moving on its own.
_MOVING = frozenset({MessageStatus.PENDING, MessageStatus.SENT})
