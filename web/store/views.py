"""What the console reads: typed filters, conversation summaries and details, analytics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Analytics",
    "ConversationDetail",
    "ConversationFilter",
    "ConversationSummary",
    "DailyCount",
    "EventView",
    "LiveState",
    "MessageView",
    "NoteView",
    "Page",
    "QueryCount",
    "RatingFilter",
    "Sort",
    "TurnView",
]

Sort = Literal["newest", "oldest", "longest", "lowest_rating"]
RatingFilter = Literal["positive", "neutral", "negative", "rated", "unrated"]
LiveState = Literal["live", "ended"]


class ConversationFilter(BaseModel):
    """Which conversations to list; every field left None does not filter.

    Ratings are the shopper's feedback on a 0-1 scale (mean over rated turns):
    positive >= 0.75 (thumbs up, 4-5 stars), negative < 0.5, neutral in between.
    A conversation is live while it had activity within the console's live window.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str | None = Field(default=None, description="full-text search over message text")
    since: datetime | None = Field(default=None, description="started at or after")
    until: datetime | None = Field(default=None, description="started before")
    product_shown: bool | None = None
    card_clicked: bool | None = None
    added_to_cart: bool | None = None
    handoff: bool | None = None
    zero_result: bool | None = None
    guardrail_hit: bool | None = None
    needs_human: bool | None = None
    fallback: bool | None = Field(default=None, description="a turn fell back to the offline brain")
    taken_over: bool | None = Field(default=None, description="a staff member is in it now")
    rating: RatingFilter | None = None
    staff_rating_max: int | None = Field(default=None, ge=1, le=5)
    tag: str | None = None
    brain: str | None = Field(default=None, description="a turn was answered by this brain")
    state: LiveState | None = None
    shopper_id: str | None = None
    channel: str | None = None

    @field_validator("text", "tag", "brain", "shopper_id", "channel")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class ConversationSummary(BaseModel):
    """One row of the console's conversation list."""

    id: str
    session_id: str
    shopper_id: str | None
    channel: str
    started_at: datetime
    last_at: datetime
    live: bool
    messages: int
    turns: int
    first_message: str | None
    product_shown: bool
    card_clicked: bool
    added_to_cart: bool
    handoff: bool
    zero_result: bool
    guardrail_hit: bool
    fallback: bool
    needs_human: bool
    taken_over: bool
    live_staff: str | None
    rating: float | None = Field(description="shopper feedback, 0 (bad) to 1 (good)")
    staff_rating: int | None
    staff_rated_by: str | None
    tags: list[str]


class Page(BaseModel):
    """A page of the list; pass `next_cursor` back for the next one (None: the last page)."""

    items: list[ConversationSummary]
    next_cursor: str | None


class TurnView(BaseModel):
    """The record of an assistant answer, as the console shows it under the message."""

    turn_id: str
    brain: str
    fallback: str | None
    intent: str | None
    tools: list[dict[str, Any]]
    corrections: list[dict[str, Any]]
    guardrails: list[str]
    shown: list[str]
    handoff: bool
    timings: dict[str, float]
    cards: list[dict[str, Any]]
    suggestions: list[str]
    latency_ms: float
    first_frame_ms: float
    zero_result: bool
    feedback: int | None
    feedback_scale: str | None
    staff_rating: int | None
    staff_rated_by: str | None
    at: datetime


class MessageView(BaseModel):
    """A message in order; an assistant message carries its turn's record."""

    seq: int
    role: Literal["user", "assistant", "staff"]
    text: str
    at: datetime
    turn_id: str | None
    author: str | None
    turn: TurnView | None = None


class EventView(BaseModel):
    """A product event of the shopper, or a staff member joining or leaving."""

    name: str
    product_id: str | None
    staff: str | None
    at: datetime


class NoteView(BaseModel):
    """A staff note."""

    id: int
    staff: str
    text: str
    turn_id: str | None
    at: datetime


class ConversationDetail(BaseModel):
    """Everything stored about one conversation."""

    summary: ConversationSummary
    messages: list[MessageView]
    events: list[EventView]
    notes: list[NoteView]


class DailyCount(BaseModel):
    """Conversations started on one day (UTC)."""

    day: date
    conversations: int


class QueryCount(BaseModel):
    """A normalised shopper query and how often it came."""

    query: str
    count: int


class Analytics(BaseModel):
    """Aggregates over conversations started in [since, until).

    Rates are None when their denominator is zero.
    """

    since: datetime
    until: datetime
    conversations: int
    turns: int
    per_day: list[DailyCount]
    csat: float | None = Field(description="share of shopper ratings that are positive")
    ratings: int
    top_queries: list[QueryCount] = Field(description="first messages, normalised")
    zero_result_queries: list[QueryCount]
    click_through: float | None = Field(
        description="conversations with a card clicked / conversations with products shown"
    )
    add_to_cart_rate: float | None = Field(description="conversations with an add-to-cart")
    fallback_rate: float | None = Field(description="turns answered by the fallback brain")
    guardrail_rate: float | None = Field(description="turns where a guardrail fired")
    zero_result_rate: float | None = Field(description="turns with a zero-result search")
    handoff_rate: float | None = Field(description="conversations where a person was asked for")
