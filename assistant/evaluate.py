"""Scripted multi-turn chat evaluation: constraint satisfaction, grounding, tools, latency.

A suite (YAML or JSON) holds dialogues of user turns with expectations: what
every shown product must satisfy (price bounds, words in the title or a
category, stock, colour, cheaper than before), how many products, the intent
or tool, and text that must or must not appear. Grounding is audited
independently of the guard: every card must equal the catalog, and every price
or product id in the text must come from a product shown in the dialogue, a
policy passage or the shopper's own words.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from assistant.events import TurnResult
from assistant.grounding import PRICE, parse_amount
from assistant.matching import mentions, words
from assistant.state import ChatMessage, ConversationState, TurnRequest
from assistant.turn import Assistant
from retrieval import Product

__all__ = ["Dialogue", "Suite", "SuiteReport", "TurnOutcome", "load_suite", "run_suite"]


class ProductExpect(BaseModel):
    """What every product shown in a turn must satisfy."""

    price_max: float | None = None
    price_min: float | None = None
    title_any: list[str] = Field(default_factory=list, description="a word in title or category")
    category: str | None = Field(default=None, description="category path prefix")
    in_stock: bool | None = None
    color: str | None = Field(default=None, description="color attribute or a word of the title")
    material: str | None = None
    not_words: list[str] = Field(default_factory=list)
    min_rating: float | None = None
    cheaper_than_previous: bool = False


class TurnExpect(BaseModel):
    """Expectations on one turn."""

    intent: str | list[str] | None = None
    tool: str | None = None
    no_tools: bool = False
    min_products: int | None = None
    max_products: int | None = None
    products: ProductExpect | None = None
    must_contain: list[str] = Field(default_factory=list)
    contains_any: list[str] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list)
    handoff: bool | None = None
    guardrail: str | None = None
    new_products: bool = Field(
        default=False, description="no product repeated from the turn before"
    )


class SuiteTurn(BaseModel):
    """One user message and what the answer must do."""

    user: str
    expect: TurnExpect = Field(default_factory=TurnExpect)


class Dialogue(BaseModel):
    """A scripted conversation."""

    id: str
    source: str = ""
    user_id: str | None = None
    turns: list[SuiteTurn]


class Suite(BaseModel):
    """A named set of dialogues."""

    name: str = "chat suite"
    dialogues: list[Dialogue]


class TurnOutcome(BaseModel):
    """What one scripted turn did and which expectations it missed."""

    dialogue: str
    turn: int
    user: str
    text: str
    intent: str | None
    tools: list[str]
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    shown: list[str]
    failures: list[str]
    violations: list[str]
    corrections: int
    fallback: str | None
    ms: float
    first_event_ms: float

    @property
    def constraint_failures(self) -> list[str]:
        """Failures of product, count and text expectations (not intent or tool)."""
        return [f for f in self.failures if not f.startswith(("intent", "tool"))]


class SuiteReport(BaseModel):
    """Aggregate figures of a suite run."""

    suite: str
    brain: str
    dialogues: int
    turns: int
    constraint_satisfaction: float
    all_expectations: float
    intent_accuracy: float | None
    tool_accuracy: float | None
    grounding_violations: int
    corrections: int
    fallbacks: int
    latency_ms: dict[str, float]
    first_event_ms: dict[str, float]
    outcomes: list[TurnOutcome]

    def summary(self) -> dict[str, Any]:
        """The report without per-turn outcomes, failures listed."""
        body = self.model_dump(exclude={"outcomes"})
        body["failed_turns"] = [
            {
                "dialogue": o.dialogue,
                "turn": o.turn,
                "user": o.user,
                "failures": o.failures,
                "violations": o.violations,
            }
            for o in self.outcomes
            if o.failures or o.violations
        ]
        return body


def load_suite(path: Path) -> Suite:
    """Read a suite from YAML or JSON."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return Suite.model_validate(data)


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(values)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 2)

    return {
        "p50": pct(0.5),
        "p95": pct(0.95),
        "max": round(ordered[-1], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


def _check_product(p: Product, e: ProductExpect, previous: list[float]) -> list[str]:
    out = []
    price = float(p.price)
    if e.price_max is not None and price > e.price_max + 1e-9:
        out.append(f"{p.id} costs {price} > {e.price_max}")
    if e.price_min is not None and price < e.price_min - 1e-9:
        out.append(f"{p.id} costs {price} < {e.price_min}")
    if e.title_any and not any(
        mentions(p, w) or w.lower() in p.category.lower() for w in e.title_any
    ):
        out.append(f"{p.id} '{p.title}' has none of {e.title_any}")
    if e.category and not p.category.lower().startswith(e.category.lower()):
        out.append(f"{p.id} is in {p.category}, not {e.category}")
    if e.in_stock is not None and p.in_stock != e.in_stock:
        out.append(f"{p.id} in_stock={p.in_stock}")
    for name, want in (("color", e.color), ("material", e.material)):
        if want and p.attributes.get(name, "").lower() != want and want not in words(p.title):
            out.append(f"{p.id} '{p.title}' is not {want}")
    for w in e.not_words:
        if mentions(p, w):
            out.append(f"{p.id} '{p.title}' has excluded word {w}")
    if e.min_rating is not None and (p.rating is None or p.rating < e.min_rating):
        out.append(f"{p.id} is rated {p.rating}, not {e.min_rating}+")
    if e.cheaper_than_previous and previous and price >= max(previous):
        out.append(f"{p.id} costs {price}, not below {max(previous)}")
    return out


def _check_turn(
    result: TurnResult,
    e: TurnExpect,
    products: list[Product],
    previous: list[float],
    previous_ids: list[str],
) -> list[str]:
    out: list[str] = []
    if e.new_products:
        out += [f"{c.id} was shown the turn before" for c in result.cards if c.id in previous_ids]
    intent = result.record.intent
    if e.intent is not None:
        allowed = [e.intent] if isinstance(e.intent, str) else e.intent
        if intent not in allowed:
            out.append(f"intent {intent} not in {allowed}")
    tools = [c.name for c in result.record.tools]
    if e.tool and e.tool not in tools:
        out.append(f"tool {e.tool} not called (called {tools})")
    if e.no_tools and tools:
        out.append(f"tools called: {tools}")
    n = len(result.cards)
    if e.min_products is not None and n < e.min_products:
        out.append(f"{n} products < {e.min_products}")
    if e.max_products is not None and n > e.max_products:
        out.append(f"{n} products > {e.max_products}")
    if e.products is not None:
        for p in products:
            out += _check_product(p, e.products, previous)
    text = result.text.lower()
    out += [f"missing '{s}'" for s in e.must_contain if s.lower() not in text]
    if e.contains_any and not any(s.lower() in text for s in e.contains_any):
        out.append(f"none of {e.contains_any}")
    out += [f"contains '{s}'" for s in e.must_not_contain if s.lower() in text]
    if e.handoff is not None and result.record.handoff != e.handoff:
        out.append(f"handoff={result.record.handoff}")
    if e.guardrail and not any(g.startswith(e.guardrail) for g in result.record.guardrails):
        out.append(f"guardrail {e.guardrail} not hit ({result.record.guardrails})")
    return out


def audit(
    result: TurnResult,
    catalog: dict[str, Product],
    shown_so_far: dict[str, Product],
    allowed: set[float],
) -> list[str]:
    """Grounding violations in a turn: cards unlike the catalog, prices or ids from nowhere."""
    out = []
    for c in result.cards:
        p = catalog.get(c.id)
        if p is None:
            out.append(f"card {c.id} is not in the catalog")
        elif (c.title, c.price, c.currency, c.in_stock, c.rating) != (
            p.title,
            float(p.price),
            p.currency,
            p.in_stock,
            p.rating,
        ):
            out.append(f"card {c.id} differs from the catalog")
    prices = {round(float(p.price), 2) for p in shown_so_far.values()} | {
        round(a, 2) for a in allowed
    }
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", result.text):
        named = [p for p in shown_so_far.values() if p.title.lower() in sentence.lower()]
        named = [
            p
            for p in named
            if not any(p.title.lower() in q.title.lower() and p.title != q.title for q in named)
        ]
        for m in PRICE.finditer(sentence):
            amount = round(parse_amount(m)[0], 2)
            if (
                len(named) == 1
                and sentence.count(m.group(0)) == 1
                and len(PRICE.findall(sentence)) == 1
                and abs(amount - float(named[0].price)) > 0.005
            ):
                if not any(
                    abs(amount - float(q.price)) < 0.005
                    for q in shown_so_far.values()
                    if q.title == named[0].title
                ):
                    out.append(f"'{m.group(0)}' is not the price of {named[0].id}")
            elif amount not in prices:
                out.append(f"price '{m.group(0)}' comes from no product shown")
    for token in re.findall(r"\b\d{5}[A-Z]{0,3}\b", result.text):
        if token not in shown_so_far and token not in catalog:
            out.append(f"unknown product id {token}")
    return out


async def run_suite(
    assistant: Assistant,
    suite: Suite,
    *,
    policy_amounts: set[float] | None = None,
    on_turn: Callable[[TurnOutcome], None] | None = None,
) -> SuiteReport:
    """Run every dialogue of a suite through an assistant and score it."""
    outcomes: list[TurnOutcome] = []
    if policy_amounts is None and assistant.policies is not None:
        policy_amounts = {
            parse_amount(m)[0] for s in assistant.policies.sections for m in PRICE.finditer(s.text)
        }
    allowed_base = set(policy_amounts or ())
    for dialogue in suite.dialogues:
        state: ConversationState | None = ConversationState(conversation_id=dialogue.id)
        history: list[ChatMessage] = []
        shown_so_far: dict[str, Product] = {}
        previous: list[float] = []
        previous_ids: list[str] = []
        for n, turn in enumerate(dialogue.turns, start=1):
            started = time.perf_counter()
            result = await assistant.run_turn(
                TurnRequest(
                    message=turn.user, state=state, history=history, user_id=dialogue.user_id
                )
            )
            ms = (time.perf_counter() - started) * 1000
            products = assistant.search.get_many([c.id for c in result.cards])
            catalog = {p.id: p for p in products}
            shown_so_far.update(catalog)
            allowed = allowed_base | {parse_amount(m)[0] for m in PRICE.finditer(turn.user)}
            c = result.state.constraints
            allowed |= {b for b in (c.price_min, c.price_max) if b is not None}
            allowed |= {float(v) for v in re.findall(r"\d+(?:\.\d+)?", turn.user)}
            outcome = TurnOutcome(
                dialogue=dialogue.id,
                turn=n,
                user=turn.user,
                text=result.text,
                intent=result.record.intent,
                tools=[t.name for t in result.record.tools],
                tool_calls=[t.model_dump() for t in result.record.tools],
                shown=[x.id for x in result.cards],
                failures=_check_turn(result, turn.expect, products, previous, previous_ids),
                violations=audit(result, catalog, shown_so_far, allowed),
                corrections=len(result.record.corrections),
                fallback=result.record.fallback,
                ms=round(ms, 2),
                first_event_ms=round(result.first_event_ms, 2),
            )
            outcomes.append(outcome)
            if on_turn is not None:
                on_turn(outcome)
            if result.cards:
                previous = [x.price for x in result.cards]
                previous_ids = [x.id for x in result.cards]
            history += [
                ChatMessage(role="user", content=turn.user),
                ChatMessage(role="assistant", content=result.text),
            ]
            state = result.state
    total = len(outcomes) or 1
    with_intent = [o for o, t in _pairs(suite, outcomes) if t.expect.intent is not None]
    with_tool = [o for o, t in _pairs(suite, outcomes) if t.expect.tool or t.expect.no_tools]
    return SuiteReport(
        suite=suite.name,
        brain=assistant.brain.name,
        dialogues=len(suite.dialogues),
        turns=len(outcomes),
        constraint_satisfaction=round(sum(not o.constraint_failures for o in outcomes) / total, 4),
        all_expectations=round(sum(not o.failures for o in outcomes) / total, 4),
        intent_accuracy=_share(with_intent, "intent"),
        tool_accuracy=_share(with_tool, "tool"),
        grounding_violations=sum(len(o.violations) for o in outcomes),
        corrections=sum(o.corrections for o in outcomes),
        fallbacks=sum(o.fallback is not None for o in outcomes),
        latency_ms=_percentiles([o.ms for o in outcomes]),
        first_event_ms=_percentiles([o.first_event_ms for o in outcomes]),
        outcomes=outcomes,
    )


def _pairs(suite: Suite, outcomes: list[TurnOutcome]) -> list[tuple[TurnOutcome, SuiteTurn]]:
    turns = [t for d in suite.dialogues for t in d.turns]
    return list(zip(outcomes, turns, strict=True))


def _share(outcomes: list[TurnOutcome], prefix: str) -> float | None:
    if not outcomes:
        return None
    ok = sum(not any(f.startswith(prefix) for f in o.failures) for o in outcomes)
    return round(ok / len(outcomes), 4)
