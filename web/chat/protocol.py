"""Websocket protocol v1: the frames of `/ws/chat`, validated with pydantic, and their JSON Schema.

Every frame is `{"v": 1, "type": ..., "id": ..., "seq": n, "data": {...}}`. Frames that
belong to the conversation (assistant.*, products.shown, suggestions, staff.*) carry a
`seq` that increases per conversation and are replayed to a client that resumes with
its last seq. Frames that answer one connection (session.welcome, pong, error) carry
`seq: null` and are never replayed. `web/chat/protocol.schema.json` is generated from these
models (`python -m web.chat.protocol > web/chat/protocol.schema.json`) and a test keeps it in sync.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from assistant import ProductCard
from web.errors import BadRequest, ErrorCode

__all__ = [
    "CLOSE_BAD_FRAME",
    "CLOSE_NORMAL",
    "CLOSE_POLICY",
    "CLOSE_UNAUTHENTICATED",
    "CONVERSATION_FRAMES",
    "VERSION",
    "BadFrame",
    "ClientFrame",
    "EventData",
    "FeedbackData",
    "HelloData",
    "MessageData",
    "json_schema",
    "parse_client_frame",
    "server_frame",
]

VERSION = 1
CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_BAD_FRAME = 4400
CLOSE_UNAUTHENTICATED = 4401

# Server frames that are part of the conversation: numbered, stored, replayed.
CONVERSATION_FRAMES = frozenset(
    {
        "assistant.start",
        "assistant.delta",
        "assistant.status",
        "products.shown",
        "suggestions",
        "assistant.done",
        "staff.joined",
        "staff.message",
        "staff.left",
    }
)

FrameId = Annotated[str, Field(min_length=1, max_length=64)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HelloData(_Data):
    """`session.hello`: start a conversation, or resume one with its token and last seq."""

    resume_token: str | None = Field(default=None, max_length=512)
    last_seq: int | None = Field(default=None, ge=0)
    shopper_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="a JWT (HS256) the shop's backend signs for a signed-in shopper: sub, iat, "
        "exp, aud=aisle; without one the shopper is anonymous",
    )
    shopper_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="ignored: a shopper id counts only inside shopper_token (an error frame "
        "says so)",
    )


class MessageData(_Data):
    """`user.message`: the shopper's text; a resent `client_id` is answered once."""

    text: str = Field(min_length=1)
    client_id: str = Field(min_length=1, max_length=64)


class EventData(_Data):
    """`user.event`: what the shopper did with a product card."""

    name: Literal["view", "click", "cart"]
    product_id: str = Field(min_length=1, max_length=128)


class FeedbackData(_Data):
    """`user.feedback`: thumbs (+1 / -1) or stars (1-5) on an answer."""

    turn_id: str = Field(min_length=1, max_length=64)
    rating: int = Field(ge=-1, le=5)


class EmptyData(_Data):
    """No data."""


class _ClientFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")

    v: Literal[1]
    id: FrameId


class HelloFrame(_ClientFrame):
    type: Literal["session.hello"]
    data: HelloData = Field(default_factory=HelloData)


class MessageFrame(_ClientFrame):
    type: Literal["user.message"]
    data: MessageData


class EventFrame(_ClientFrame):
    type: Literal["user.event"]
    data: EventData


class FeedbackFrame(_ClientFrame):
    type: Literal["user.feedback"]
    data: FeedbackData


class PingFrame(_ClientFrame):
    type: Literal["ping"]
    data: EmptyData = Field(default_factory=EmptyData)


ClientFrame = Annotated[
    HelloFrame | MessageFrame | EventFrame | FeedbackFrame | PingFrame,
    Field(discriminator="type"),
]
_client = TypeAdapter(ClientFrame)
CLIENT_TYPES = ("session.hello", "user.message", "user.event", "user.feedback", "ping")


class BadFrame(BadRequest):
    """A client frame the server cannot take; `code` goes into the `error` frame."""

    def __init__(self, code: ErrorCode, message: str, frame_id: str | None = None) -> None:
        super().__init__(message, code)
        self.frame_id = frame_id


def parse_client_frame(
    raw: str | bytes,
) -> HelloFrame | MessageFrame | EventFrame | FeedbackFrame | PingFrame:
    """Parse and validate one client frame.

    Raises:
        BadFrame: `bad_json`, `bad_version`, `unknown_type` or `bad_frame` (fields).
    """
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadFrame("bad_json", f"the frame is not JSON: {e}") from None
    if not isinstance(obj, dict):
        raise BadFrame("bad_frame", "a frame is a JSON object")
    frame_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    if obj.get("v") != VERSION:
        raise BadFrame("bad_version", f"protocol version must be {VERSION}", frame_id)
    if obj.get("type") not in CLIENT_TYPES:
        raise BadFrame(
            "unknown_type",
            f"unknown frame type {str(obj.get('type'))[:40]!r}; expected one of "
            + ", ".join(CLIENT_TYPES),
            frame_id,
        )
    try:
        return _client.validate_python(obj)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "frame"
        raise BadFrame("bad_frame", f"{where}: {first['msg']}", frame_id) from None


def server_frame(type: str, data: dict[str, Any], seq: int | None = None) -> dict[str, Any]:
    """A server frame as a dict ready for `json.dumps`."""
    return {"v": VERSION, "type": type, "id": uuid.uuid4().hex[:16], "seq": seq, "data": data}


# Server frames, for the published schema (the gateway builds them with `server_frame`).
class WelcomeData(_Data):
    conversation_id: str
    resume_token: str
    resumed: bool = Field(description="true when an earlier conversation was resumed")
    last_seq: int = Field(description="the conversation's latest seq when the socket opened")
    mode: Literal["assistant", "staff"] = "assistant"
    max_message_chars: int = Field(description="longer user.message texts are refused")


class TurnIdData(_Data):
    turn_id: str


class StartData(_Data):
    turn_id: str
    client_id: str | None = Field(
        default=None, description="the user.message this turn answers (its acknowledgement)"
    )


class DeltaData(_Data):
    text: str


class StatusData(_Data):
    turn_id: str
    text: str = Field(description="what the assistant is doing, e.g. 'Still looking…'")


class CardsData(_Data):
    items: list[ProductCard]


class SuggestionsData(_Data):
    items: list[str]


class StaffData(_Data):
    staff: str = Field(description="the staff member's display name")


class StaffMessageData(_Data):
    staff: str
    text: str


class ErrorData(_Data):
    code: ErrorCode = Field(description="what went wrong (every code: web/errors.py)")
    message: str
    ref: str | None = Field(default=None, description="the id of the client frame it answers")


def _server_model(type_: str, data: type[BaseModel], numbered: bool) -> type[BaseModel]:
    seq_type: Any = int if numbered else None
    fields: dict[str, Any] = {
        "v": (Literal[1], ...),
        "type": (Literal[type_], ...),
        "id": (str, ...),
        "seq": (seq_type, ...),
        "data": (data, ...),
    }
    from pydantic import create_model

    name = "".join(part.title() for part in type_.replace(".", "_").split("_")) + "Frame"
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


SERVER_FRAMES: dict[str, type[BaseModel]] = {
    "session.welcome": WelcomeData,
    "assistant.start": StartData,
    "assistant.delta": DeltaData,
    "assistant.status": StatusData,
    "products.shown": CardsData,
    "suggestions": SuggestionsData,
    "assistant.done": TurnIdData,
    "staff.joined": StaffData,
    "staff.message": StaffMessageData,
    "staff.left": StaffData,
    "error": ErrorData,
    "pong": EmptyData,
}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of protocol v1: a `ClientFrame` or a `ServerFrame`, each a tagged union."""
    from pydantic.json_schema import models_json_schema

    client: list[type[BaseModel]] = [HelloFrame, MessageFrame, EventFrame, FeedbackFrame, PingFrame]
    server = [_server_model(t, d, t in CONVERSATION_FRAMES) for t, d in SERVER_FRAMES.items()]
    _, generated = models_json_schema(
        [(m, "validation") for m in [*client, *server]], ref_template="#/$defs/{model}"
    )
    defs: dict[str, Any] = dict(generated.get("$defs", {}))
    for union, models in (("ClientFrame", client), ("ServerFrame", server)):
        defs[union] = {
            "oneOf": [{"$ref": f"#/$defs/{m.__name__}"} for m in models],
            "discriminator": {"propertyName": "type"},
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Aisle websocket protocol v1",
        "description": "A frame of /ws/chat: ClientFrame (shopper to server) or ServerFrame.",
        "oneOf": [{"$ref": "#/$defs/ClientFrame"}, {"$ref": "#/$defs/ServerFrame"}],
        "$defs": defs,
    }


def dumps_schema() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(dumps_schema())
