"""Off-policy evaluation of an arm-choosing policy over logged impressions: replay and IPS.

Replay (Li, Chu, Langford and Wang, WSDM 2011): walk the log in time order; where the policy,
shown the logged context, picks the logged arm, the event counts (its reward is added and the
policy learns from it), otherwise it is skipped. The estimate is the mean reward over counted
events. It is unbiased when the log chose arms uniformly at random; under a non-uniform
logging policy (a bandit in production) use inverse propensity scoring instead: each counted
event's reward is weighted by 1 / the logged propensity (the share of traffic the logged arm
had when it was served). `ips` gives the plain estimate (the weighted sum over all logged
events) and the self-normalised one (weighted sum over the sum of weights), which trades a
little bias for much less variance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Learner", "LoggedImpression", "OffPolicyEstimate", "ips", "replay"]


@dataclass(frozen=True)
class LoggedImpression:
    """One served recommendation: where, which arm, with what probability, and its reward."""

    context: str
    arm: str
    reward: float
    propensity: float = 1.0


class Learner(Protocol):
    """A policy that picks an arm for a context and may learn from the outcome."""

    def choose(self, context: str = "all") -> str:
        """The arm to serve in `context`."""
        ...

    def update(self, context: str, arm: str, reward: float) -> None:
        """Learn from a served arm's reward."""
        ...


@dataclass(frozen=True)
class OffPolicyEstimate:
    """An estimate of a policy's reward per impression and how much of the log backed it."""

    method: str
    value: float
    matched: int
    total: int
    normalised: float | None = None

    @property
    def match_rate(self) -> float:
        """Share of logged events where the policy agreed with the log."""
        return self.matched / self.total if self.total else 0.0


def replay(policy: Learner, log: Iterable[LoggedImpression]) -> OffPolicyEstimate:
    """The replay estimate of `policy`'s reward per impression.

    Args:
        policy: chooses an arm per event and learns from the events it matched.
        log: impressions in the order they were served.

    Returns:
        `value` is the mean reward over matched events (0 when none matched).
    """
    matched, total, reward = 0, 0, 0.0
    for event in log:
        total += 1
        if policy.choose(event.context) != event.arm:
            continue
        matched += 1
        reward += event.reward
        policy.update(event.context, event.arm, event.reward)
    return OffPolicyEstimate("replay", reward / matched if matched else 0.0, matched, total)


def ips(policy: Learner, log: Iterable[LoggedImpression]) -> OffPolicyEstimate:
    """The inverse propensity estimate of `policy`'s reward per impression.

    Events whose propensity is not positive cannot be reweighted and are refused.

    Args:
        policy: chooses an arm per event and learns from the events it matched.
        log: impressions in serving order, each with the propensity of its logged arm.

    Returns:
        `value` is sum(reward / propensity over matched events) / all events;
        `normalised` divides by the sum of the matched events' weights instead.
    """
    matched, total, weighted, weights = 0, 0, 0.0, 0.0
    for event in log:
        if event.propensity <= 0 or event.propensity > 1:
            raise ValueError(f"propensity must lie in (0, 1], got {event.propensity}")
        total += 1
        if policy.choose(event.context) != event.arm:
            continue
        matched += 1
        weight = 1.0 / event.propensity
        weighted += weight * event.reward
        weights += weight
        policy.update(event.context, event.arm, event.reward)
    return OffPolicyEstimate(
        "ips",
        weighted / total if total else 0.0,
        matched,
        total,
        normalised=weighted / weights if weights else 0.0,
    )
