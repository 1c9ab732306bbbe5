"""Experiments at serving time: give a request its arm, record what it showed, credit rewards.

The arm of a placement is chosen once per conversation (storefront: per browsing session) and
kept: a shopper sees one strategy throughout. Every list served is an impression, stored with
its placement, arm, context and the arm's traffic share at that moment (the propensity that
IPS needs); a click or add-to-cart on one of its products within `reward_window_s` rewards it,
once per kind. Nothing personal is kept: conversations and sessions are random ids.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np

from recsys.bandit import ArmStats, Policy, context_key, traffic_shares
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


def unit_draw(conversation_id: str, placement: str) -> float:
    """A number in [0, 1) fixed by the conversation and placement (the same on every
    replica): the conversation's draw against the arms' traffic shares."""
    digest = hashlib.blake2b(f"{placement}|{conversation_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def pick(shares: dict[str, float], active: Sequence[str], u: float) -> str:
    """The active arm whose slice of the cumulative shares holds `u`.

    Serving arm a to a share of conversations equal to P(a's draw is the largest) is
    Thompson sampling in distribution, and its propensity is exactly that share.
    """
    total = sum(shares.get(a, 0.0) for a in active)
    if total <= 0.0:
        return active[min(int(u * len(active)), len(active) - 1)]
    edge = 0.0
    for arm in active:
        edge += shares.get(arm, 0.0) / total
        if u < edge:
            return arm
    return active[-1]


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
    ) -> None:
        self.settings = settings
        self.state = state
        self.impressions = impressions
        self._share_cache: dict[
            tuple[str, str], tuple[float, Policy, dict[str, ArmStats], dict[str, float]]
        ] = {}
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Seed empty shared counts from the stored impressions (after a restart), then read
        the snapshot that choosing uses."""
        if self.impressions is not None:
            counts = await asyncio.to_thread(self.impressions.counts)
            for placement, stats in counts.items():
                if await self.state.seed(placement, stats):
                    log.info("experiments: %s counts restored from the impressions", placement)
        await self.state.load()

    async def policy(self, placement: str) -> Policy:
        """The placement's policy now (settings plus an admin's controls, read from the
        shared state: the console's view)."""
        controls = (await self.state.controls()).get(placement, Controls())
        return self._policy(controls)

    def _policy(self, controls: Controls) -> Policy:
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

        No I/O once the state is loaded (`start`; the first call loads it otherwise): the
        arm comes from the local snapshot, and a sticky arm is stored after the call.

        Args:
            placement: one of `PLACEMENTS`.
            conversation_id: the chat conversation, or the storefront session.
            returning: the shopper is identified (a signed shopper token).
            device: `mobile` or `desktop`.
            hour: the hour of day (UTC when the shopper's is unknown).
        """
        if not self.settings.enabled or not conversation_id or placement not in PLACEMENTS:
            return None
        await self.state.load()
        policy = self._policy(self.state.local_controls().get(placement, Controls()))
        hour = datetime.now(UTC).hour if hour is None else hour
        context = context_key(policy.context, returning=returning, device=device, hour=hour)
        stats = self.state.local_stats(placement).get(context, {})
        shares = self._shares(placement, context, policy, stats)
        wanted = pick(shares, policy.active, unit_draw(conversation_id, placement))
        arm = self.state.stick_soon(conversation_id, placement, wanted)
        if arm not in policy.active:
            # A paused arm's conversations move on: pausing must stop its traffic now.
            self.state.move_soon(conversation_id, placement, arm, wanted)
            arm = wanted
        return Assignment(placement, arm, context, max(shares.get(arm, 0.0), 1e-6))

    def _shares(
        self, placement: str, context: str, policy: Policy, stats: dict[str, ArmStats]
    ) -> dict[str, float]:
        # The estimate is a function of the policy and counts alone (a fixed seed), so
        # replicas reading the same snapshot give a conversation the same arm; it is
        # redone at most once per `cache_s` per context.
        key = (placement, context)
        cached = self._share_cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now and cached[1] == policy and cached[2] is stats:
            return cached[3]
        shares = traffic_shares(policy, stats, PROPENSITY_DRAWS, np.random.default_rng(0))
        self._share_cache[key] = (now + self.settings.cache_s, policy, stats, shares)
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
