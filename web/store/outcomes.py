"""What a turn's record says about the conversation: outcome flags, feedback scales, redaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from web.store.errors import InvalidRequest
from web.store.redaction import Redactor

__all__ = ["SEARCH_TOOLS", "FeedbackScale", "TurnOutcome", "feedback_scale", "redact_record"]

FeedbackScale = Literal["thumbs", "stars"]
# Tools whose empty result means "the shop had nothing for that": a zero-result search.
SEARCH_TOOLS = frozenset({"search_products"})


@dataclass(frozen=True)
class TurnOutcome:
    """The flags one assistant turn sets on its conversation."""

    product_shown: bool
    zero_result: bool
    guardrail_hit: bool
    handoff: bool
    fallback: str | None

    @classmethod
    def of(cls, record: Mapping[str, Any], cards: list[dict[str, Any]]) -> TurnOutcome:
        """Read a turn's outcome from its record (`TurnRecord` as JSON) and cards.

        A zero-result turn ran a search that found nothing, or found products of which
        none reached the shopper (the grounding guard or filters dropped them all).
        """
        searches = [t for t in record.get("tools", []) if t.get("name") in SEARCH_TOOLS]
        zero = bool(searches) and (
            not cards or any(int(t.get("products", 0)) == 0 for t in searches)
        )
        fallback = record.get("fallback")
        return cls(
            product_shown=bool(cards),
            zero_result=zero,
            guardrail_hit=bool(record.get("guardrails")),
            handoff=bool(record.get("handoff", False)),
            fallback=None if fallback is None else str(fallback),
        )

    def conversation_flags(self) -> dict[str, bool]:
        """The conversation columns this turn switches on (a flag never switches off).

        A handoff also queues the conversation for a person (needs_human).
        """
        flags = {
            "product_shown": self.product_shown,
            "zero_result": self.zero_result,
            "guardrail_hit": self.guardrail_hit,
            "handoff": self.handoff,
            "needs_human": self.handoff,
            "fallback_used": self.fallback is not None,
        }
        return {name: True for name, on in flags.items() if on}


def redact_record(record: Mapping[str, Any], redactor: Redactor) -> dict[str, Any]:
    """The record to store: tool arguments and notes and guard corrections redacted.

    Args:
        record: `TurnRecord.model_dump(mode="json")`.
        redactor: the store's redactor (a disabled one changes nothing).

    Returns:
        A copy; the caller's record is untouched.
    """
    redact = redactor.redact_value
    stored = dict(record)
    stored["tools"] = [
        {**t, "args": redact(t.get("args", {})), "note": redact(t.get("note"))}
        for t in record.get("tools", [])
    ]
    stored["corrections"] = [redact(c) for c in record.get("corrections", [])]
    return stored


def feedback_scale(rating: int, scale: FeedbackScale | None = None) -> FeedbackScale:
    """The scale a shopper rating is on, checking that the rating fits it.

    Args:
        rating: -1 or +1 (thumbs), or 1 to 5 (stars).
        scale: the scale when the caller knows it; None infers it: -1 and 1 are
            thumbs, 2 to 5 are stars (a widget with stars should say so, since
            1 star and a thumbs-up are the same number).

    Returns:
        "thumbs" or "stars".

    Raises:
        InvalidRequest: the rating is not on the scale.
    """
    if scale is None:
        scale = "thumbs" if rating in (-1, 1) else "stars"
    valid = rating in (-1, 1) if scale == "thumbs" else 1 <= rating <= 5
    if not valid:
        raise InvalidRequest(f"rating {rating} is not a {scale} rating")
    return scale
