"""Scripted multi-turn chat evaluation: constraint satisfaction, grounding, tools, latency.

A suite (YAML or JSON) holds dialogues of user turns with expectations: what
every shown product must satisfy (`ProductExpect`: price bounds, brands, words,
categories, stock, colour, rating, ids), what the turn as a whole must do
(`TurnExpect`: how many products, their order, which comes first, a total that
must be quoted, text that must or must not appear, the intent or tool), and
relations to the turn before (the product a reference picks, the cheapest of
the products just shown). Grounding is audited independently of the guard:
every card must equal the catalog, and every amount of money in the text must
be a price of a product shown in the dialogue, a figure of its description, a
total of N of them for an N the shopper said, a policy figure or the shopper's
own number, in the catalog's currency. The evaluator reads words with its own
small matcher (lower case, plural endings), not the assistant's, so that a
change to the assistant's understanding cannot change the yardstick.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from assistant.events import ProductCard, TurnResult
from assistant.state import ChatMessage, ConversationState, TurnRequest
from assistant.turn import Assistant
from retrieval import Product

__all__ = [
    "Chat",
    "ChatOpener",
    "Dialogue",
    "ProductExpect",
    "Suite",
    "SuiteReport",
    "TurnExpect",
    "TurnOutcome",
    "audit",
    "budget_amounts",
    "check_turn",
    "in_process_chats",
    "load_suite",
    "money",
    "run_suite",
]

_NUM = r"\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?"
MONEY = re.compile(
    rf"(?P<sym>[£$€₹])\s?(?P<a>{_NUM})"
    rf"|(?<![A-Za-z])(?P<code>GBP|USD|EUR|INR|Rs\.?)\s?(?P<b>{_NUM})"
    rf"|(?<![\d.,])(?P<c>{_NUM})\s?(?P<word>GBP|USD|EUR|INR|pounds?|quid|dollars?|euros?|"
    r"rupees?|rs\b\.?)(?![A-Za-z])"
    r"|\b(?P<pence>\d{1,2})p\b",
    re.IGNORECASE,
)
_UNIT = {
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "₹": "INR", "inr": "INR", "rs": "INR", "rs.": "INR", "rupee": "INR", "rupees": "INR",
}  # fmt: skip
_NUMBER = re.compile(rf"(?<![\w.])(?:{_NUM})(?![\d])")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def money(text: str) -> list[tuple[str, float, str | None]]:
    """Amounts of money in a text: (as written, amount, ISO currency or None when unsaid)."""
    out: list[tuple[str, float, str | None]] = []
    for m in MONEY.finditer(text):
        if m.group("pence"):
            out.append((m.group(0), int(m.group("pence")) / 100, "GBP"))
            continue
        raw = m.group("a") or m.group("b") or m.group("c") or "0"
        unit = (m.group("sym") or m.group("code") or m.group("word") or "").lower()
        out.append((m.group(0), float(raw.replace(",", "")), _UNIT.get(unit)))
    return out


def numbers(text: str) -> list[float]:
    """Every number written in a text (thousands separators allowed)."""
    return [float(n.replace(",", "")) for n in _NUMBER.findall(text)]


def _stem(word: str) -> str:
    word = word.removesuffix("'s").removesuffix("s'")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses", "oes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _stems(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(text.lower().replace("\u2019", "'")):
        out.append(_stem(w))
        out += [_stem(x) for x in w.split("-") if len(x) > 2 and "-" in w]
    return out


def has_words(text: str, phrase: str) -> bool:
    """True when `phrase` occurs in `text` as whole words (plural endings aside).

    A one-word phrase of four letters or more also matches a word that starts with it and
    is at most six letters longer ("glass" matches "glassware", "red" does not match "redwood").
    """
    want = _stems(phrase)
    have = _stems(text)
    if not want:
        return False
    if len(want) == 1:
        w = want[0]
        return any(
            t == w or (len(w) >= 4 and t.startswith(w) and len(t) - len(w) <= 6) for t in have
        )
    n = len(want)
    return any(have[i : i + n] == want for i in range(len(have) - n + 1))


def _fields(p: Product, names: Iterable[str]) -> list[str]:
    values = {
        "title": [p.title],
        "brand": [p.brand],
        "category": [p.category],
        "attributes": list(p.attributes.values()),
        "description": [p.description],
    }
    return [v for n in names for v in values[n] if v]


def _is_brand(p: Product, brand: str) -> bool:
    """The product's brand field is `brand` or a sub-brand that starts with it ("Amul" takes
    "Amul Gold"), case-insensitive, spaces squeezed."""
    have = " ".join(p.brand.lower().split())
    want = " ".join(brand.lower().split())
    return bool(want) and (have == want or have.startswith(want + " "))


class ProductExpect(BaseModel):
    """What EVERY product shown in a turn must satisfy (a turn showing none satisfies it).

    Words are matched as whole words, case-insensitive, plural endings aside (`has_words`).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    price_max: float | None = Field(default=None, description="price <= this")
    price_min: float | None = Field(default=None, description="price >= this")
    title_any: list[str] = Field(
        default_factory=list, description="one of these words in the title, or in the category"
    )
    category: str | list[str] | None = Field(
        default=None, description="category path starts with this (or one of these) prefix"
    )
    not_category: list[str] = Field(
        default_factory=list, description="category path starts with none of these prefixes"
    )
    in_stock: bool | None = None
    color: str | None = Field(default=None, description="color attribute or a word of the title")
    material: str | None = Field(
        default=None, description="material attribute or a word of the title"
    )
    not_words: list[str] = Field(
        default_factory=list,
        description="none of these words in title, brand, category path or attribute values "
        "(the description is not checked: it may say what a product is not)",
    )
    brand: str | list[str] | None = Field(
        default=None,
        description="brand field is this one (or one of these) or its sub-brand "
        "('Amul' takes 'Amul Gold'), case-insensitive",
    )
    not_brands: list[str] = Field(
        default_factory=list,
        description="brand field is none of these nor a sub-brand of one, and none is in the "
        "title as whole words (catalogs without a brand field name it in the title)",
    )
    min_rating: float | None = Field(
        default=None,
        validation_alias=AliasChoices("min_rating", "rating_min"),
        description="rated at least this (an unrated product fails)",
    )
    ids_in: list[str] = Field(default_factory=list, description="the product is one of these ids")
    not_ids: list[str] = Field(default_factory=list, description="the product is none of these")
    cheaper_than_previous: bool = Field(
        default=False, description="price below the dearest product of the turn before"
    )


Order = Literal["price_asc", "price_desc", "rating_desc"]
Pick = Literal["cheapest", "priciest", "best_rated"]


class TurnExpect(BaseModel):
    """Expectations on one turn."""

    model_config = ConfigDict(extra="forbid")

    intent: str | list[str] | None = None
    not_intent: list[str] = Field(default_factory=list, description="the intent is none of these")
    tool: str | None = None
    not_tools: list[str] = Field(default_factory=list, description="none of these tools called")
    no_tools: bool = False
    min_products: int | None = None
    max_products: int | None = None
    products: ProductExpect | None = None
    order: Order | None = Field(
        default=None,
        description="cards sorted so (ties in any order; unrated last for rating_desc); "
        "needs two cards or more to be tested, so pair it with min_products",
    )
    first_id: str | None = Field(default=None, description="the first card is this product")
    first_in: list[str] = Field(
        default_factory=list, description="the first card is one of these (ties)"
    )
    ids_any: list[str] = Field(
        default_factory=list, description="at least one card is one of these"
    )
    quote_total: float | None = Field(
        default=None, description="this amount is written in the text (a total, a price)"
    )
    amount_any: list[float] = Field(
        default_factory=list, description="at least one of these amounts is written in the text"
    )
    # "The turn before" below is the last earlier turn of the dialogue that showed products.
    pick_from_previous: Pick | None = Field(
        default=None,
        description="the first card is the cheapest / dearest / best rated of the cards the "
        "turn before showed (ties accepted)",
    )
    previous_item: int | None = Field(
        default=None,
        ge=1,
        description="a reference ('the second one'): the first card is the N-th card the turn "
        "before showed (or, with no card, the text names its title); that product becomes "
        "the one the conversation is about, until a later turn shows other products",
    )
    quote_previous: int | None = Field(
        default=None,
        ge=1,
        description="the text writes N x the price of the product referred to: the "
        "`quote_item`-th card of the turn before if given, else the product the conversation "
        "is about (set by `previous_item`), else the first card of the turn before",
    )
    quote_item: int | None = Field(
        default=None, ge=1, description="which card of the turn before `quote_previous` prices"
    )
    from_previous: bool = Field(
        default=False, description="every card is one the turn before showed"
    )
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
    catalog: str = Field(default="", description="the catalog the suite is true of (a note)")
    currency: str | None = Field(
        default=None,
        description="the catalog's currency: money in another is a grounding violation "
        "(unset: the currency of the cards shown)",
    )
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
        has_words(p.title, w) or w.lower() in p.category.lower() for w in e.title_any
    ):
        out.append(f"{p.id} '{p.title}' has none of {e.title_any}")
    cats = [e.category] if isinstance(e.category, str) else e.category or []
    if cats and not any(p.category.lower().startswith(c.lower()) for c in cats):
        out.append(f"{p.id} is in {p.category}, not {' or '.join(cats)}")
    for c in e.not_category:
        if p.category.lower().startswith(c.lower()):
            out.append(f"{p.id} is in excluded category {p.category}")
    if e.in_stock is not None and p.in_stock != e.in_stock:
        out.append(f"{p.id} in_stock={p.in_stock}")
    for name, want in (("color", e.color), ("material", e.material)):
        if (
            want
            and p.attributes.get(name, "").lower() != want.lower()
            and not has_words(p.title, want)
        ):
            out.append(f"{p.id} '{p.title}' is not {want}")
    checked = _fields(p, ("title", "brand", "category", "attributes"))
    for w in e.not_words:
        if any(has_words(text, w) for text in checked):
            out.append(f"{p.id} '{p.title}' has excluded word {w}")
    brands = [e.brand] if isinstance(e.brand, str) else e.brand or []
    if brands and not any(_is_brand(p, b) for b in brands):
        out.append(f"{p.id} is by {p.brand or 'no brand'}, not {' or '.join(brands)}")
    for b in e.not_brands:
        if _is_brand(p, b) or has_words(p.title, b):
            out.append(f"{p.id} '{p.title}' ({p.brand}) is by excluded brand {b}")
    if e.min_rating is not None and (p.rating is None or p.rating < e.min_rating - 1e-9):
        out.append(f"{p.id} is rated {p.rating}, not {e.min_rating}+")
    if e.ids_in and p.id not in e.ids_in:
        out.append(f"{p.id} is not one of {e.ids_in}")
    if p.id in e.not_ids:
        out.append(f"{p.id} must not be shown")
    if e.cheaper_than_previous and previous and price >= max(previous):
        out.append(f"{p.id} costs {price}, not below {max(previous)}")
    return out


def _written(text: str, amount: float) -> bool:
    return any(abs(n - amount) < 0.005 for n in numbers(text))


def _sorted(values: list[float], descending: bool) -> bool:
    pairs = zip(values, values[1:], strict=False)
    return all(a >= b - 1e-9 if descending else a <= b + 1e-9 for a, b in pairs)


def _check_relations(
    result: TurnResult, e: TurnExpect, before: list[ProductCard], focus: ProductCard | None
) -> list[str]:
    """Expectations relative to the cards of the turn before."""
    out: list[str] = []
    first = result.cards[0] if result.cards else None
    needs_before = e.pick_from_previous or e.previous_item or e.quote_previous or e.from_previous
    if needs_before and not before:
        return ["the turn before showed no product to refer to"]
    if e.pick_from_previous:
        key: Callable[[ProductCard], float]
        if e.pick_from_previous == "cheapest":
            key = lambda c: -c.price  # noqa: E731
        elif e.pick_from_previous == "priciest":
            key = lambda c: c.price  # noqa: E731
        else:
            key = lambda c: -1.0 if c.rating is None else c.rating  # noqa: E731
        best = max(key(c) for c in before)
        winners = [c.id for c in before if abs(key(c) - best) < 1e-9]
        if first is None or first.id not in winners:
            got = first.id if first else "no product"
            out.append(f"{e.pick_from_previous} of the turn before is {winners}, shown {got}")
    if e.previous_item:
        if e.previous_item > len(before):
            out.append(f"the turn before showed {len(before)} products, not {e.previous_item}")
        else:
            want = before[e.previous_item - 1]
            if first is not None and first.id != want.id:
                out.append(
                    f"item {e.previous_item} of the turn before is {want.id}, shown {first.id}"
                )
            elif first is None and want.title.lower() not in result.text.lower():
                out.append(f"item {e.previous_item} of the turn before ({want.id}) is not named")
    if e.quote_previous:
        item = focus or before[0]
        if e.quote_item is not None:
            item = before[e.quote_item - 1] if e.quote_item <= len(before) else before[-1]
        total = round(e.quote_previous * item.price, 2)
        if not _written(result.text, total):
            out.append(
                f"total {total} ({e.quote_previous} x {item.price} of {item.id}) not in the text"
            )
    if e.from_previous:
        ids = {c.id for c in before}
        out += [f"{c.id} was not shown the turn before" for c in result.cards if c.id not in ids]
    return out


def check_turn(
    result: TurnResult,
    e: TurnExpect,
    products: list[Product],
    previous: list[float],
    previous_ids: list[str],
    before: list[ProductCard] | None = None,
    focus: ProductCard | None = None,
) -> list[str]:
    """Every expectation of a turn that its result misses, one line each."""
    out: list[str] = []
    if e.new_products:
        out += [f"{c.id} was shown the turn before" for c in result.cards if c.id in previous_ids]
    intent = result.record.intent
    if e.intent is not None:
        allowed = [e.intent] if isinstance(e.intent, str) else e.intent
        if intent not in allowed:
            out.append(f"intent {intent} not in {allowed}")
    if intent is not None and intent in e.not_intent:
        out.append(f"intent {intent} is excluded")
    tools = [c.name for c in result.record.tools]
    if e.tool and e.tool not in tools:
        out.append(f"tool {e.tool} not called (called {tools})")
    if e.no_tools and tools:
        out.append(f"tools called: {tools}")
    out += [f"tool {t} called" for t in e.not_tools if t in tools]
    n = len(result.cards)
    if e.min_products is not None and n < e.min_products:
        out.append(f"{n} products < {e.min_products}")
    if e.max_products is not None and n > e.max_products:
        out.append(f"{n} products > {e.max_products}")
    if e.products is not None:
        for p in products:
            out += _check_product(p, e.products, previous)
    if e.order is not None:
        if e.order == "rating_desc":
            values = [-1.0 if c.rating is None else c.rating for c in result.cards]
        else:
            values = [c.price for c in result.cards]
        if not _sorted(values, e.order != "price_asc"):
            out.append(f"cards not in {e.order} order: {values}")
    first = result.cards[0].id if result.cards else None
    if e.first_id is not None and first != e.first_id:
        out.append(f"first product {first}, not {e.first_id}")
    if e.first_in and first not in e.first_in:
        out.append(f"first product {first} is not one of {e.first_in}")
    if e.ids_any and not any(c.id in e.ids_any for c in result.cards):
        out.append(f"none of {e.ids_any} shown")
    if e.quote_total is not None and not _written(result.text, e.quote_total):
        out.append(f"total {e.quote_total} not in the text")
    if e.amount_any and not any(_written(result.text, a) for a in e.amount_any):
        out.append(f"none of the amounts {e.amount_any} in the text")
    out += _check_relations(result, e, before or [], focus)
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


def tool_product_ids(result: TurnResult) -> list[str]:
    """Product ids in the arguments of the turn's tool calls (`product_id`, `product_ids`,
    nested too: a quote's items)."""
    out: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key in ("product_id", "product_ids") and isinstance(value, (str, int)):
            out.append(str(value))

    for call in result.record.tools:
        walk(call.args)
    return list(dict.fromkeys(out))


def quote_totals(result: TurnResult, known: dict[str, Product], quantities: set[int]) -> set[float]:
    """Totals of the turn's quote calls (items of `product_id` and `quantity`), each line's
    quantity one the shopper said (or 1), priced from the catalog."""
    out: set[float] = set()
    for call in result.record.tools:
        items = call.args.get("items")
        if not isinstance(items, list):
            continue
        total, ok = 0.0, bool(items)
        for item in items:
            pid = str(item.get("product_id", "")) if isinstance(item, dict) else ""
            qty = item.get("quantity", 1) if isinstance(item, dict) else None
            if pid not in known or not isinstance(qty, int) or qty not in quantities | {1}:
                ok = False
                break
            total += qty * float(known[pid].price)
        if ok:
            out.add(round(total, 2))
    return out


def budget_amounts(result: TurnResult) -> set[float]:
    """The price bounds the turn worked with, which its answer may say back ("under £5"):
    the conversation state's and the filters of its tool calls (the state stays on the
    server of a served instance; the record's tool calls come with its transcript)."""
    c = result.state.constraints
    bounds: list[Any] = [c.price_min, c.price_max]
    for call in result.record.tools:
        filters = call.args.get("filters")
        if isinstance(filters, dict):
            bounds += [filters.get("price_min"), filters.get("price_max")]
    return {float(b) for b in bounds if isinstance(b, (int, float))}


# Quantities shoppers say in words ("two of the second one", "a dozen"): the audit reads them
# itself, so that it never depends on the assistant's own reading of the message.
_SAID_NUMBERS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "fifty": 50,
    "a hundred": 100,
    "dozen": 12,
    "half a dozen": 6,
    "a couple": 2,
    "a pair": 2,
}
_SAID_NUMBER = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, _SAID_NUMBERS), key=len, reverse=True)) + r")\b"
)


def said_quantities(said: Iterable[str]) -> set[int]:
    """Whole numbers from 2 to 10,000 in the shopper's messages, in digits or in words
    ("a dozen"): quantities a quote may use."""
    out = {int(n) for t in said for n in numbers(t) if n.is_integer() and 1 < n <= 10_000}
    out |= {_SAID_NUMBERS[m.group(0)] for t in said for m in _SAID_NUMBER.finditer(t.lower())}
    return out


def allowed_amounts(
    shown: Iterable[Product], said: Iterable[str], policy: Iterable[float]
) -> set[float]:
    """Amounts an answer may write: prices and description figures of products shown, N x a
    price for each whole N the shopper wrote (quotes), the shopper's numbers, policy figures."""
    shown = list(shown)
    said = list(said)
    prices = {round(float(p.price), 2) for p in shown}
    quantities = said_quantities(said)
    out = set(prices) | {round(a, 2) for a in policy}
    out |= {round(n, 2) for t in said for n in numbers(t)}
    out |= {round(q * x, 2) for q in quantities for x in prices}
    for p in shown:
        out |= {round(a, 2) for _, a, _ in money(p.description)}
    return out


_ECHO = re.compile(
    r"(?:under|below|less than|up to|upto|at most|no more than|max(?:imum)?|over|above|"
    r"more than|at least|from|between|budget(?: of)?|within|around|about|and|to|-)\s*$",
    re.IGNORECASE,
)


def _echo(sentence: str, written: str, amount: float, allowed: set[float]) -> bool:
    """True when an allowed amount follows a budget word: a budget said back ("... under ₹150")."""
    at = sentence.find(written)
    return round(amount, 2) in allowed and bool(_ECHO.search(sentence[max(0, at - 20) : at]))


def audit(
    result: TurnResult,
    catalog: dict[str, Product],
    shown_so_far: dict[str, Product],
    allowed: set[float],
    currency: str | None = None,
    policy: set[float] | None = None,
    quantities: set[int] | None = None,
) -> list[str]:
    """Grounding violations in a turn: cards unlike the catalog, money from nowhere or in
    another currency than the catalog's, product ids never shown.

    `allowed` holds the amounts the text may write besides the prices of `shown_so_far`;
    `currency` is the catalog's (None: not checked); `policy` amounts may be in any currency;
    a sentence naming one product may write its price or N x its price for N in `quantities`.
    """
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
    policy = policy or set()
    echoable = {round(a, 2) for a in allowed}
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
        found = money(sentence)
        for written, amount, unit in found:
            amount = round(amount, 2)
            if currency and unit and unit != currency and amount not in policy:
                out.append(f"'{written}' is in {unit}, the catalog's prices are in {currency}")
            elif (
                len(named) == 1
                and not _echo(sentence, written, amount, echoable)
                and sentence.count(written) == 1
                and len(found) == 1
                and abs(amount - float(named[0].price)) > 0.005
                and not any(
                    abs(amount - q * float(named[0].price)) < 0.005 for q in quantities or ()
                )
            ):
                if not any(
                    abs(amount - float(q.price)) < 0.005
                    for q in shown_so_far.values()
                    if q.title == named[0].title
                ):
                    out.append(f"'{written}' is not the price of {named[0].id}")
            elif amount not in prices:
                out.append(f"price '{written}' comes from no product shown")
    # An id-like token (the demo shop's stock codes) from nowhere; a model number or a count
    # that a shown product's own title, description or rating count carries is not one.
    listed = " ".join(f"{p.title} {p.description} {p.rating_count}" for p in shown_so_far.values())
    for token in re.findall(r"\b\d{5}[A-Z]{0,3}\b", result.text):
        if (
            token not in shown_so_far
            and token not in catalog
            and float(token[:5]) not in prices
            and not re.search(rf"\b{token}\b", listed)
        ):
            out.append(f"unknown product id {token}")
    return out


class Chat(Protocol):
    """One scripted conversation with the assistant under test, turn after turn."""

    async def say(self, message: str) -> TurnResult:
        """The whole answer to the shopper's next message (its state and history carried)."""
        ...


# Opens one conversation per dialogue and closes it after the dialogue's last turn.
ChatOpener = Callable[[Dialogue], AbstractAsyncContextManager[Chat]]


class _InProcessChat:
    """A conversation with an assistant in this process: the caller keeps state and history,
    as the gateway does for a socket."""

    def __init__(self, assistant: Assistant, dialogue: Dialogue, conversation_id: str) -> None:
        self.assistant = assistant
        self.user_id = dialogue.user_id
        self.state: ConversationState | None = ConversationState(conversation_id=conversation_id)
        self.history: list[ChatMessage] = []

    async def say(self, message: str) -> TurnResult:
        result = await self.assistant.run_turn(
            TurnRequest(
                message=message, state=self.state, history=self.history, user_id=self.user_id
            )
        )
        self.history += [
            ChatMessage(role="user", content=message),
            ChatMessage(role="assistant", content=result.text),
        ]
        self.state = result.state
        return result


def in_process_chats(
    assistant: Assistant, conversation_ids: Mapping[str, str] | None = None
) -> ChatOpener:
    """Dialogues with `assistant` itself, in this process (`run_suite`'s default).

    Args:
        assistant: who answers.
        conversation_ids: the conversation id of each dialogue, by dialogue id (default: the
            dialogue's id). The id seeds the answers' wording: a served run's ids give its
            words back.
    """
    ids = conversation_ids or {}

    @asynccontextmanager
    async def open_chat(dialogue: Dialogue) -> AsyncIterator[Chat]:
        yield _InProcessChat(assistant, dialogue, ids.get(dialogue.id, dialogue.id))

    return open_chat


async def run_suite(
    assistant: Assistant,
    suite: Suite,
    *,
    policy_amounts: set[float] | None = None,
    on_turn: Callable[[TurnOutcome], None] | None = None,
    chats: ChatOpener | None = None,
) -> SuiteReport:
    """Run every dialogue of a suite and score it.

    Args:
        assistant: the assistant whose catalog and policies the answers are audited against;
            it answers too unless `chats` is given.
        suite: the dialogues and their expectations.
        policy_amounts: amounts of money the policies write (default: `assistant`'s).
        on_turn: called with each turn's outcome as it is scored.
        chats: who answers, one conversation per dialogue (default: `assistant` in this
            process; web's `socket_chats` asks a served instance over its websocket).
    """
    outcomes: list[TurnOutcome] = []
    if policy_amounts is None and assistant.policies is not None:
        policy_amounts = {a for s in assistant.policies.sections for _, a, _ in money(s.text)}
    policy = {round(a, 2) for a in policy_amounts or ()}
    open_chat = chats or in_process_chats(assistant)
    brains: list[str] = []
    for dialogue in suite.dialogues:
        async with open_chat(dialogue) as chat:
            outcomes += await _run_dialogue(
                chat, dialogue, assistant, suite, policy, on_turn, brains
            )
    total = len(outcomes) or 1
    total = len(outcomes) or 1
    with_intent = [o for o, t in _pairs(suite, outcomes) if t.expect.intent is not None]
    with_tool = [o for o, t in _pairs(suite, outcomes) if t.expect.tool or t.expect.no_tools]
    return SuiteReport(
        suite=suite.name,
        # The brain that answered (a served instance's may not be this process's).
        brain=assistant.brain.name if chats is None else (brains[0] if brains else "unknown"),
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


async def _run_dialogue(
    chat: Chat,
    dialogue: Dialogue,
    assistant: Assistant,
    suite: Suite,
    policy: set[float],
    on_turn: Callable[[TurnOutcome], None] | None,
    brains: list[str],
) -> list[TurnOutcome]:
    """Say each turn of a dialogue through `chat` and score the answers."""
    outcomes: list[TurnOutcome] = []
    shown_so_far: dict[str, Product] = {}
    said: list[str] = []
    previous: list[float] = []
    previous_ids: list[str] = []
    before: list[ProductCard] = []
    focus: ProductCard | None = None
    for n, turn in enumerate(dialogue.turns, start=1):
        started = time.perf_counter()
        result = await chat.say(turn.user)
        ms = (time.perf_counter() - started) * 1000
        brains.append(result.record.brain)
        products = assistant.search.get_many([c.id for c in result.cards])
        catalog = {p.id: p for p in products}
        shown_so_far.update(catalog)
        # Products a tool call of the turn named (get_product, compare, quote ...) are
        # tool results too: their prices may be said without a card.
        named_ids = [i for i in tool_product_ids(result) if i not in shown_so_far]
        shown_so_far.update({p.id: p for p in assistant.search.get_many(named_ids)})
        said.append(turn.user)
        allowed = allowed_amounts(shown_so_far.values(), said, policy)
        allowed |= quote_totals(result, shown_so_far, said_quantities(said))
        allowed |= budget_amounts(result)
        currency = suite.currency or next((x.currency for x in result.cards), None)
        outcome = TurnOutcome(
            dialogue=dialogue.id,
            turn=n,
            user=turn.user,
            text=result.text,
            intent=result.record.intent,
            tools=[t.name for t in result.record.tools],
            tool_calls=[t.model_dump() for t in result.record.tools],
            shown=[x.id for x in result.cards],
            failures=check_turn(
                result, turn.expect, products, previous, previous_ids, before, focus
            ),
            violations=audit(
                result,
                catalog,
                shown_so_far,
                allowed,
                currency,
                policy,
                said_quantities(said),
            ),
            corrections=len(result.record.corrections),
            fallback=result.record.fallback,
            ms=round(ms, 2),
            first_event_ms=round(result.first_event_ms, 2),
        )
        outcomes.append(outcome)
        if on_turn is not None:
            on_turn(outcome)
        n_ref = turn.expect.previous_item
        if n_ref is not None and n_ref <= len(before):
            focus = before[n_ref - 1]
        elif result.cards:
            focus = None
        if result.cards:
            previous = [x.price for x in result.cards]
            previous_ids = [x.id for x in result.cards]
            before = list(result.cards)
    return outcomes


def _pairs(suite: Suite, outcomes: list[TurnOutcome]) -> list[tuple[TurnOutcome, SuiteTurn]]:
    turns = [t for d in suite.dialogues for t in d.turns]
    return list(zip(outcomes, turns, strict=True))


def _share(outcomes: list[TurnOutcome], prefix: str) -> float | None:
    if not outcomes:
        return None
    ok = sum(not any(f.startswith(prefix) for f in o.failures) for o in outcomes)
    return round(ok / len(outcomes), 4)
