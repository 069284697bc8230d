"""The gateway's in-memory world: channels, their messages, and sessions."""

from __future__ import annotations

import enum
import itertools
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ALL_EVENTS",
    "Channel",
    "ChannelStatus",
    "Message",
    "MessageStatus",
    "Retention",
    "Session",
    "SessionStatus",
    "Store",
    "iso_now",
    "new_uid",
]


class ChannelStatus(enum.StrEnum):
    """The contract's `ChannelStatus`."""

    PENDING = "pending"
    ACTIVE = "active"
    INACTIVE = "inactive"
    DELETED = "deleted"
    BLOCKED = "blocked"
    ERROR = "error"


class MessageStatus(enum.StrEnum):
    """The contract's `MessageStatus`."""

    PENDING = "pending"
    CHANNEL_PENDING = "channel_pending"
    SENT = "sent"
    RECEIVED = "received"
    READ = "read"
    ERROR = "error"
    UNAVAILABLE = "unavailable"


class SessionStatus(enum.StrEnum):
    """The contract's session lifecycle status."""

    PENDING = "pending"
    INACTIVE = "inactive"
    ACTIVE = "active"
    DELETED = "deleted"
    FAILED = "failed"


_clock: list[Any] = [-1, ""]  # the second last formatted, and its text


def iso_now() -> str:
    """The current UTC time, ISO 8601 with a `Z`, second precision (formatted once a second)."""
    second = int(time.time())
    if second != _clock[0]:
        _clock[:] = [second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
    text: str = _clock[1]
    return text


# Ids are UUID-shaped (version 4 layout): a random prefix per process and a counter. Unique
# within a run, and a tenth of the cost of `uuid4()` on the hot path.
_PREFIX = str(uuid.uuid4())[:24]
_counter = itertools.count(random.SystemRandom().randrange(1 << 40))


def new_uid() -> str:
    """A fresh UUID-shaped id."""
    return f"{_PREFIX}{next(_counter) & 0xFFFFFFFFFFFF:012x}"


@dataclass(slots=True)
class Message:
    """One message on one channel; `status` moves on as the gateway delivers it.

    Attributes:
        channel: the channel it was sent on.
        message_uid: the caller's id, unique per channel.
        fingerprint: the request body it was created from, to tell a replay from a clash.
        direction: `business_to_client` or `client_to_business`.
        uid: the gateway's own id.
        status: where delivery stands.
        created_at: when the gateway accepted it.
        born: when the gateway accepted it, on the monotonic clock (for retention).
    """

    channel: Channel
    message_uid: str
    fingerprint: bytes
    direction: str
    uid: str = field(default_factory=new_uid)
    status: MessageStatus = MessageStatus.PENDING
    created_at: str = field(default_factory=iso_now)
    born: float = field(default_factory=time.monotonic)

    def view(self) -> dict[str, Any]:
        """The message as the contract's `MessageResponseEntity`."""
        return {
            "uid": self.uid,
            "status": self.status.value,
            "message_uid": self.message_uid,
            "channel_uid": self.channel.uid,
            "direction": self.direction,
            "created_at": self.created_at,
        }


ALL_EVENTS = frozenset({"channel.status", "message.status", "session.status"})


@dataclass(slots=True)
class Channel:
    """One business's channel; starts `pending`, activated later by the gateway.

    Attributes:
        business_uid: the business it belongs to.
        type: `transactional` or `promotional`.
        display_name: its display name (empty when none was given).
        callback_url: where its callbacks go, if anywhere.
        callback_events: the events its callback URL gets.
        open_channel: the caller's `open_channel` flag.
        uid: the gateway's id (a 36-char UUID).
        status: its lifecycle status.
        messages: its messages by the caller's `message_uid`.
        created_at: when it was created.
        updated_at: when it last changed.
        used: when a request last named it, on the monotonic clock (for retention).
    """

    business_uid: str
    type: str
    display_name: str
    callback_url: str | None
    callback_events: frozenset[str] = ALL_EVENTS
    open_channel: bool = False
    uid: str = field(default_factory=new_uid)
    status: ChannelStatus = ChannelStatus.PENDING
    messages: dict[str, Message] = field(default_factory=dict)
    created_at: str = field(default_factory=iso_now)
    updated_at: str = field(default_factory=iso_now)
    used: float = field(default_factory=time.monotonic)

    def view(self) -> dict[str, Any]:
        """The channel as the contract's `ChannelResponseEntity`."""
        return {
            "uid": self.uid,
            "status": self.status.value,
            "display_name": self.display_name,
            "business_uid": self.business_uid,
            "type": self.type,
            "open_channel": self.open_channel,
            "callback_url": self.callback_url,
            "callback_events": sorted(self.callback_events),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(slots=True)
class Session:
    """A conversation over a channel between an app's contact and a business's client.

    Attributes:
        channel: the channel it runs over.
        contact_uid: the business's client.
        external_uid: the app's contact.
        uid: the gateway's id.
        status: its lifecycle status.
        ai_status: whether the AI receptionist owns it.
    """

    channel: Channel
    contact_uid: str
    external_uid: str
    uid: str = field(default_factory=new_uid)
    status: SessionStatus = SessionStatus.PENDING
    ai_status: str = "none"

    def view(self) -> dict[str, Any]:
        """The session as the contract's `SessionResponse`."""
        return {
            "uid": self.uid,
            "status": self.status.value,
            "ai_status": self.ai_status,
            "channel_uid": self.channel.uid,
            "contact_uid": self.contact_uid,
            "external_uid": self.external_uid,
        }


@dataclass(frozen=True, slots=True)
class Retention:
    """How much the gateway remembers: past a count or an age, the oldest is forgotten.

    Attributes:
        channels: most channels kept (sessions too: they live on channels).
        messages: most messages kept.
        seconds: a message older than this, or a channel unused for this long, is forgotten
            (0: no age limit).
    """

    channels: int = 50_000
    messages: int = 100_000
    seconds: float = 600.0


@dataclass(slots=True)
class Store:
    """Every live channel, message and session, by uid. Deleted ones are gone (404 after).

    Bounded for soaks by `retention`: the oldest go first, counted in `evicted`. Each kind
    keeps its arrival order in a deque beside its dict, so forgetting the oldest is O(1).

    Attributes:
        retention: the bounds.
        channels: live channels.
        messages: messages of live channels, by the gateway's uid.
        sessions: live sessions.
        evicted: how many of each kind were forgotten to stay within `retention`.
    """

    retention: Retention = field(default_factory=Retention)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    evicted: dict[str, int] = field(
        default_factory=lambda: {"channels": 0, "messages": 0, "sessions": 0}
    )
    _channel_order: deque[Channel] = field(default_factory=deque)
    _message_order: deque[Message] = field(default_factory=deque)
    _session_order: deque[Session] = field(default_factory=deque)

    def add_channel(self, channel: Channel) -> Channel:
        """Keep `channel`, forgetting the oldest (or longest unused) beyond the bounds."""
        self.channels[channel.uid] = channel
        self._channel_order.append(channel)
        self._trim_channels(channel.used)
        return channel

    def add_message(self, message: Message) -> Message:
        """Keep `message` on its channel, forgetting the oldest beyond the bounds."""
        message.channel.messages[message.message_uid] = message
        self.messages[message.uid] = message
        self._message_order.append(message)
        self._trim_messages(message.born)
        return message

    def add_session(self, session: Session) -> Session:
        """Keep `session`, forgetting the oldest beyond the channel bound."""
        self.sessions[session.uid] = session
        self._session_order.append(session)
        order = self._session_order
        while len(order) > self.retention.channels:
            oldest = order.popleft()
            if self.sessions.pop(oldest.uid, None) is not None:
                self.evicted["sessions"] += 1
        return session

    def _trim_messages(self, now: float) -> None:
        order, limit = self._message_order, self.retention.messages
        cutoff = now - self.retention.seconds if self.retention.seconds else -1.0
        while order and (len(order) > limit or order[0].born < cutoff):
            oldest = order.popleft()
            if self.messages.get(oldest.uid) is oldest:
                self._forget_message(oldest)
                self.evicted["messages"] += 1

    def _trim_channels(self, now: float) -> None:
        order, limit = self._channel_order, self.retention.channels
        cutoff = now - self.retention.seconds if self.retention.seconds else -1.0
        for _ in range(2 if self.retention.seconds else 0):
            # A busy channel at the front moves back, so idle ones behind it come up.
            if order and len(order) <= limit and order[0].used >= cutoff and self._live(order[0]):
                order.rotate(-1)
        while order and (len(order) > limit or order[0].used < cutoff or not self._live(order[0])):
            oldest = order.popleft()
            if self._live(oldest):
                self.delete_channel(oldest)
                self.evicted["channels"] += 1

    def _live(self, channel: Channel) -> bool:
        return self.channels.get(channel.uid) is channel

    def _forget_message(self, message: Message) -> None:
        self.messages.pop(message.uid, None)
        if message.channel.messages.get(message.message_uid) is message:
            del message.channel.messages[message.message_uid]

    def delete_channel(self, channel: Channel) -> None:
        """Forget the channel and every session over it."""
        channel.status = ChannelStatus.DELETED
        self.channels.pop(channel.uid, None)
        for message in channel.messages.values():
            self.messages.pop(message.uid, None)
        for uid in [uid for uid, s in self.sessions.items() if s.channel is channel]:
            del self.sessions[uid]
