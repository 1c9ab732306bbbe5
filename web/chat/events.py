"""Shopper product events (view, click, add to cart): to recsys, and to the chat's transcript."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from recsys import Interaction, Recommender
from web.experiments import Experiments
from web.store import TranscriptStore

__all__ = ["EventRecorder"]

log = logging.getLogger(__name__)


class EventRecorder:
    """Records what shoppers do with products, from the chat widget or the storefront."""

    def __init__(
        self,
        recommender: Recommender | None,
        store: TranscriptStore,
        experiments: Experiments | None = None,
    ) -> None:
        self.recommender = recommender
        self.store = store
        self.experiments = experiments

    async def record(
        self, actor_id: str, name: str, product_id: str, *, conversation_id: str | None = None
    ) -> None:
        """Hand an event to recsys as an interaction of `actor_id`, and store it in the chat.

        Args:
            actor_id: the verified shopper id, else `session:<id>` (see `Conversation.actor_id`).
            name: view, click or cart.
            product_id: the product.
            conversation_id: the chat it happened in (None: the storefront, outside a chat).
        """
        now = datetime.now(UTC)
        if self.recommender is not None:
            event = Interaction(user_id=actor_id, product_id=product_id, event=name, ts=now)
            try:
                await asyncio.to_thread(self.recommender.record, [event])
            except Exception as e:
                log.warning("event not recorded in recsys: %s", type(e).__name__)
        if not conversation_id:
            return
        if self.experiments is not None:
            await self.experiments.event(conversation_id, name, product_id)
        try:
            await asyncio.to_thread(
                self.store.add_event, conversation_id, name=name, product_id=product_id, at=now
            )
        except Exception:
            log.exception("event not stored in the transcript")
