"""The parts the web app runs on, built in one place: assistant, catalog, recommender, hub, store.

With no part URLs set, the assistant, its catalog and its recommender run in this
process (`assistant.build_assistant`, the one place they are wired); with
`AISLE_WEB_ASSISTANT_URL` the turns go to the assistant pod, and the shop API's catalog
and recommender come from `AISLE_RETRIEVAL_URL` and `AISLE_RECSYS_URL` (or run here), the
settings the assistant reads too.
Sessions live in memory, or in Redis when `AISLE_WEB_REDIS_URL` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from assistant import (
    Assistant,
    AssistantSettings,
    CircuitBreaker,
    HttpAssistant,
    build_assistant,
    build_ports,
    guard_pods,
)
from recsys import Recommender, RecsysSettings
from retrieval import ProductSearch, RetrievalSettings
from web.chat.hub import ConversationHub, make_hub
from web.chat.turns import TurnRunner
from web.experiments import Experiments, ExperimentSettings, start_experiments
from web.settings import WebSettings
from web.store import SqlTranscriptStore, make_transcript_store

__all__ = ["Parts", "PartsFactory"]

log = logging.getLogger(__name__)


@dataclass
class Parts:
    """What the app's routes and the gateway run on, built once per app in its lifespan."""

    runner: TurnRunner
    search: ProductSearch | None
    recommender: Recommender | None
    store: SqlTranscriptStore
    hub: ConversationHub
    catalog_breaker: CircuitBreaker
    recommender_breaker: CircuitBreaker
    assistant_pod: HttpAssistant | None = None
    experiments: Experiments | None = None
    impressions: Any = None

    async def aclose(self) -> None:
        """Close connections: experiments', the hub's, the assistant pod's, the database's."""
        if self.experiments is not None:
            await self.experiments.drain()
            await self.experiments.state.aclose()
        with contextlib.suppress(Exception):
            await self.hub.aclose()
        if self.assistant_pod is not None:
            with contextlib.suppress(Exception):
                await self.assistant_pod.aclose()
        self.catalog_breaker.close()
        self.recommender_breaker.close()
        await asyncio.to_thread(self.store.close)


@dataclass
class PartsFactory:
    """How to build the parts: part settings, or parts given ready-made (tests, scripts).

    Attributes:
        assistant: the in-process assistant's settings (default: `AISLE_ASSISTANT_*`).
        retrieval: the catalog's settings (default: the data dir's retrieval/;
            `AISLE_RETRIEVAL_URL` selects the retrieval pod).
        recsys: the recommender's settings (default: the data dir's recsys/;
            `AISLE_RECSYS_URL` selects the recsys pod).
        runner: runs turns instead of a built assistant (an `Assistant` also lends its
            catalog and recommender to the shop API).
        store: the transcript store instead of the one `AISLE_WEB_DATABASE_URL` names.
        experiments: the experiment settings (default: from `AISLE_EXPERIMENTS_*`).
    """

    assistant: AssistantSettings | None = None
    retrieval: RetrievalSettings | None = None
    recsys: RecsysSettings | None = None
    runner: TurnRunner | None = None
    store: SqlTranscriptStore | None = None
    experiments: ExperimentSettings | None = None

    def part_settings(
        self, settings: WebSettings
    ) -> tuple[AssistantSettings, RetrievalSettings, RecsysSettings]:
        """The three parts' settings, defaulting to the web data dir's folders."""
        a = self.assistant or AssistantSettings()
        r = self.retrieval or RetrievalSettings(
            data_dir=settings.data_dir / "retrieval", default_currency=a.default_currency
        )
        c = self.recsys or RecsysSettings(data_dir=settings.data_dir / "recsys")
        return a, r, c

    def _turns_and_ports(
        self, settings: WebSettings, catalog: CircuitBreaker, recommendations: CircuitBreaker
    ) -> tuple[TurnRunner, ProductSearch | None, Recommender | None, HttpAssistant | None]:
        """The turn runner and the shop API's catalog and recommender (blocking: loads models).

        An in-process assistant calls the retrieval and recsys pods (when they are pods)
        through their breakers, within each turn's budget (assistant/budget.py); the shop API
        calls them through the same breakers (`CircuitBreaker.run`).
        """
        a, r, c = self.part_settings(settings)
        search: ProductSearch | None
        recommender: Recommender | None
        pod: HttpAssistant | None = None
        if self.runner is not None:
            runner = self.runner
            given = runner if isinstance(runner, Assistant) else None
            search = given.search if given else None
            recommender = given.recommender if given else None
        elif settings.assistant_url:
            pod = HttpAssistant(settings.assistant_url, timeout=settings.service_timeout_s)
            runner = pod
            search, recommender = build_ports(a, r, c)
        else:
            built = build_assistant(a, r, c)
            search, recommender = built.search, built.recommender
            built = guard_pods(
                built, catalog if r.url else None, recommendations if c.url else None
            )
            built.warm()
            runner = built
        return runner, search, recommender, pod

    async def build(self, settings: WebSettings) -> Parts:
        """Build every part (model loading and migrations run in worker threads)."""
        catalog = CircuitBreaker("catalog", settings.breaker_failures, settings.breaker_reset_s)
        recommendations = CircuitBreaker(
            "recommender", settings.breaker_failures, settings.breaker_reset_s
        )
        runner, search, recommender, pod = await asyncio.to_thread(
            self._turns_and_ports, settings, catalog, recommendations
        )
        store = self.store
        if store is None:
            store = await asyncio.to_thread(make_transcript_store, settings)
        redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
        hub = await make_hub(redis_url, settings.replay_frames, settings.session_ttl_s)
        experiments, impressions = await start_experiments(
            self.experiments or ExperimentSettings(), redis_url, store, settings.session_ttl_s
        )
        return Parts(
            runner=runner,
            search=search,
            recommender=recommender,
            store=store,
            hub=hub,
            catalog_breaker=catalog,
            recommender_breaker=recommendations,
            assistant_pod=pod,
            experiments=experiments,
            impressions=impressions,
        )
