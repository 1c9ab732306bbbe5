"""The in-process `Assistant`: one turn in, protocol events out, grounded and recorded.

A turn: `assistant.start` at once; guardrails on the message; the brain runs
with the tools under the turn's time limit (falling back to the offline brain
when the LLM fails); its text goes out sentence by sentence through the
grounding guard; then `products.shown`, `suggestions` and `assistant.done`
with the record and the new state. Nothing is kept between turns.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Sequence

from assistant.brains import Brain, make_brain
from assistant.brains.offline import OfflineBrain
from assistant.brains.offline.templates import Phrasebook
from assistant.context import TurnContext
from assistant.errors import BadTurn
from assistant.events import (
    AnswerDelta,
    ProductsShown,
    Suggestions,
    TurnDone,
    TurnEvent,
    TurnRecord,
    TurnResult,
    TurnStarted,
    collect,
)
from assistant.grounding import GroundingGuard, SentenceStream
from assistant.guardrails import check_message, is_off_topic
from assistant.policies import PolicyIndex
from assistant.settings import AssistantSettings
from assistant.state import ConversationState, TurnRequest
from assistant.tools import Tools, make_tools
from recsys import Recommender
from retrieval import ProductSearch, Vocabulary

__all__ = ["Assistant"]

log = logging.getLogger(__name__)

VOCABULARY_TTL_S = 60.0
_SHOPPING = re.compile(
    r"\b(?:buy|gift|present|product|shop|sell|price|order|deliver|stock)\w*|"
    # "a picnic on Sunday if the weather holds, what do you have": a request all the same.
    r"\b(?:do you (?:have|do|carry)|have you got|got any|what (?:do|can) (?:you|i) (?:have|get)|"
    r"looking for|i need|we need|recommend|suggest)\b"
)
_CANNED = {
    "empty": "empty",
    "too_long": "too_long",
    "injection": "refuse_injection",
    "prompt_probe": "refuse_probe",
    "privacy": "refuse_privacy",
    "off_topic": "off_topic",
}
_DEFAULT_CHIPS = ["Show me something popular", "Gifts under £10", "How much is delivery?"]


class Assistant:
    """The stateless chat agent over a catalog, a recommender and the shop's policies."""

    def __init__(
        self,
        search: ProductSearch,
        recommender: Recommender | None,
        policies: PolicyIndex | None,
        settings: AssistantSettings,
        brain: Brain | None = None,
    ) -> None:
        self.settings = settings
        self.search = search
        self.recommender = recommender
        self.policies = policies
        self.tools: Tools = make_tools(
            search,
            recommender,
            policies,
            alternative_min_similarity=settings.alternative_min_similarity,
        )
        self.brain: Brain = brain or make_brain(settings)
        self.offline = self.brain if isinstance(self.brain, OfflineBrain) else OfflineBrain()
        self._vocabulary: tuple[float, Vocabulary] | None = None

    def vocabulary(self) -> Vocabulary | None:
        """The catalog's vocabulary, refreshed every minute (None while it cannot be read)."""
        cached = self._vocabulary
        if cached is not None and time.monotonic() - cached[0] < VOCABULARY_TTL_S:
            return cached[1]
        try:
            vocab = self.search.vocabulary()
        except Exception as e:
            log.warning("catalog vocabulary unavailable: %s", getattr(e, "code", type(e).__name__))
            return cached[1] if cached else None
        self._vocabulary = (time.monotonic(), vocab)
        return vocab

    def warm(self) -> None:
        """Load the catalog, its vocabulary and the query model now, not on the first turn."""
        self.vocabulary()
        try:
            self.search.search("gift", None, 1)
        except Exception as e:
            log.warning("catalog not ready yet: %s", getattr(e, "code", type(e).__name__))
        if self.recommender is not None:
            try:
                self.recommender.recommend_for_session([], 1)
            except Exception as e:
                log.warning("recommender not ready: %s", getattr(e, "code", type(e).__name__))

    def _context(self, request: TurnRequest, state: ConversationState) -> TurnContext:
        s = self.settings
        return TurnContext(
            message=request.message,
            state=state,
            tools=self.tools,
            search=self.search,
            user_id=request.user_id,
            arms=dict(request.arms),
            history=list(request.history),
            max_tool_calls=s.max_tool_calls,
            max_cards=s.max_cards,
            currency=s.default_currency,
            shop_name=s.shop_name,
        )

    async def _preload(self, ctx: TurnContext) -> None:
        ids = list(
            dict.fromkeys([*ctx.state.seen, *([ctx.state.focus] if ctx.state.focus else [])])
        )
        if not ids:
            return
        try:
            found = await asyncio.to_thread(self.search.get_many, ids)
        except Exception as e:
            log.warning("could not reload the conversation's products: %s", type(e).__name__)
            return
        # The catalog as it is now is the truth, even for products shown in earlier turns.
        ctx.known.update({p.id: p for p in found})

    async def turn(self, request: TurnRequest) -> AsyncIterator[TurnEvent]:
        """Serve one turn as protocol events (see DESIGN.md, websocket protocol v1).

        Raises:
            BadTurn: the request's state is unusable.
        """
        started = time.perf_counter()
        turn_id = uuid.uuid4().hex
        yield TurnStarted(turn_id=turn_id)
        try:
            state = (request.state or ConversationState()).model_copy(deep=True)
        except Exception as e:  # pragma: no cover - pydantic already validated the request
            raise BadTurn(f"unusable conversation state: {e}") from e
        record = TurnRecord(turn_id=turn_id, brain=self.brain.name)
        timings = record.timings
        timings["first_event_ms"] = round((time.perf_counter() - started) * 1000, 2)
        ctx = self._context(request, state.model_copy(deep=True))
        ctx.vocabulary = await asyncio.to_thread(self.vocabulary)
        if ctx.vocabulary is not None and ctx.vocabulary.currency:
            # The shop's currency is its catalog's; the setting covers an empty catalog.
            ctx.currency = ctx.vocabulary.currency
        await self._preload(ctx)
        preloaded = dict(ctx.known)
        check = check_message(request.message, self.settings.max_message_chars)
        block = check.block
        if (
            block is None
            and is_off_topic(request.message)
            and not _SHOPPING.search(request.message.lower())
        ):
            block = "off_topic"
        texts: list[str] = []
        guard = GroundingGuard(
            known=lambda: ctx.known,
            allowed_numbers=lambda: ctx.allowed_amounts(),
            quoted=lambda: (ctx.quote_lines, ctx.quote_totals),
            focus=ctx.focus_product(),
            system_prompt=getattr(self.brain, "system_prompt", ""),
        )
        if block is not None:
            record.guardrails.append(block)
            record.intent = "off_topic" if block == "off_topic" else None
            book = Phrasebook(state.conversation_id, state.turn)
            key = _CANNED[block]
            text = book.say(
                key, shop=self.settings.shop_name, limit=self.settings.max_message_chars
            )
            ctx.suggestions = list(_DEFAULT_CHIPS)
            texts.append(text)
            yield AnswerDelta(text=text)
        else:
            brain = self.brain
            try:
                async for chunk in self._run(brain, ctx, guard, started, timings):
                    texts.append(chunk)
                    yield AnswerDelta(text=chunk)
            except Exception as e:
                if brain is self.offline:
                    log.exception("the offline brain failed")
                    text = "Sorry, something went wrong on my side. Could you try again?"
                    texts.append(text)
                    yield AnswerDelta(text=text)
                else:
                    record.fallback = getattr(e, "code", None) or (
                        "timeout" if isinstance(e, TimeoutError) else type(e).__name__
                    )
                    log.warning(
                        "the %s brain failed (%s); the offline brain answers",
                        brain.name,
                        record.fallback,
                    )
                    calls = list(ctx.calls)
                    ctx = self._context(request, state.model_copy(deep=True))
                    ctx.vocabulary, ctx.known = self.vocabulary(), dict(preloaded)
                    ctx.calls = calls
                    guard.known = lambda: ctx.known
                    guard.allowed_numbers = lambda: ctx.allowed_amounts()
                    guard.quoted = lambda: (ctx.quote_lines, ctx.quote_totals)
                    guard.system_prompt = ""
                    record.brain = self.offline.name
                    if texts:
                        bridge = " Sorry, let me put that another way. "
                        texts.append(bridge)
                        yield AnswerDelta(text=bridge)
                    async for chunk in self._run(self.offline, ctx, guard, started, timings):
                        texts.append(chunk)
                        yield AnswerDelta(text=chunk)
        cards = ctx.cards()
        if cards:
            yield ProductsShown(items=cards)
        chips = [c for c in dict.fromkeys(ctx.suggestions) if c][:4]
        if len(chips) < 2:
            chips = list(dict.fromkeys([*chips, *_DEFAULT_CHIPS]))[:3]
        yield Suggestions(items=chips)
        new = ctx.state
        # A question about one product of the list ("what is the capacity of the first
        # one?") keeps the list for "compare the first two".
        about_one_shown = len(cards) == 1 and cards[0].id in state.shown
        if cards and not about_one_shown:
            new.shown = [c.id for c in cards]
            new.shown_prices = [c.price for c in cards]
            new.remember(new.shown)
        new.turn = state.turn + 1
        record.intent = record.intent or ctx.intent
        record.tools = ctx.calls
        record.corrections = guard.corrections
        record.guardrails += [g for g in ctx.guardrails if g not in record.guardrails]
        record.shown = [c.id for c in cards]
        record.handoff = ctx.handoff
        timings["tools_ms"] = round(sum(c.ms for c in ctx.calls), 2)
        timings["total_ms"] = round((time.perf_counter() - started) * 1000, 2)
        if record.corrections:
            log.info("turn %s: %d grounding corrections", turn_id, len(record.corrections))
        yield TurnDone(record=record, state=new)

    async def _run(
        self,
        brain: Brain,
        ctx: TurnContext,
        guard: GroundingGuard,
        started: float,
        timings: dict[str, float],
    ) -> AsyncIterator[str]:
        """The brain's text, checked sentence by sentence, within the turn's time limit."""
        stream = SentenceStream()
        left = self.settings.turn_timeout_s - (time.perf_counter() - started)
        async with asyncio.timeout(max(0.5, left)):
            async for piece in brain.answer(ctx):
                for sentence in stream.feed(piece):
                    checked = guard.check(sentence)
                    if checked:
                        timings.setdefault(
                            "first_delta_ms", round((time.perf_counter() - started) * 1000, 2)
                        )
                        yield checked
        for sentence in stream.flush():
            checked = guard.check(sentence)
            if checked:
                timings.setdefault(
                    "first_delta_ms", round((time.perf_counter() - started) * 1000, 2)
                )
                yield checked

    async def run_turn(self, request: TurnRequest) -> TurnResult:
        """A whole turn, collected (for the CLI, the evaluation and tests)."""
        return await collect(self.turn(request))

    async def converse(
        self,
        messages: Sequence[str],
        state: ConversationState | None = None,
        user_id: str | None = None,
    ) -> list[TurnResult]:
        """Several turns in a row, carrying state and history between them."""
        from assistant.state import ChatMessage

        results: list[TurnResult] = []
        history: list[ChatMessage] = []
        for message in messages:
            result = await self.run_turn(
                TurnRequest(message=message, state=state, history=history, user_id=user_id)
            )
            history += [
                ChatMessage(role="user", content=message),
                ChatMessage(role="assistant", content=result.text),
            ]
            state = result.state
            results.append(result)
        return results
