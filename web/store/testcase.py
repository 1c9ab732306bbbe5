""" "Save as test case": a stored conversation as a dialogue of the chat evaluation suite."""

from __future__ import annotations

import re
from typing import Any

from web.store.outcomes import SEARCH_TOOLS
from web.store.views import ConversationDetail, TurnView

__all__ = ["dialogue_from_transcript", "product_expectation"]


def product_expectation(turn: TurnView) -> dict[str, Any]:
    """What every product of the turn had to satisfy: the constraints its search used.

    Args:
        turn: an assistant turn with its tool calls.

    Returns:
        A `ProductExpect` mapping (price bounds, category, stock, colour, material,
        rating, excluded words); empty when the turn searched without constraints.
    """
    search = next((t for t in turn.tools if t.get("name") in SEARCH_TOOLS), None)
    if search is None:
        return {}
    filters = (search.get("args") or {}).get("filters") or {}
    attributes = filters.get("attributes") or {}
    out: dict[str, Any] = {}
    for key in ("price_max", "price_min", "min_rating"):
        if filters.get(key) is not None:
            out[key] = float(filters[key])
    if filters.get("category"):
        out["category"] = str(filters["category"])
    if filters.get("in_stock") is not None:
        out["in_stock"] = bool(filters["in_stock"])
    for key in ("color", "material"):
        if attributes.get(key):
            out[key] = str(attributes[key]).lower()
    if filters.get("exclude"):
        out["not_words"] = [str(w) for w in filters["exclude"]]
    return out


def _expect(turn: TurnView | None) -> dict[str, Any]:
    if turn is None:
        return {}  # the shopper's message was never answered (staff took over, or it failed)
    expect: dict[str, Any] = {}
    if turn.intent:
        expect["intent"] = turn.intent
    names = [str(t.get("name")) for t in turn.tools]
    if names:
        expect["tool"] = names[0]
    else:
        expect["no_tools"] = True
    if turn.cards:
        expect["min_products"] = 1
        products = product_expectation(turn)
        if products:
            expect["products"] = products
    else:
        expect["max_products"] = 0
    if turn.handoff:
        expect["handoff"] = True
    if turn.guardrails:
        expect["guardrail"] = turn.guardrails[0].split(":", 1)[0]
    return expect


def dialogue_from_transcript(
    detail: ConversationDetail, dialogue_id: str | None = None
) -> dict[str, Any]:
    """The conversation as a dialogue dict of the chat suite (data/demo/chat_suite.yaml).

    Args:
        detail: the stored conversation.
        dialogue_id: the dialogue's id; "transcript-<conversation id>" by default.

    Returns:
        `{"id", "source", "turns": [{"user", "expect"}]}`, validated by
        `assistant.evaluate.Dialogue`.
    """
    from assistant.evaluate import Dialogue

    summary = detail.summary
    answers = {m.turn_id: m.turn for m in detail.messages if m.role == "assistant"}
    turns: list[dict[str, Any]] = []
    shown: list[str] = []
    for message in detail.messages:
        if message.role != "user" or not message.text.strip():
            continue
        turn = answers.get(message.turn_id)
        turns.append({"user": message.text, "expect": _expect(turn)})
        if turn is not None and turn.cards:
            shown.append(",".join(str(c.get("id")) for c in turn.cards))
    ident = dialogue_id or "transcript-" + re.sub(r"[^\w-]", "", summary.id)[:32]
    source = f"transcript {summary.id} of {summary.started_at.date().isoformat()}"
    if shown:
        source += "; shown: " + " | ".join(shown)
    # No user_id: a suite is shared and committed, the shopper's id stays in the store.
    body: dict[str, Any] = {"id": ident, "source": source, "turns": turns}
    Dialogue.model_validate(body)
    return body
