"""The agent's tools: typed async functions over ProductSearch, Recommender and the policies.

`make_tools(search, recommender, policies)` closes over the ports and returns
them with their model-facing schemas (each function's docstring is its
description). Both brains call the same functions; a tool never raises to its
caller: `TurnTools` (assistant/context.py) turns failures into short results.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from langchain_core.tools import InjectedToolArg, StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field

from assistant.guardrails import clean_catalog_text
from assistant.matching import (
    content_words,
    corrected_words,
    described,
    distinct_titles,
    keeps,
    mentions,
    names,
    not_for_others,
    order_by,
    product_terms,
    rank_by_words,
    shelved,
    stem,
    words,
)
from assistant.policies import PolicyIndex, PolicySnippet
from assistant.sizes import Direction, by_size, strip_measures
from assistant.state import ProductFilters
from recsys import BadRequest as RecsysBadRequest
from recsys import Filters, Recommendation, Recommender
from retrieval import Hit, Product, ProductSearch

__all__ = ["INJECTED", "QuoteItem", "ToolFn", "ToolResult", "Tools", "make_tools"]

log = logging.getLogger(__name__)

MAX_K = 8
STRONG_SIMILARITY = 0.6
# Arguments the turn fills in itself; the model never sees or sets them.
INJECTED = ("user_id", "seen", "model")
# The experiment placements of the chat: which tool serves which (web's experiments choose
# an arm, a recommender model, per placement and conversation).
ARM_PLACEMENTS = {"recommend_for_user": "chat_for_you", "similar_products": "chat_similar"}


def _title_key(title: str) -> frozenset[str]:
    """A title's content words, stemmed: "Chocos - Moons & Stars" and "Chocos Moon & Stars" are
    one product in two listings, never an alternative to itself."""
    return frozenset(stem(w) for w in content_words(title)) or frozenset({title.strip().lower()})


@dataclass
class ToolResult:
    """What a tool found: products and passages for the brains, `for_model()` for an LLM."""

    tool: str
    ok: bool = True
    message: str = ""
    products: list[Product] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    snippets: list[PolicySnippet] = field(default_factory=list)
    note: str | None = None
    missing: list[str] = field(default_factory=list)
    alternatives: bool = False
    partial: bool = False
    degraded: bool = False
    arm: str | None = None
    flagged: list[str] = field(default_factory=list)
    quote: list[tuple[str, int, float]] = field(default_factory=list)
    total: float | None = None
    threshold: float | None = None

    def for_model(self) -> str:
        """The result as compact JSON; catalog text is data, cleaned of instruction-like text."""
        products = []
        for p in self.products:
            description, cut = clean_catalog_text(p.description[:300])
            if cut and p.id not in self.flagged:
                self.flagged.append(p.id)
            item: dict[str, Any] = {
                "id": p.id,
                "title": p.title,
                "price": float(p.price),
                "currency": p.currency,
                "in_stock": p.in_stock,
                "rating": p.rating,
                "category": p.category,
                "description": description,
            }
            if p.attributes:
                item["attributes"] = p.attributes
            if p.brand:
                item["brand"] = p.brand
            if p.id in self.reasons:
                item["reason"] = self.reasons[p.id]
            products.append(item)
        body: dict[str, Any] = {"ok": self.ok}
        for key, value in (("message", self.message), ("note", self.note)):
            if value:
                body[key] = value
        if self.missing:
            body["not_in_catalog"] = self.missing
        if self.alternatives:
            body["nearest_alternatives_only"] = True
        if self.partial:
            body["partial_match"] = "no product carries all the words; these carry some of them"
        if products or self.tool != "answer_policy":
            body["products"] = products
        if self.quote:
            body["quote"] = [
                {"product_id": pid, "quantity": q, "line_total": t} for pid, q, t in self.quote
            ]
            body["total"] = self.total
            if self.threshold is not None:
                body["free_delivery_over"] = self.threshold
        if self.snippets:
            body["policy"] = [
                {"title": s.title, "section": s.heading, "text": s.text} for s in self.snippets
            ]
        return json.dumps(body, ensure_ascii=False)


ToolFn = Callable[..., Awaitable[ToolResult]]


@dataclass
class Tools:
    """The tool functions by name, with their StructuredTool wrappers for schemas and checks."""

    functions: dict[str, ToolFn]
    structured: dict[str, StructuredTool]

    def schemas(self) -> list[dict[str, Any]]:
        """OpenAI tool schemas (injected arguments left out)."""
        return [convert_to_openai_tool(t) for t in self.structured.values()]

    def validate(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Arguments checked and coerced by the tool's schema (raises ValueError when bad)."""
        schema = self.structured[name].args_schema
        assert isinstance(schema, type) and issubclass(schema, BaseModel)
        model = schema.model_validate(args)
        return {k: getattr(model, k) for k in model.model_fields_set | set(args)}


class QuoteItem(BaseModel):
    """One line of a quote: a product and how many of it."""

    product_id: str
    quantity: int = Field(ge=1, le=100_000)


_FREE_OVER = re.compile(
    r"free (?:standard |uk |home )?(?:delivery|shipping|postage)[^.]*?(?:over|above|from|of|"
    r"exceeding|at least)\s*[£$€₹]?\s*(?P<amount>\d[\d,]*(?:\.\d{1,2})?)"
    # "Orders of £40 or more ship free"
    r"|(?:orders?|baskets?|spend(?:ing)?)\s+(?:of|over|above|from|worth)\s*(?:[£$€₹]|rs\.?\s*)?"
    r"(?P<after>\d[\d,]*(?:\.\d{1,2})?)[^.]*?\b(?:ships?|delivered|get|gets|qualify for|"
    r"have)\s+(?:free|for free)",
    re.IGNORECASE,
)


def _rec_filters(filters: ProductFilters) -> Filters:
    return Filters(
        in_stock=filters.in_stock,
        category=filters.category,
        price_min=filters.price_min,
        price_max=filters.price_max,
    )


@functools.lru_cache(maxsize=1)
def _containers() -> frozenset[str]:
    """What a product comes in ("bottle", "jar"): the shopper's language's words."""
    from assistant.brains.offline.language import ShopperLanguage

    return frozenset(ShopperLanguage.load("en").containers)


def make_tools(
    search: ProductSearch,
    recommender: Recommender | None,
    policies: PolicyIndex | None,
    *,
    alternative_min_similarity: float = 0.45,
) -> Tools:
    """The tools over these ports.

    Args:
        search: the catalog (in-process or HTTP).
        recommender: recsys (in-process or HTTP); None: recommendations fall back to search.
        policies: the shop's policy passages; None: policy questions get no passages.
        alternative_min_similarity: cosine floor for "nearest alternatives".
    """

    async def catalog_products(
        recs: Sequence[Recommendation],
        f: ProductFilters,
        k: int,
        skip: Sequence[str] = (),
        titles: frozenset[str] = frozenset(),
    ) -> tuple[list[Product], dict[str, str]]:
        ids = [r.product_id for r in recs if r.product_id not in skip]
        found = await asyncio.to_thread(search.get_many, ids)
        kept = [p for p in found if keeps(p, f) and p.title.strip().lower() not in titles][:k]
        reasons = {r.product_id: r.reason.text for r in recs}
        return kept, {p.id: reasons[p.id] for p in kept if p.id in reasons}

    async def like(
        product: Product, f: ProductFilters, k: int, skip: Sequence[str]
    ) -> list[Product]:
        page = await asyncio.to_thread(
            search.search,
            product.title,
            f.search_filters(),
            min(100, k * 3 + len(skip) + 1),
            0,
            "vector",
        )
        same = _title_key(product.title)
        pool = [
            h.product
            for h in page.hits
            if h.product.id != product.id
            and h.product.id not in skip
            and _title_key(h.product.title) != same
        ]
        return order_by([p for p in pool if keeps(p, f)], f.sort)[:k]

    async def sized(base: Product, f: ProductFilters, k: int, size: Direction) -> ToolResult:
        """The same kind of thing as `base` in the next sizes up or down."""
        page = await asyncio.to_thread(
            search.search, strip_measures(base.title), f.search_filters(), 100, 0, "hybrid"
        )
        pool = [h.product for h in page.hits if keeps(h.product, f)]
        # The same kind first: its own category, then any.
        same = [p for p in pool if p.category == base.category]
        found = by_size(base, same, size) or by_size(base, pool, size)
        note = f"{size} than {base.title}" if found else f"nothing {size} than {base.title}"
        return ToolResult("similar_products", products=found[:k], note=note)

    async def search_products(
        query: str,
        filters: ProductFilters | None = None,
        exclude_ids: list[str] | None = None,
        k: int = 4,
        any_of: list[str] | None = None,
    ) -> ToolResult:
        """Search the shop's catalog. Use it to find, browse or filter products.

        Put the product words in `query` ("heart t-light holder", "lunch bag") and every
        condition in `filters`: each product returned satisfies all of them. An empty query
        lists the filtered catalog. The result says which words the shop has nothing for
        (`not_in_catalog`) and when the products are only the nearest alternatives.

        Args:
            query: the product words the shopper used, without prices or conditions.
            filters: conditions: category prefix, price_min / price_max, attributes such as
                color, material or pack_size, in_stock, min_rating, sort (relevance,
                price_asc, price_desc) and words to exclude.
            exclude_ids: products already shown, to leave out ("show me more").
            k: how many products to return, 1 to 8.
            any_of: things that suit an occasion or interest ("picnic": blanket, hamper,
                cool bag): each product returned carries one of them, and the list mixes
                them. `query` then names the occasion.
        """
        f = filters or ProductFilters()
        k = max(1, min(MAX_K, k))
        skip = set(exclude_ids or [])
        if any_of:
            return await suited(query, any_of, f, k, skip)
        fetch = min(100, max(24, k * 4) + len(skip))
        page = await asyncio.to_thread(search.search, query, f.search_filters(), fetch)
        hits = list(page.hits)
        if f.prefer and query.strip():
            # "Ink for a canon printer": the products made for it may rank low for "ink".
            suits = " ".join([query, *f.prefer])
            hits += (await asyncio.to_thread(search.search, suits, f.search_filters(), fetch)).hits
        if f.sort != "relevance" and query.strip():
            # "The cheapest candle" is the cheapest of every candle, not of the first page.
            hits += await every_match(query, f)
        pool = list(
            {
                h.product.id: h.product
                for h in hits
                if h.product.id not in skip and keeps(h.product, f)
            }.values()
        )
        wanted = corrected_words(query, page.corrected_query)
        result = ToolResult("search_products")
        sales = await sales_rank(f) if f.sort == "popularity" else None
        if wanted:
            matching, complete = rank_by_words(pool, wanted, f.sort, sales, f.prefer)
            if (
                not complete
                and len(wanted) >= 2
                and wanted[-1] in _containers()
                # "biscuit tins" are tins when some are: only honey no bottle is called
                and not any(mentions(p, wanted[-2]) and mentions(p, wanted[-1]) for p in pool)
            ):
                # "A small honey bottle" is honey, in a bottle: when no product is both, the
                # word before the container is the thing wanted.
                inner = wanted[:-1]
                more = await asyncio.to_thread(
                    search.search, " ".join(inner), f.search_filters(), fetch
                )
                pool_in = pool + [
                    h.product
                    for h in more.hits
                    if h.product.id not in skip and keeps(h.product, f)
                ]
                found, done = rank_by_words(
                    list({p.id: p for p in pool_in}.values()), inner, f.sort, sales, f.prefer
                )
                # ... and the thing is a kind the shop shelves ("Honey"), not a word that
                # only describes the container ("biscuit tins" at a gift shop are tins).
                if any(mentions(p, inner[-1]) for p in found) and any(
                    shelved(p, inner[-1]) for p in found
                ):
                    pool, wanted, matching, complete = pool_in, inner, found, done
            result.partial = bool(matching) and not complete
            # A number is no product the shop could lack ("12.3x5", "5pounds").
            # A describing word may be in a description only ("investment"); the product
            # itself (the head noun) must be named.
            absent = [
                w
                for w in wanted
                if not any(c.isdigit() for c in w)
                and not any(mentions(p, w) for p in pool)
                and (w == wanted[-1] or not any(described(p, w) for p in pool))
            ]
            for word in absent:
                # Carried means named by a product (title, category, brand, attributes), not
                # mentioned in a description ("lint remover for sofas" sells no sofa).
                probe = await asyncio.to_thread(search.search, word, None, 10, 0, "keyword")
                if not any(mentions(h.product, word) for h in probe.hits):
                    result.missing.append(word)
            head = wanted[-1]
            if head not in result.missing and not any(names(p, head) for p in pool):
                # Products made for a sofa are no sofa: does the catalog sell one at all?
                probe = await asyncio.to_thread(search.search, head, None, 20, 0, "keyword")
                if not any(names(h.product, head) for h in probe.hits):
                    result.missing.append(head)
            if result.missing and wanted[-1] in result.missing:
                # The head noun is unknown ("robust SMARTPHONE"): the shop does not sell it.
                alt = await asyncio.to_thread(
                    search.search, query, f.search_filters(), fetch, 0, "vector"
                )
                near = [h for h in alt.hits if h.product.id not in skip and keeps(h.product, f)]
                best = max((h.score for h in near), default=0.0)
                near = [h for h in near if h.score >= alternative_min_similarity]
                matching = order_by([h.product for h in near], f.sort)
                result.alternatives = bool(matching) and best < STRONG_SIMILARITY
                result.partial = False
                result.note = f"the catalog has nothing called {', '.join(result.missing)}"
            elif not matching:
                result.note = "nothing in the catalog matches these words with these filters"
            pool = matching
        else:
            pool = order_by(pool, f.sort, sales)
        result.products = distinct_titles(not_for_others(pool, f.prefer, f.avoid))[:k]
        if page.corrected_query:
            result.message = f"searched for '{page.corrected_query}'"
        return result

    async def sales_rank(f: ProductFilters, depth: int = 1000) -> dict[str, int] | None:
        """The shop's best sellers in order, for "most popular" in a catalog without rating
        counts (the recommender's popularity); None when it cannot say."""
        if recommender is None:
            return None
        try:
            recs = await asyncio.to_thread(
                recommender.recommend_for_session, [], depth, _rec_filters(f)
            )
        except Exception as e:  # recsys down or untrained: rating counts decide
            log.warning("sales rank unavailable (%s)", type(e).__name__)
            return None
        return {r.product_id: n for n, r in enumerate(recs)} or None

    async def every_match(query: str, f: ProductFilters, limit: int = 600) -> list[Hit]:
        """Keyword matches of a query page by page (for a sort over all of them)."""
        out: list[Hit] = []
        for offset in range(0, limit, 100):
            got = await asyncio.to_thread(
                search.search, query, f.search_filters(), 100, offset, "keyword"
            )
            out += got.hits
            if len(got.hits) < 100:
                break
        return out

    async def suited(
        query: str, ideas: list[str], f: ProductFilters, k: int, skip: set[str]
    ) -> ToolResult:
        """Products that carry one of the ideas, one idea after another, best first."""
        text = " ".join([query, *ideas])[:480]
        page = await asyncio.to_thread(search.search, text, f.search_filters(), 100)
        hits = list(page.hits)
        if ideas:
            # The first idea leads (a person's own name, "mum"): its products join the pool.
            lead = await asyncio.to_thread(search.search, ideas[0], f.search_filters(), 24)
            hits = hits + lead.hits
        pool = [h.product for h in hits if h.product.id not in skip and keeps(h.product, f)]
        # Within each idea: what carries more of the request ("pink butterflies"), then what
        # can be bought now.
        asked = content_words(query)
        pool = sorted(pool, key=lambda p: (-sum(mentions(p, w) for w in asked), not p.in_stock))
        by_idea: dict[str, list[Product]] = {}
        carries: dict[str, list[Product]] = {}  # what also carries the request's own words
        for p in distinct_titles(pool):
            terms = product_terms(p)
            idea = next((i for i in ideas if all(mentions(p, w, terms) for w in i.split())), None)
            if idea is not None:
                by_idea.setdefault(idea, []).append(p)
                if asked and all(mentions(p, w, terms) for w in asked):
                    carries.setdefault(idea, []).append(p)
        # "Just had a baby": a baby's bib and teddy before a teddy-shaped cake mould, when the
        # catalog has enough of them.
        if sum(map(len, carries.values())) >= k:
            by_idea = carries
        picked: list[Product] = []
        while len(picked) < k and any(by_idea.values()):
            for idea in ideas:
                if by_idea.get(idea) and len(picked) < k:
                    picked.append(by_idea[idea].pop(0))
        result = ToolResult("search_products", products=order_by(picked, f.sort))
        if not picked:
            result.note = "nothing in the catalog suits this with these filters"
        return result

    async def get_product(product_id: str) -> ToolResult:
        """Look up one product by its id: title, price, stock, category, attributes, description.

        Args:
            product_id: the product's id, exactly as a tool result gave it.
        """
        product = await asyncio.to_thread(search.get, product_id)
        if product is None:
            return ToolResult("get_product", ok=False, message=f"no product with id {product_id}")
        return ToolResult("get_product", products=[product])

    async def compare_products(product_ids: list[str]) -> ToolResult:
        """Fetch two to four products side by side, to compare price, stock and attributes.

        Args:
            product_ids: the ids of the products to compare, as tool results gave them.
        """
        found = await asyncio.to_thread(search.get_many, list(dict.fromkeys(product_ids))[:4])
        if len(found) < 2:
            return ToolResult(
                "compare_products",
                ok=False,
                products=found,
                message="need at least two known product ids to compare",
            )
        return ToolResult("compare_products", products=found)

    async def recommend_for_user(
        filters: ProductFilters | None = None,
        k: int = 4,
        user_id: Annotated[str | None, InjectedToolArg] = None,
        seen: Annotated[list[str] | None, InjectedToolArg] = None,
        model: Annotated[str | None, InjectedToolArg] = None,
    ) -> ToolResult:
        """Recommend products for this shopper: from their own purchases when they are signed
        in, otherwise from what they looked at in this chat, otherwise the shop's best sellers.
        Use it for "what do you recommend?", "any ideas?", "what's popular?".

        Args:
            filters: conditions every recommendation must satisfy (category, price, stock ...).
            k: how many products, 1 to 8.
        """
        f = filters or ProductFilters()
        k = max(1, min(MAX_K, k))
        seen_ids = list(seen or [])
        try:
            if recommender is None:
                raise LookupError("no recommender configured")
            n = k * 3 + len(seen_ids)
            call: Callable[..., Sequence[Any]] = (
                recommender.recommend if user_id else recommender.recommend_for_session
            )
            target: Any = user_id if user_id else seen_ids
            recs, arm = await with_arm(call, model, target, n, _rec_filters(f))
            products, reasons = await catalog_products(recs, f, k, seen_ids)
            if products:
                return ToolResult("recommend_for_user", products=products, reasons=reasons, arm=arm)
        except Exception as e:
            log.warning(
                "recommendations unavailable (%s); falling back to search", type(e).__name__
            )
        fallback = await search_products(" ".join(content_words(f.category or "")), f, seen_ids, k)
        fallback.tool = "recommend_for_user"
        fallback.degraded = True
        fallback.note = "personal recommendations are not available; these come from the catalog"
        return fallback

    async def with_arm(
        call: Callable[..., Sequence[Any]], model: str | None, *args: Any
    ) -> tuple[Sequence[Any], str | None]:
        """The recommender's answer from the experiment's arm; the served model's when the
        arm is not in the served artifact (the answer then names no arm)."""
        if model is None:
            return await asyncio.to_thread(call, *args), None
        try:
            return await asyncio.to_thread(functools.partial(call, model=model), *args), model
        except RecsysBadRequest as e:
            log.warning("arm %s refused (%s); the served model answers", model, e.code)
            return await asyncio.to_thread(call, *args), None

    async def related(
        tool: str,
        call: Callable[..., Sequence[Any]],
        product_id: str,
        filters: ProductFilters | None,
        k: int,
        empty_note: str,
        error_note: str,
        model: str | None = None,
    ) -> ToolResult:
        """Products the recommender relates to one product, or similar ones from the catalog."""
        f = filters or ProductFilters()
        k = max(1, min(MAX_K, k))
        base = await asyncio.to_thread(search.get, product_id)
        if base is None:
            return ToolResult(tool, ok=False, message=f"no product with id {product_id}")
        try:
            recs, arm = await with_arm(call, model, product_id, k * 3, _rec_filters(f))
            # A variant under the same title is the product itself, not what goes with it.
            products, reasons = await catalog_products(
                recs, f, k, [product_id], frozenset({base.title.strip().lower()})
            )
            if products:
                return ToolResult(tool, products=products, reasons=reasons, arm=arm)
            note = empty_note
        except Exception as e:  # recsys down or untrained: the catalog still answers
            log.warning("%s unavailable (%s); using the catalog", tool, type(e).__name__)
            note = error_note
        if tool == "bought_together":
            products = await alongside(base, f, k)
        else:
            products = await like(base, f, k, [product_id])
        return ToolResult(tool, products=products, degraded=True, note=note)

    async def alongside(base: Product, f: ProductFilters, k: int) -> list[Product]:
        """Without purchase data, what goes with a product comes from the shelves next to
        its own: the nearest products of a sibling category (the same parent path, another
        leaf), never more of the same kind ("a laptop stand" -> a cooling pad, a mouse)."""
        near = await like(base, f, 100, [base.id])
        path = [p.strip() for p in base.category.split(">")]
        if len(path) < 2:
            # One shelf for everything: what is not the same kind by its title's head noun
            # ("a badminton racquet" -> shuttlecocks, not more racquets).
            named = re.split(r"\s(?:for|with|-|–)\s|[,|(\[]", base.title, maxsplit=1)[0]
            kind = (words(named) or [""])[-1]
            other = [p for p in near if kind and not mentions(p, kind)]
            # ... for the same thing ("badminton" shuttlecocks, not ice skates).
            same = [p for p in near if kind and mentions(p, kind)]
            about = [
                w
                for w in content_words(named)
                if w != kind and not w.isdigit() and any(mentions(p, w) for p in same)
            ]
            shared = [p for p in other if any(mentions(p, w) for w in about)]
            return (shared or other or near)[:k]
        parent, leaf = " > ".join(path[:-1]), path[-1]

        def shelf(p: Product) -> tuple[str, str]:
            parts = [x.strip() for x in p.category.split(">")]
            return " > ".join(parts[:-1]), parts[-1]

        # The leaf's head noun is the kind ("Notebook Computer Stands" -> stand): a "Lapdesks"
        # shelf holding laptop stands is still more of the same kind.
        head = (leaf.replace("&", " ").split() or [""])[-1]
        other_kind = [p for p in near if shelf(p)[1] != leaf and not (head and mentions(p, head))]
        # Siblings first, nearest first within each (the sort is stable).
        return sorted(other_kind, key=lambda p: shelf(p)[0] != parent)[:k] or near[:k]

    def _unavailable(*_: Any) -> Sequence[Any]:
        raise LookupError("no recommender configured")

    async def similar_products(
        product_id: str,
        filters: ProductFilters | None = None,
        k: int = 4,
        size: Direction | None = None,
        model: Annotated[str | None, InjectedToolArg] = None,
    ) -> ToolResult:
        """Products like one product ("something like it", "other options like the second one").

        Args:
            product_id: the id of the product to match.
            filters: conditions every product returned must satisfy.
            k: how many products, 1 to 8.
            size: "bigger" or "smaller" for the same kind of thing in another size ("a
                bigger one", "the next size up"), nearest size first, as the titles state
                sizes (litres, kg, inches, pieces, tiers, small / large).
        """
        f = filters or ProductFilters()
        k = max(1, min(MAX_K, k))
        base = await asyncio.to_thread(search.get, product_id)
        if base is not None and size is not None:
            return await sized(base, f, k, size)
        if base is not None:
            # "Something like it" is the same kind of thing: nearest by description, the
            # same category first (what shoppers also bought is bought_together's job).
            near = await like(base, f, k * 3, [product_id])
            near = sorted(near, key=lambda p: p.category != base.category)[:k]
            if near:
                return ToolResult("similar_products", products=near, note="matched by description")
        call = recommender.similar_items if recommender is not None else _unavailable
        note = "matched by description"
        return await related("similar_products", call, product_id, filters, k, note, note, model)

    async def bought_together(
        product_id: str, filters: ProductFilters | None = None, k: int = 4
    ) -> ToolResult:
        """Products other shoppers bought in the same orders as one product ("what goes with it?").

        Args:
            product_id: the id of the product.
            filters: conditions every product returned must satisfy.
            k: how many products, 1 to 8.
        """
        call = recommender.bought_together if recommender is not None else _unavailable
        return await related(
            "bought_together",
            call,
            product_id,
            filters,
            k,
            "no co-purchase data for this product; these come from the shelves next to its own",
            "co-purchase data is not available; these come from the shelves next to its own",
        )

    async def quote_products(items: list[QuoteItem]) -> ToolResult:
        """Price a quantity of one or more products from the catalog: each line's unit price
        times its quantity, and the total. Use it for "how much for 12 of them?". Says when
        the shop's delivery policy gives free delivery at that total.

        Args:
            items: the products and how many of each, e.g. [{"product_id": "22423",
                "quantity": 3}].
        """
        found = {
            p.id: p for p in await asyncio.to_thread(search.get_many, [i.product_id for i in items])
        }
        lines = [(found[i.product_id], i.quantity) for i in items if i.product_id in found]
        if not lines:
            return ToolResult("quote_products", ok=False, message="no known product ids to price")
        result = ToolResult("quote_products", products=[p for p, _ in lines])
        total = round(sum(float(p.price) * q for p, q in lines), 2)
        result.quote = [(p.id, q, round(float(p.price) * q, 2)) for p, q in lines]
        result.total = total
        if policies is not None:
            snippets = await asyncio.to_thread(policies.search, "free delivery on orders over", 2)
            for snip in snippets:
                m = _FREE_OVER.search(snip.text)
                if m:
                    threshold = float((m.group("amount") or m.group("after")).replace(",", ""))
                    result.snippets = [snip]
                    result.threshold = threshold
                    break
        return result

    async def answer_policy(question: str) -> ToolResult:
        """Look up the shop's own policies: delivery, returns, payment, opening hours, contact,
        gift services, privacy. Answer policy questions only from the passages returned.

        Args:
            question: the shopper's question, in their words.
        """
        if policies is None:
            return ToolResult("answer_policy", ok=False, message="no policy documents are loaded")
        snippets = await asyncio.to_thread(policies.search, question, 2)
        if not snippets:
            return ToolResult("answer_policy", note="the shop's policies do not cover this")
        return ToolResult("answer_policy", snippets=snippets)

    functions: dict[str, ToolFn] = {
        f.__name__: f
        for f in (
            search_products,
            get_product,
            compare_products,
            recommend_for_user,
            similar_products,
            bought_together,
            quote_products,
            answer_policy,
        )
    }
    structured = {
        name: StructuredTool.from_function(coroutine=fn, name=name, parse_docstring=True)
        for name, fn in functions.items()
    }
    return Tools(functions, structured)
