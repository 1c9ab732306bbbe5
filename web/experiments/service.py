"""Experiments at serving time: give a request its arm, record what it showed, credit rewards.

The arm of a placement is chosen once per conversation (storefront: per browsing session) and
kept: a shopper sees one strategy throughout. Every list served is an impression, stored with
its placement, arm, context and the arm's traffic share at that moment (the propensity that
IPS needs); a click or add-to-cart on one of its products within `reward_window_s` rewards it,
once per kind. Nothing personal is kept: conversations and sessions are random ids.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np

from recsys.bandit import ArmStats, Policy, choose, context_key, traffic_shares
from web.experiments.settings import PLACEMENTS, ExperimentSettings
from web.experiments.state import Controls, ExperimentState, Stats

__all__ = ["Assignment", "Experiments", "ImpressionLog", "Rewarded"]

log = logging.getLogger(__name__)

PROPENSITY_DRAWS = 1000


@dataclass(frozen=True)
class Assignment:
    """The arm one request is served with."""

    placement: str
    arm: str
    context: str
    propensity: float


@dataclass(frozen=True)
class Rewarded:
    """An impression that a shopper's event just rewarded."""

    placement: str
    context: str
    arm: str


class ImpressionLog(Protocol):
    """The durable impressions (the transcript database)."""

    def add(
        self,
        conversation_id: str,
        assignment: Assignment,
        products: Sequence[str],
        at: datetime,
    ) -> int:
        """Store one impression; returns its id."""
        ...

    def reward(
        self, conversation_id: str, product_id: str, kind: str, at: datetime, since: datetime
    ) -> list[Rewarded]:
        """Mark the conversation's impressions since `since` showing the product; returns
        those newly rewarded for `kind` (click or cart)."""
        ...

    def counts(self) -> dict[str, Stats]:
        """Counts per placement, context and arm, rebuilt from the stored impressions."""
        ...


def device_of(user_agent: str) -> str:
    """`mobile` when the browser says so (the `Mobi` token, as MDN advises), else `desktop`."""
    return "mobile" if "Mobi" in user_agent else "desktop"


class Experiments:
    """The serving side of experiments, one per gateway process."""

    def __init__(
        self,
        settings: ExperimentSettings,
        state: ExperimentState,
        impressions: ImpressionLog | None,
        *,
        seed: int | None = None,
    ) -> None:
        self.settings = settings
        self.state = state
        self.impressions = impressions
        self._rng = np.random.default_rng(seed)
        self._share_cache: dict[tuple[str, str], tuple[float, Policy, dict[str, float]]] = {}
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Seed empty shared counts from the stored impressions (after a restart)."""
        if self.impressions is None:
            return
        counts = await asyncio.to_thread(self.impressions.counts)
        for placement, stats in counts.items():
            if await self.state.seed(placement, stats):
                log.info("experiments: %s counts restored from the impressions", placement)

    async def policy(self, placement: str) -> Policy:
        """The placement's policy now (settings plus an admin's controls)."""
        controls = (await self.state.controls()).get(placement, Controls())
        return self.settings.policy(controls.mode, frozenset(controls.paused), controls.split)

    async def assign(
        self,
        placement: str,
        conversation_id: str,
        *,
        returning: bool = False,
        device: str = "desktop",
        hour: int | None = None,
    ) -> Assignment | None:
        """The arm for this request (None when experiments are off or there is no key).

        Args:
            placement: one of `PLACEMENTS`.
            conversation_id: the chat conversation, or the storefront session.
            returning: the shopper is identified (a signed shopper token).
            device: `mobile` or `desktop`.
            hour: the hour of day (UTC when the shopper's is unknown).
        """
        if not self.settings.enabled or not conversation_id or placement not in PLACEMENTS:
            return None
        policy = await self.policy(placement)
        hour = datetime.now(UTC).hour if hour is None else hour
        context = context_key(policy.context, returning=returning, device=device, hour=hour)
        stats = (await self.state.stats(placement)).get(context, {})
        # Choose first, then keep whichever arm the conversation already had: one round
        # trip to the shared state per request.
        candidate = choose(policy, stats, self._rng)
        arm = await self.state.stick(conversation_id, placement, candidate)
        if arm not in policy.active:
            # A paused arm's conversations move on: pausing must stop its traffic now.
            arm = candidate
            await self.state.move(conversation_id, placement, arm)
        shares = self._shares(placement, context, policy, stats)
        return Assignment(placement, arm, context, max(shares.get(arm, 0.0), 1e-6))

    def _shares(
        self, placement: str, context: str, policy: Policy, stats: dict[str, ArmStats]
    ) -> dict[str, float]:
        # The shares move slowly: estimate them at most once per `cache_s` per context.
        key = (placement, context)
        cached = self._share_cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now and cached[1] == policy:
            return cached[2]
        shares = traffic_shares(policy, stats, PROPENSITY_DRAWS, self._rng)
        self._share_cache[key] = (now + self.settings.cache_s, policy, shares)
        return shares

    async def served(
        self, assignment: Assignment, conversation_id: str, products: Sequence[str]
    ) -> None:
        """Record an impression of `products` (nothing is recorded for an empty list)."""
        if not products:
            return
        await self.state.bump(
            assignment.placement, assignment.context, assignment.arm, "impressions"
        )
        if self.impressions is not None:
            try:
                await asyncio.to_thread(
                    self.impressions.add,
                    conversation_id,
                    assignment,
                    list(products),
                    datetime.now(UTC),
                )
            except Exception:
                log.exception("impression not stored")

    def record_later(
        self, assignment: Assignment, conversation_id: str, products: Sequence[str]
    ) -> None:
        """`served`, off the request's path (the list goes out before the write)."""
        task = asyncio.get_running_loop().create_task(
            self.served(assignment, conversation_id, list(products))
        )
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for impressions still being written (at shutdown)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def event(self, conversation_id: str, name: str, product_id: str) -> int:
        """Credit a click or add-to-cart to the impressions that showed the product.

        Returns:
            How many impressions it rewarded.
        """
        if name not in ("click", "cart") or not conversation_id or self.impressions is None:
            return 0
        now = datetime.now(UTC)
        since = now - timedelta(seconds=self.settings.reward_window_s)
        try:
            rewarded = await asyncio.to_thread(
                self.impressions.reward, conversation_id, product_id, name, now, since
            )
        except Exception:
            log.exception("reward not stored")
            return 0
        for r in rewarded:
            await self.state.bump(
                r.placement, r.context, r.arm, "clicks" if name == "click" else "carts"
            )
        return len(rewarded)
