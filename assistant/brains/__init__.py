"""Brains: what plans a turn's tool calls and writes its answer, behind one contract.

A brain gets the turn's `TurnContext`, calls tools through `ctx.call`, yields the
answer's text as it is produced, and leaves the cards, chips and constraints on
the context. `make_brain(settings)` picks the brain that settings choose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from assistant.context import TurnContext
from assistant.settings import AssistantSettings

__all__ = ["Brain", "make_brain"]


class Brain(Protocol):
    """Answers one turn."""

    name: str

    def answer(self, ctx: TurnContext) -> AsyncIterator[str]:
        """Yield the answer's text in pieces; set `ctx.shown`, `ctx.suggestions`, the state."""
        ...


def make_brain(settings: AssistantSettings) -> Brain:
    """The `openai` brain (LangChain ChatOpenAI) or the `offline` brain, as settings say.

    Args:
        settings: assistant settings; `settings.brain` picks, `settings.llm` configures.
    """
    if settings.brain == "openai":
        from assistant.brains.llm import OpenAIBrain

        return OpenAIBrain(
            settings.llm, shop_name=settings.shop_name, currency=settings.default_currency
        )
    from assistant.brains.offline import OfflineBrain

    return OfflineBrain()
