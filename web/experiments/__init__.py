"""Experiments: each recommendation placement chooses its strategy (arm) by a bandit or a split.

`start_experiments(settings, redis_url, transcripts)` builds the shared state (Redis in the
cluster, memory embedded), the impression log in the transcript database, restores counts
and admins' controls from it, and returns the `Experiments` the shop API and the console use.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from web.experiments.service import Assignment, Experiments, device_of
from web.experiments.settings import PLACEMENTS, ExperimentSettings, Placement
from web.experiments.state import Controls, ExperimentState, make_experiment_state

__all__ = [
    "PLACEMENTS",
    "Assignment",
    "Controls",
    "ExperimentSettings",
    "ExperimentState",
    "Experiments",
    "Placement",
    "device_of",
    "start_experiments",
]

log = logging.getLogger(__name__)


async def start_experiments(
    settings: ExperimentSettings, redis_url: str | None, transcripts: Any, ttl_s: int = 86_400
) -> tuple[Experiments | None, Any]:
    """The serving side and the impression log (None, None when experiments are off).

    Args:
        settings: the experiment settings.
        redis_url: Redis for state shared by replicas; None keeps it in this process.
        transcripts: the transcript store; its engine holds the impressions (a store
            without one, a test double, keeps no impressions).
        ttl_s: how long a conversation keeps its arm (the session TTL).
    """
    if not settings.enabled:
        return None, None
    from web.store.impressions import SqlImpressionLog

    engine = getattr(transcripts, "engine", None)
    impressions = SqlImpressionLog(engine) if engine is not None else None
    state = make_experiment_state(
        redis_url,
        ttl_s=ttl_s,
        cache_s=settings.cache_s,
        controls_s=settings.controls_s,
        prefix=settings.redis_prefix,
    )
    experiments = Experiments(settings, state, impressions)
    if impressions is not None:
        for placement, controls in (await asyncio.to_thread(impressions.load_controls)).items():
            await state.set_controls(placement, controls)
    await experiments.start()
    log.info("experiments on: arms %s, %s mode", ",".join(settings.arms), settings.mode)
    return experiments, impressions
