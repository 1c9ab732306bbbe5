"""The offline brain: deterministic, network-free answers from rules, tools and templates.

It reads the message (`understand`), calls the same tools as the LLM brain
through the turn context, and writes the answer from phrase templates filled
with catalog fields. It is a product, not a test double: shops run it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from assistant.brains.offline.answers import Answers
from assistant.brains.offline.constraints import Lexicon
from assistant.brains.offline.templates import Phrasebook
from assistant.brains.offline.understand import Understanding, understand
from assistant.context import TurnContext
from assistant.state import ProductFilters
from retrieval import Vocabulary

__all__ = ["OfflineBrain"]


class OfflineBrain:
    """Rules and templates over the shared tools."""

    name = "offline"

    def __init__(self) -> None:
        self._lexicon: tuple[Vocabulary, Lexicon] | None = None

    def lexicon(self, vocabulary: Vocabulary | None) -> Lexicon:
        """The constraint lexicon of a vocabulary (built once per catalog version)."""
        if vocabulary is None:
            return Lexicon()
        cached = self._lexicon
        if cached is None or cached[0] is not vocabulary:
            cached = (vocabulary, Lexicon.from_vocabulary(vocabulary))
            self._lexicon = cached
        return cached[1]

    async def answer(self, ctx: TurnContext) -> AsyncIterator[str]:
        """Answer one turn: yields the answer's sentences; sets cards, chips and state."""
        u = understand(ctx.message, ctx.state, self.lexicon(ctx.vocabulary), ctx.known)
        ctx.intent = u.intent
        # A clarifying question is answered by this message; a handler may ask a new one.
        ctx.state.pending = None
        book = Phrasebook(ctx.state.conversation_id, ctx.state.turn)
        writer = Answers(ctx, book)
        handler = {
            "find": self._find,
            "refine": self._find,
            "recommend": self._recommend,
        }.get(u.intent)
        if handler is not None:
            pieces = await handler(ctx, u, writer)
        else:
            pieces = await writer.respond(u)
        ctx.state.last_intent = u.intent
        for piece in pieces:
            yield piece

    @staticmethod
    def _too_broad(u: Understanding) -> bool:
        c = u.constraints
        return not (c.query or c.category) and c.filters().is_empty()

    async def _find(self, ctx: TurnContext, u: Understanding, writer: Answers) -> list[str]:
        state = ctx.state
        c = u.constraints
        if self._too_broad(u):
            if not u.after_clarify:
                state.pending = "clarify"
                return writer.clarify()
            return await self._recommend(ctx, u, writer)
        if not (c.query or c.category):
            # Conditions without product words ("something under £5"): best sellers that fit.
            return await self._recommend(ctx, u, writer)
        skip = list(state.seen) if u.update.more else []
        result = await ctx.call(
            "search_products",
            {"query": c.query, "filters": c.filters(), "exclude_ids": skip, "k": ctx.max_cards},
        )
        previous_prices = list(state.shown_prices)
        if (
            u.update.relative == "cheaper"
            and result.ok
            and not result.products
            and not result.missing
            and previous_prices
            and max(previous_prices) > 0.01
        ):
            # Nothing under the cheapest shown: the cheapest of those under the dearest shown.
            c = c.model_copy(
                update={"price_max": round(max(previous_prices) - 0.01, 2), "sort": "price_asc"}
            )
            result = await ctx.call(
                "search_products",
                {"query": c.query, "filters": c.filters(), "k": ctx.max_cards},
            )
        state.constraints = c
        return writer.results(result, u, previous_prices)

    async def _recommend(self, ctx: TurnContext, u: Understanding, writer: Answers) -> list[str]:
        c = u.constraints
        filters = (
            c.filters() if u.intent != "recommend" or c.query or c.category else ProductFilters()
        )
        if u.intent == "recommend" and u.update.has_conditions():
            filters = c.filters()
        result = await ctx.call("recommend_for_user", {"filters": filters, "k": ctx.max_cards})
        if u.intent != "recommend" or u.update.has_conditions():
            ctx.state.constraints = c
        return writer.recommendations(result, mentions_conditions=not filters.is_empty())


def first_sentence(text: str) -> str:
    """The first sentence of a text."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)
    return parts[0] if parts else ""
