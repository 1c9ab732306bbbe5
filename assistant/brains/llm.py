"""The `openai` brain: a LangChain ChatOpenAI model with native tool calling and streaming.

Any OpenAI-compatible endpoint works (OpenAI, Azure, vLLM, Ollama, llama.cpp
server). The loop streams text as it comes, runs the tool calls the model makes
through the turn context, and stops after `max_steps` model calls with a last
call that has no tools, so the shopper always gets an answer. Errors and
timeouts become BrainFailed / BrainTimeout, and the turn falls back to offline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from assistant.brains.offline.intents import HUMAN_REQUEST
from assistant.brains.offline.lexicon import Lexicon
from assistant.brains.offline.understand import understand
from assistant.brains.prompt import context_message, system_prompt
from assistant.context import TurnContext
from assistant.errors import BrainFailed, BrainTimeout
from assistant.settings import LLMSettings
from assistant.state import Constraints, ProductFilters
from retrieval import Product

__all__ = ["OpenAIBrain"]

log = logging.getLogger(__name__)

_INTENT_BY_TOOL = {
    "search_products": "find",
    "get_product": "product_question",
    "compare_products": "compare",
    "recommend_for_user": "recommend",
    "similar_products": "similar",
    "bought_together": "bought_together",
    "answer_policy": "policy_question",
}
_LAST_STEP = (
    "You have used all the tool calls this turn allows. Answer the shopper now, using only "
    "what the tool results above say."
)


def _text(content: Any) -> str:
    """The text of a message's content (a string, or a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            b if isinstance(b, str) else str(b.get("text", ""))
            for b in content
            if isinstance(b, str) or (isinstance(b, dict) and b.get("type") == "text")
        )
    return ""


class OpenAIBrain:
    """Plans with an OpenAI-compatible chat model; same tools and contract as the offline brain."""

    name = "openai"

    def __init__(
        self, settings: LLMSettings, *, shop_name: str = "the shop", currency: str = "GBP"
    ) -> None:
        self.settings = settings
        self.system_prompt = system_prompt(shop_name, currency)
        key = settings.api_key or SecretStr("not-needed")
        self.model = ChatOpenAI(
            model=settings.model,
            api_key=key,
            base_url=settings.base_url,
            timeout=settings.timeout,
            temperature=settings.temperature,
            max_retries=0,
            streaming=True,
            stream_usage=False,
        )

    def _messages(self, ctx: TurnContext) -> list[BaseMessage]:
        history: list[BaseMessage] = []
        for m in ctx.history[-self.settings.max_history :] if self.settings.max_history else []:
            history.append(HumanMessage(m.content) if m.role == "user" else AIMessage(m.content))
        return [
            SystemMessage(self.system_prompt),
            SystemMessage(context_message(ctx)),
            *history,
            HumanMessage(ctx.message),
        ]

    async def answer(self, ctx: TurnContext) -> AsyncIterator[str]:
        """Run the tool-calling loop; yields the model's text as it streams."""
        if HUMAN_REQUEST.search(ctx.message.lower()):
            ctx.handoff = True
        messages = self._messages(ctx)
        bound = self.model.bind_tools(ctx.tools.schemas())
        produced: list[str] = []
        steps = self.settings.max_steps
        for step in range(steps):
            last = step == steps - 1
            if last and step > 0:
                messages.append(SystemMessage(_LAST_STEP))
            reply: AIMessageChunk | None = None
            try:
                async with asyncio.timeout(self.settings.timeout):
                    async for chunk in (self.model if last else bound).astream(messages):
                        text = _text(chunk.content)
                        if text:
                            produced.append(text)
                            yield text
                        if isinstance(chunk, AIMessageChunk):
                            reply = chunk if reply is None else reply + chunk
            except TimeoutError as e:
                raise BrainTimeout(
                    f"the model did not answer within {self.settings.timeout}s"
                ) from e
            except Exception as e:
                raise BrainFailed(f"model call failed: {type(e).__name__}") from e
            if reply is None:
                raise BrainFailed("the model sent nothing")
            calls = list(reply.tool_calls)
            bad = list(reply.invalid_tool_calls)
            if not calls and not bad:
                break
            messages.append(
                AIMessage(content=_text(reply.content), tool_calls=calls, invalid_tool_calls=bad)
            )
            for call in calls:
                result = await ctx.call(call["name"], dict(call["args"]))
                messages.append(ToolMessage(result.for_model(), tool_call_id=call["id"] or ""))
            for invalid in bad:
                messages.append(
                    ToolMessage(
                        '{"ok": false, "message": "the arguments were not valid JSON; try again"}',
                        tool_call_id=invalid.get("id") or "",
                    )
                )
        if not "".join(produced).strip():
            raise BrainFailed("the model wrote no answer")
        self._finish(ctx, "".join(produced))

    def _finish(self, ctx: TurnContext, text: str) -> None:
        """Cards, intent and state from what the tools returned and the text mentions."""
        returned: list[Product] = []
        reasons: dict[str, str] = {}
        last_batch: list[Product] = []
        for result in ctx.results:
            if result.products and result.ok:
                last_batch = list(result.products)
            for p in result.products:
                if p.id not in {x.id for x in returned}:
                    returned.append(p)
            reasons.update(result.reasons)
        lower = text.lower()

        def position(p: Product) -> int:
            at = [i for i in (lower.find(p.id.lower()), lower.find(p.title.lower())) if i >= 0]
            return min(at) if at else -1

        mentioned = sorted((p for p in returned if position(p) >= 0), key=position)
        ctx.show(mentioned or last_batch, reasons)
        names = [c.name for c in ctx.calls]
        if names:
            ctx.intent = _INTENT_BY_TOOL.get(names[-1], "chat")
        else:
            # No tool: label the small talk for the transcript the way the offline brain would.
            ctx.intent = understand(ctx.message, ctx.state, Lexicon(), ctx.known).intent
        for call in reversed(ctx.calls):
            if call.name == "search_products" and call.ok:
                filters = ProductFilters.model_validate(call.args.get("filters") or {})
                ctx.state.constraints = Constraints(
                    query=str(call.args.get("query", "")), **filters.model_dump()
                )
                break
        focus = [c for c in ctx.calls if c.name == "get_product" and c.ok]
        if focus:
            ctx.state.focus = str(focus[-1].args.get("product_id"))
        elif len(ctx.shown) == 1:
            ctx.state.focus = ctx.shown[0][0].id
        elif ctx.shown:
            ctx.state.focus = None
        ctx.state.last_intent = ctx.intent
