"""The events a turn yields (websocket protocol v1's assistant frames) and the turn's record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.state import ConversationState

__all__ = [
    "Correction",
    "EventType",
    "ProductCard",
    "ToolCall",
    "TurnEvent",
    "TurnRecord",
    "TurnResult",
    "collect",
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


class TurnEvent(BaseModel):
    """One event of a turn; `data` follows protocol v1 for its type."""

    type: EventType
    data: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def start(cls, turn_id: str) -> TurnEvent:
        """`assistant.start`."""
        return cls(type="assistant.start", data={"turn_id": turn_id})

    @classmethod
    def delta(cls, text: str) -> TurnEvent:
        """`assistant.delta`: a chunk of the answer."""
        return cls(type="assistant.delta", data={"text": text})

    @classmethod
    def shown(cls, cards: list[ProductCard]) -> TurnEvent:
        """`products.shown`: the turn's product cards."""
        return cls(type="products.shown", data={"items": [c.model_dump() for c in cards]})

    @classmethod
    def suggestions(cls, items: list[str]) -> TurnEvent:
        """`suggestions`: follow-up chips."""
        return cls(type="suggestions", data={"items": list(items)})

    @classmethod
    def done(cls, record: TurnRecord, state: ConversationState) -> TurnEvent:
        """`assistant.done`: the record (for the transcript) and the new state."""
        return cls(
            type="assistant.done",
            data={
                "turn_id": record.turn_id,
                "record": record.model_dump(mode="json"),
                "state": state.model_dump(mode="json"),
            },
        )


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
    """Drain a turn's events into a TurnResult."""
    import time

    started = time.perf_counter()
    first: float | None = None
    seen: list[TurnEvent] = []
    text: list[str] = []
    cards: list[ProductCard] = []
    chips: list[str] = []
    record: TurnRecord | None = None
    state: ConversationState | None = None
    async for event in events:
        if first is None:
            first = (time.perf_counter() - started) * 1000
        seen.append(event)
        if event.type == "assistant.delta":
            text.append(str(event.data["text"]))
        elif event.type == "products.shown":
            cards = [ProductCard.model_validate(c) for c in event.data["items"]]
        elif event.type == "suggestions":
            chips = [str(s) for s in event.data["items"]]
        elif event.type == "assistant.done":
            record = TurnRecord.model_validate(event.data["record"])
            state = ConversationState.model_validate(event.data["state"])
    if record is None or state is None:
        from assistant.errors import AssistantError

        raise AssistantError("the turn ended without an assistant.done event")
    return TurnResult(
        text="".join(text),
        cards=cards,
        suggestions=chips,
        record=record,
        state=state,
        events=seen,
        first_event_ms=first or 0.0,
    )
