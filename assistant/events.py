"""The events a turn yields (websocket protocol v1's assistant frames) and the turn's record.

A turn streams one `TurnEvent`, a union tagged by `type`:

    TurnStarted (assistant.start) -> AnswerDelta* (assistant.delta)
        -> ProductsShown? (products.shown) -> Suggestions (suggestions) -> TurnDone (assistant.done)

Each event knows its frame (`frame_data()`, what the shopper's widget gets); `TurnDone`
also carries the record and state that stay on the server.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from assistant.state import ConversationState

__all__ = [
    "AnswerDelta",
    "Correction",
    "EventType",
    "ProductCard",
    "ProductsShown",
    "Suggestions",
    "ToolCall",
    "TurnDone",
    "TurnEvent",
    "TurnRecord",
    "TurnResult",
    "TurnStarted",
    "collect",
    "parse_event",
]

EventType = Literal[
    "assistant.start", "assistant.delta", "products.shown", "suggestions", "assistant.done"
]


class ProductCard(BaseModel):
    """A product as the widget shows it, built from catalog fields only."""

    id: str
    title: str
    price: float
    currency: str
    image_url: str
    rating: float | None
    in_stock: bool
    url: str
    reason: str = ""


class ToolCall(BaseModel):
    """One tool call of a turn, for the transcript."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    ok: bool = True
    ms: float = 0.0
    products: int = 0
    note: str | None = None
    arm: str | None = Field(
        default=None, description="the experiment arm whose recommendations the tool returned"
    )


class Correction(BaseModel):
    """Something the grounding guard changed before the shopper saw it."""

    kind: Literal["price", "product_id", "rating", "stock", "prompt_leak"]
    original: str
    replacement: str = Field(default="", description="empty when the claim was removed")
    product_id: str | None = None


class TurnRecord(BaseModel):
    """What happened in a turn: for transcripts, evaluation and support staff."""

    turn_id: str
    brain: str
    fallback: str | None = Field(default=None, description="why the offline brain answered instead")
    intent: str | None = None
    tools: list[ToolCall] = Field(default_factory=list)
    corrections: list[Correction] = Field(default_factory=list)
    guardrails: list[str] = Field(default_factory=list)
    shown: list[str] = Field(default_factory=list)
    handoff: bool = Field(default=False, description="the shopper asked for a person")
    timings: dict[str, float] = Field(default_factory=dict, description="milliseconds")


class TurnStarted(BaseModel):
    """`assistant.start`: the turn began."""

    type: Literal["assistant.start"] = "assistant.start"
    turn_id: str

    def frame_data(self) -> dict[str, Any]:
        """The frame's `data`."""
        return {"turn_id": self.turn_id}


class AnswerDelta(BaseModel):
    """`assistant.delta`: a checked chunk of the answer."""

    type: Literal["assistant.delta"] = "assistant.delta"
    text: str

    def frame_data(self) -> dict[str, Any]:
        """The frame's `data`."""
        return {"text": self.text}


class ProductsShown(BaseModel):
    """`products.shown`: the turn's product cards."""

    type: Literal["products.shown"] = "products.shown"
    items: list[ProductCard]

    def frame_data(self) -> dict[str, Any]:
        """The frame's `data`."""
        return {"items": [card.model_dump(mode="json") for card in self.items]}


class Suggestions(BaseModel):
    """`suggestions`: follow-up chips."""

    type: Literal["suggestions"] = "suggestions"
    items: list[str]

    def frame_data(self) -> dict[str, Any]:
        """The frame's `data`."""
        return {"items": list(self.items)}


class TurnDone(BaseModel):
    """`assistant.done`: the turn's record (for the transcript) and the new state.

    Only `turn_id` reaches the shopper; the record and state stay with the server.
    """

    type: Literal["assistant.done"] = "assistant.done"
    record: TurnRecord
    state: ConversationState

    @property
    def turn_id(self) -> str:
        """The turn's id."""
        return self.record.turn_id

    def frame_data(self) -> dict[str, Any]:
        """The frame's `data`."""
        return {"turn_id": self.turn_id}


TurnEvent = Annotated[
    TurnStarted | AnswerDelta | ProductsShown | Suggestions | TurnDone,
    Field(discriminator="type"),
]

_EVENT: TypeAdapter[TurnEvent] = TypeAdapter(TurnEvent)


def parse_event(obj: Any) -> TurnEvent:
    """A turn event from its JSON form (one line of the assistant pod's NDJSON stream).

    Raises:
        pydantic.ValidationError: not a turn event.
    """
    return _EVENT.validate_python(obj)


class TurnResult(BaseModel):
    """A whole turn, collected: what a non-streaming caller (CLI, evaluation) needs."""

    text: str
    cards: list[ProductCard]
    suggestions: list[str]
    record: TurnRecord
    state: ConversationState
    events: list[TurnEvent]
    first_event_ms: float = 0.0


async def collect(events: AsyncIterator[TurnEvent]) -> TurnResult:
    """Drain a turn's events into a TurnResult.

    Raises:
        AssistantError: the stream ended without `assistant.done`.
    """
    started = time.perf_counter()
    first: float | None = None
    seen: list[TurnEvent] = []
    text: list[str] = []
    cards: list[ProductCard] = []
    chips: list[str] = []
    done: TurnDone | None = None
    async for event in events:
        if first is None:
            first = (time.perf_counter() - started) * 1000
        seen.append(event)
        if isinstance(event, AnswerDelta):
            text.append(event.text)
        elif isinstance(event, ProductsShown):
            cards = list(event.items)
        elif isinstance(event, Suggestions):
            chips = list(event.items)
        elif isinstance(event, TurnDone):
            done = event
    if done is None:
        from assistant.errors import AssistantError

        raise AssistantError("the turn ended without an assistant.done event")
    return TurnResult(
        text="".join(text),
        cards=cards,
        suggestions=chips,
        record=done.record,
        state=done.state,
        events=seen,
        first_event_ms=first or 0.0,
    )
