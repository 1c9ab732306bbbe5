"""One turn's working context: the request, the evolving state, tool calls and what to show.

Both brains get a `TurnContext`. They call tools only through `ctx.call(...)`,
which enforces the per-turn limit, injects the shopper's id, times each call,
turns failures into short results, and registers every product a tool returned
as known to the grounding guard.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from assistant.events import ProductCard, ToolCall
from assistant.grounding import PRICE, parse_amount
from assistant.guardrails import clean_catalog_text
from assistant.state import ChatMessage, ConversationState
from assistant.tools import ARM_PLACEMENTS, INJECTED, ToolResult, Tools
from retrieval import Product, ProductSearch, Vocabulary

__all__ = ["TurnContext", "card"]

log = logging.getLogger(__name__)


def card(product: Product, reason: str = "") -> ProductCard:
    """A product card from catalog fields only."""
    return ProductCard(
        id=product.id,
        title=product.title,
        price=float(product.price),
        currency=product.currency,
        image_url=product.image_url,
        rating=product.rating,
        in_stock=product.in_stock,
        url=product.url,
        reason=reason,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass
class TurnContext:
    """What a brain works with during one turn."""

    message: str
    state: ConversationState
    tools: Tools
    search: ProductSearch
    user_id: str | None = None
    arms: dict[str, str] = field(default_factory=dict)
    history: list[ChatMessage] = field(default_factory=list)
    max_tool_calls: int = 6
    max_cards: int = 4
    currency: str = "GBP"
    shop_name: str = "the shop"
    vocabulary: Vocabulary | None = None
    known: dict[str, Product] = field(default_factory=dict)
    policy_amounts: set[float] = field(default_factory=set)
    quote_lines: set[float] = field(default_factory=set)
    quote_totals: set[float] = field(default_factory=set)
    calls: list[ToolCall] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    shown: list[tuple[Product, str]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    guardrails: list[str] = field(default_factory=list)
    intent: str | None = None
    handoff: bool = False

    async def call(self, name: str, args: dict[str, Any] | None = None) -> ToolResult:
        """Run a tool; never raises. Failures come back as `ok=False` with a short message."""
        raw = {k: v for k, v in (args or {}).items() if k not in INJECTED}
        record = ToolCall(name=name, args=_jsonable(raw))
        started = time.perf_counter()
        result = await self._run(name, raw)
        record.ms = round((time.perf_counter() - started) * 1000, 2)
        record.ok, record.products, record.note, record.arm = (
            result.ok,
            len(result.products),
            (result.note or (None if result.ok else result.message)),
            result.arm,
        )
        self.calls.append(record)
        self.results.append(result)
        for p in result.products:
            self.known[p.id] = p
            if clean_catalog_text(p.description)[1] and p.id not in result.flagged:
                result.flagged.append(p.id)
        for s in result.snippets:
            self.policy_amounts.update(parse_amount(m)[0] for m in PRICE.finditer(s.text))
        # A quote's figures are tool results: the guard accepts them like catalog prices.
        if result.quote:
            self.quote_lines.update(t for _, _, t in result.quote)
            if result.total is not None:
                self.quote_totals.add(result.total)
        if result.flagged:
            self.guardrails.append("catalog_injection:" + ",".join(result.flagged))
        return result

    async def _run(self, name: str, raw: dict[str, Any]) -> ToolResult:
        if len(self.calls) >= self.max_tool_calls:
            return ToolResult(
                name,
                ok=False,
                message=f"tool-call limit of {self.max_tool_calls} reached; "
                "answer with what you have",
            )
        fn = self.tools.functions.get(name)
        if fn is None:
            return ToolResult(name, ok=False, message=f"there is no tool named {name}")
        try:
            args = self.tools.validate(name, raw)
        except (ValidationError, ValueError, TypeError) as e:
            return ToolResult(name, ok=False, message=f"bad arguments: {str(e).splitlines()[0]}")
        if name == "recommend_for_user":
            args["user_id"] = self.user_id
            args["seen"] = list(self.state.seen)
            args["model"] = self.arms.get(ARM_PLACEMENTS[name])
        elif name == "similar_products":
            args["model"] = self.arms.get(ARM_PLACEMENTS[name])
        try:
            return await fn(**args)
        except Exception as e:
            code = getattr(e, "code", type(e).__name__)
            log.warning("tool %s failed: %s", name, code, exc_info=log.isEnabledFor(logging.DEBUG))
            return ToolResult(
                name,
                ok=False,
                message=f"{name} is unavailable right now ({code}); try another tool or say so",
            )

    def show(self, products: list[Product], reasons: dict[str, str] | None = None) -> None:
        """Set the turn's product cards (capped), in order."""
        reasons = reasons or {}
        self.shown = [(p, reasons.get(p.id, "")) for p in products[: self.max_cards]]

    def allowed_amounts(self) -> set[float]:
        """Amounts that may appear without a product: policy prices and the shopper's budget."""
        c = self.state.constraints
        own = {parse_amount(m)[0] for m in PRICE.finditer(self.message)}
        bounds = {b for b in (c.price_min, c.price_max) if b is not None}
        return self.policy_amounts | own | bounds | self.quote_lines | self.quote_totals

    def focus_product(self) -> Product | None:
        """The product 'it' means, when it is known."""
        return self.known.get(self.state.focus or "")

    def cards(self) -> list[ProductCard]:
        """The product cards, built from catalog fields."""
        return [card(p, reason) for p, reason in self.shown]
