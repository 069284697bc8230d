"""Request schemas the stub validates against, word for word those of its contract files.

`tests/stub/test_stub_contract.py` pins that `swagger/communication/legacy/communication.json` and
`swagger/clients/clients.json` hold exactly these, so the stub and its contract cannot drift.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CALLBACK_EVENTS",
    "CALLBACK_URL_PATTERN",
    "CHANNEL_STATUSES",
    "CLIENTS_QUERY",
    "CREATED_AT_PATTERN",
    "CREATE_CHANNEL",
    "CREATE_MESSAGE",
    "CREATE_SESSION",
    "MESSAGE_STATUSES",
    "REQUEST_BODIES",
    "SESSIONS_QUERY",
    "TYPING",
    "UPDATE_CHANNEL",
    "UPDATE_MESSAGE",
    "UPDATE_SESSION",
]

Schema = dict[str, Any]

CHANNEL_STATUSES = ["pending", "active", "inactive", "deleted", "blocked", "error"]
MESSAGE_STATUSES = [
    "pending",
    "channel_pending",
    "sent",
    "received",
    "read",
    "error",
    "unavailable",
]
# JSON Schema patterns match anywhere (ECMA `search`), so both are anchored at both ends.
# ASCII classes only: `\d` and `\s` mean different things in ECMA and Python regexes. The URL
# allows no `[`/`]`: an IPv6 literal echoed back made schemathesis' URL scan crash.
CALLBACK_URL_PATTERN = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/?=&-]*)?$"
CREATED_AT_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"


def _text(description: str, max_length: int = 255, min_length: int = 1) -> Schema:
    schema: Schema = {"type": "string", "description": description}
    if min_length:
        schema["minLength"] = min_length
    schema["maxLength"] = max_length
    return schema


def _callback_url() -> Schema:
    return {
        "type": "string",
        "maxLength": 2048,
        "pattern": CALLBACK_URL_PATTERN,
        "description": "Where this channel's callbacks (channel, message and session status "
        "changes) are POSTed. The embedded gateway delivers only to loopback hosts.",
        "example": "http://127.0.0.1:8099/callbacks",
    }


CALLBACK_EVENTS = ["channel.status", "message.status", "session.status"]


def _callback_events() -> Schema:
    return {
        "type": "array",
        "items": {"type": "string", "enum": CALLBACK_EVENTS},
        "description": "Which events to POST to callback_url (default: all of them). A load "
        "test that only waits for activation subscribes to `channel.status` alone, sparing "
        "the gateway two callbacks per message.",
    }


CREATE_CHANNEL: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["business_uid", "type"],
    "properties": {
        "business_uid": _text("Business uid the channel is created for.", 64),
        "type": {
            "type": "string",
            "enum": ["transactional", "promotional"],
            "description": "Type of channel. Enum ChannelType.",
        },
        "display_name": _text("Channel display name.", 255, 0),
        "callback_url": _callback_url(),
        "callback_events": _callback_events(),
    },
}

UPDATE_CHANNEL: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "status": {
            "type": "string",
            "enum": ["active", "inactive"],
            "description": "Activate or deactivate the channel.",
        },
        "display_name": _text("Channel display name.", 255, 0),
        "open_channel": {"type": "boolean", "description": "Whether the channel is open."},
        "callback_url": _callback_url(),
        "callback_events": _callback_events(),
    },
}

CREATE_MESSAGE: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["channel_uid", "external_uid", "message", "message_uid"],
    "properties": {
        "channel_uid": _text("Channel uid (36 chars uuid).", 64),
        "external_uid": _text("Paired contact code.", 255),
        "message": {"type": "string", "minLength": 1, "description": "Message content."},
        "message_uid": _text(
            "Message uid, max 255 chars, unique per channel. A replay of the "
            "same message on the same channel returns it (200).",
            255,
        ),
        "contact_uid": _text("Contact uid.", 255, 0),
        "contact_data": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Channel-provided contact metadata (scalar strings).",
        },
        "direction": {
            "type": "string",
            "enum": ["client_to_business", "business_to_client"],
            "description": "Message direction (default business_to_client).",
        },
        "attachments": {
            "type": "array",
            "items": {"type": "object"},
            "description": "Message attachments.",
        },
        "created_at": {
            "type": "string",
            "minLength": 19,
            "maxLength": 19,
            "pattern": CREATED_AT_PATTERN,
            "description": "Message creation time, YYYY-MM-DD HH:MM:SS.",
        },
    },
}

UPDATE_MESSAGE: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["status", "channel_uid"],
    "properties": {
        "status": {
            "type": "string",
            "enum": MESSAGE_STATUSES,
            "description": "Message's new status. Enum MessageStatus.",
        },
        "channel_uid": _text("Channel uid of the message.", 64),
    },
}

CREATE_SESSION: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["business_uid", "channel_uid", "contact_uid", "external_uid"],
    "properties": {
        "business_uid": _text("Business uid.", 64),
        "channel_uid": _text("Channel uid.", 64),
        "contact_uid": _text("vCita contact uid.", 255),
        "external_uid": _text("App's contact uid.", 255),
    },
}

UPDATE_SESSION: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "status": {
            "type": "string",
            "enum": ["inactive", "active", "deleted"],
            "description": "Session lifecycle status to move to.",
        },
        "ai_status": {
            "type": "string",
            "enum": ["none", "ai_intercepted", "ai_released"],
            "description": "AI routing status.",
        },
    },
}

TYPING: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["session_uid"],
    "properties": {
        "session_uid": _text("Session uid.", 64),
        "contact_uid": _text("Contact uid.", 255, 0),
        "typing": {"type": "boolean", "description": "Typing on (default) or off."},
    },
}

# Query parameters, as `{name: (schema, required)}`.
SESSIONS_QUERY: dict[str, tuple[Schema, bool]] = {
    "channel_uid": (_text("Channel identifier.", 64), True),
    "business_uid": (_text("Business identifier.", 64), True),
    "contact_uid": (_text("vCita contact identifier.", 255), False),
}

CLIENTS_QUERY: dict[str, tuple[Schema, bool]] = {
    "business_id": (
        _text("Business whose clients to list (default: the stub's business).", 64),
        False,
    ),
    "page": (
        {"type": "integer", "minimum": 1, "default": 1, "description": "Page number of results."},
        False,
    ),
    "per_page": (
        {
            "type": "integer",
            "minimum": 1,
            "maximum": 100,
            "default": 25,
            "description": "How many items to return per page.",
        },
        False,
    ),
    "search_term": ({"type": "string", "maxLength": 255, "description": "Search term."}, False),
    "search_by": (
        {
            "type": "string",
            "enum": ["email", "uid", "phone", "updated_at"],
            "description": "Field search_term applies to (default: all of them).",
        },
        False,
    ),
}

REQUEST_BODIES: dict[str, Schema] = {
    "CreateChannelDto": CREATE_CHANNEL,
    "UpdateChannelDto": UPDATE_CHANNEL,
    "CreateMessageDto": CREATE_MESSAGE,
    "UpdateMessageDto": UPDATE_MESSAGE,
    "CreateSessionDto": CREATE_SESSION,
    "UpdateSessionDto": UPDATE_SESSION,
    "TypingDto": TYPING,
}
