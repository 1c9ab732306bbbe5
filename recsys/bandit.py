"""Choosing a recommendation strategy (an arm) per placement: Thompson sampling or a fixed split.

Each arm's reward is Bernoulli (an impression was clicked, or carted) with a Beta prior, so its
posterior is `Beta(prior_a + successes, prior_b + impressions - successes)`. Thompson sampling
draws once from each active arm's posterior and serves the largest draw; with probability
`floor * active arms` it serves a uniformly chosen arm instead, so every active arm keeps at
least `floor` of the traffic (the exploration floor) however sure the posterior grows. The
fixed mode serves arms in configured percentages (an A/B split). Paused arms get no traffic in
either mode. The state (counts per context and arm) is plain data: web keeps it in memory or
Redis, and this module only reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.stats import beta as beta_dist

__all__ = [
    "CONTEXT_FEATURES",
    "ArmStats",
    "ContextFeature",
    "FixedArm",
    "Mode",
    "Policy",
    "Posterior",
    "RewardKind",
    "ThompsonLearner",
    "choose",
    "context_key",
    "daypart",
    "posteriors",
    "traffic_shares",
]

Mode = Literal["bandit", "fixed"]
RewardKind = Literal["click", "cart"]
ContextFeature = Literal["visitor", "device", "daypart"]
CONTEXT_FEATURES: tuple[ContextFeature, ...] = ("visitor", "device", "daypart")


@dataclass
class ArmStats:
    """What one arm earned in one context: impressions and the rewards among them."""

    impressions: int = 0
    clicks: int = 0
    carts: int = 0

    def successes(self, reward: RewardKind) -> int:
        """Impressions rewarded by `reward` (never more than the impressions)."""
        return min(self.clicks if reward == "click" else self.carts, self.impressions)

    def __add__(self, other: ArmStats) -> ArmStats:
        return ArmStats(
            self.impressions + other.impressions,
            self.clicks + other.clicks,
            self.carts + other.carts,
        )


@dataclass(frozen=True)
class Posterior:
    """Beta posterior of an arm's reward rate."""

    a: float
    b: float

    @property
    def mean(self) -> float:
        """Posterior mean a / (a + b)."""
        return self.a / (self.a + self.b)

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed credible interval holding `level` of the posterior mass."""
        tail = (1.0 - level) / 2.0
        low, high = beta_dist.ppf([tail, 1.0 - tail], self.a, self.b)
        return float(low), float(high)


@dataclass(frozen=True)
class Policy:
    """How one placement chooses among its arms.

    Attributes:
        arms: the strategies, in display order (model names of the recommender).
        mode: `bandit` (Thompson sampling) or `fixed` (the `split` percentages).
        reward: which event rewards an impression: a click, or an add-to-cart.
        floor: the least share of traffic each active arm keeps in bandit mode.
        split: percentage per arm in fixed mode (missing arms get 0); renormalised over
            the active arms; an empty split means equal shares.
        paused: arms that get no traffic.
        prior: Beta prior (a, b) of every arm.
        context: features that split the statistics (none: one bandit per placement).
    """

    arms: tuple[str, ...]
    mode: Mode = "bandit"
    reward: RewardKind = "click"
    floor: float = 0.02
    split: Mapping[str, float] = field(default_factory=dict)
    paused: frozenset[str] = frozenset()
    prior: tuple[float, float] = (1.0, 1.0)
    context: tuple[ContextFeature, ...] = ()

    def __post_init__(self) -> None:
        if not self.arms:
            raise ValueError("a placement needs at least one arm")
        if len(set(self.arms)) != len(self.arms):
            raise ValueError(f"arms repeat: {list(self.arms)}")
        if not 0.0 <= self.floor * len(self.arms) <= 1.0:
            raise ValueError(f"floor {self.floor} x {len(self.arms)} arms must lie between 0 and 1")
        unknown = (set(self.split) | set(self.paused)) - set(self.arms)
        if unknown:
            raise ValueError(f"split or paused names unknown arms: {sorted(unknown)}")
        if any(v < 0 for v in self.split.values()):
            raise ValueError("split percentages must not be negative")
        if min(self.prior) <= 0:
            raise ValueError("the Beta prior's parameters must be positive")

    @property
    def active(self) -> tuple[str, ...]:
        """Arms that may be served (all arms when every one is paused: serving must go on)."""
        live = tuple(a for a in self.arms if a not in self.paused)
        return live or self.arms

    def fixed_shares(self) -> dict[str, float]:
        """The fixed split over the active arms, summing to 1."""
        active = self.active
        weights = np.array([float(self.split.get(a, 0.0)) for a in active])
        if not self.split or weights.sum() <= 0:
            weights = np.ones(len(active))
        weights /= weights.sum()
        return dict(zip(active, weights.tolist(), strict=True))


def daypart(hour: int) -> str:
    """`night` (0-5), `morning` (6-11), `afternoon` (12-17) or `evening` (18-23)."""
    return ("night", "morning", "afternoon", "evening")[(hour % 24) // 6]


def context_key(
    features: Sequence[ContextFeature],
    *,
    returning: bool = False,
    device: str = "desktop",
    hour: int = 12,
) -> str:
    """The statistics bucket of one request: `all`, or the chosen features joined by `|`.

    Args:
        features: which features split the statistics (the policy's `context`).
        returning: the shopper has a history with the shop (identified, or seen before).
        device: `mobile` or `desktop` (anything else counts as desktop).
        hour: the shopper's local hour, 0-23.
    """
    parts = []
    for feature in features:
        if feature == "visitor":
            parts.append("returning" if returning else "new")
        elif feature == "device":
            parts.append("mobile" if device == "mobile" else "desktop")
        else:
            parts.append(daypart(hour))
    return "|".join(parts) or "all"


def posteriors(policy: Policy, stats: Mapping[str, ArmStats]) -> dict[str, Posterior]:
    """Every arm's posterior under the policy's reward and prior (no data: the prior)."""
    a0, b0 = policy.prior
    out = {}
    for arm in policy.arms:
        s = stats.get(arm, ArmStats())
        wins = s.successes(policy.reward)
        out[arm] = Posterior(a0 + wins, b0 + s.impressions - wins)
    return out


def choose(policy: Policy, stats: Mapping[str, ArmStats], rng: np.random.Generator) -> str:
    """The arm to serve next.

    Args:
        policy: the placement's policy.
        stats: counts per arm in the request's context.
        rng: the random source (seed it for a reproducible run).

    Returns:
        An active arm's name.
    """
    active = policy.active
    if policy.mode == "fixed":
        shares = policy.fixed_shares()
        return active[int(rng.choice(len(active), p=[shares[a] for a in active]))]
    if rng.random() < policy.floor * len(active):
        return active[int(rng.integers(len(active)))]
    post = posteriors(policy, stats)
    draws = [rng.beta(post[a].a, post[a].b) for a in active]
    return active[int(np.argmax(draws))]


def traffic_shares(
    policy: Policy,
    stats: Mapping[str, ArmStats],
    draws: int = 2000,
    rng: np.random.Generator | None = None,
) -> dict[str, float]:
    """The share of requests each arm gets now: in bandit mode the floor plus the
    probability that the arm's draw is the largest (estimated from `draws` samples).

    These are also the propensities that inverse propensity scoring divides by.
    """
    if policy.mode == "fixed":
        fixed = policy.fixed_shares()
        return {a: fixed.get(a, 0.0) for a in policy.arms}
    rng = rng if rng is not None else np.random.default_rng(0)
    active = policy.active
    post = posteriors(policy, stats)
    samples = np.column_stack([rng.beta(post[a].a, post[a].b, size=draws) for a in active])
    best = np.bincount(samples.argmax(axis=1), minlength=len(active)) / draws
    explore = policy.floor * len(active)
    shares = {a: 0.0 for a in policy.arms}
    for i, arm in enumerate(active):
        shares[arm] = explore / len(active) + (1.0 - explore) * float(best[i])
    return shares


class ThompsonLearner:
    """A policy with its own in-memory counts, for offline replay and simulation."""

    def __init__(self, policy: Policy, seed: int = 0) -> None:
        self.policy = policy
        self.rng = np.random.default_rng(seed)
        self.stats: dict[str, dict[str, ArmStats]] = {}

    def choose(self, context: str = "all") -> str:
        """The arm this learner serves in `context` now."""
        return choose(self.policy, self.stats.get(context, {}), self.rng)

    def update(self, context: str, arm: str, reward: float) -> None:
        """Count one impression of `arm` and, when `reward` is positive, its success."""
        s = self.stats.setdefault(context, {}).setdefault(arm, ArmStats())
        s.impressions += 1
        if reward > 0:
            if self.policy.reward == "click":
                s.clicks += 1
            else:
                s.carts += 1


class FixedArm:
    """Always the same arm (what each arm would have earned served alone)."""

    def __init__(self, arm: str) -> None:
        self.arm = arm

    def choose(self, context: str = "all") -> str:
        """Always `arm`."""
        return self.arm

    def update(self, context: str, arm: str, reward: float) -> None:
        """A fixed arm learns nothing."""
