"""The bandit against fixed arms on a time split, customers' real next orders as the reward.

Every arm (a model name) is trained on the purchases before the cut-off. Each later order
(basket) of a customer training knows is one visit, in time order: each arm's top-k list for
that customer, ranked as `recommend` serves it (items the customer already had excluded,
popularity filling short lists), earns 1 if the order holds any product on it. Because every
arm's list is known for every visit, the full reward matrix (visits x arms) is computed once;
each fixed arm's cumulative reward is its column's running sum, and the bandit walks the
visits choosing one arm per visit and learning only from the reward of the arm it chose, as
it would in production. Customers' histories stay as of the cut-off (no retraining during
the test period), for the bandit and the fixed arms alike.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys.bandit import Policy, ThompsonLearner
from recsys.catalog import ItemTable
from recsys.dataset import build_dataset
from recsys.errors import BadRequest
from recsys.evaluate import split_by_time
from recsys.ranking import Ranker
from recsys.scoring import IntArray
from recsys.settings import RecsysSettings
from recsys.training import build_artifact, fit_models

__all__ = ["DEFAULT_ARMS", "RewardMatrix", "SimulationResult", "reward_matrix", "simulate"]

log = logging.getLogger(__name__)

DEFAULT_ARMS: tuple[str, ...] = ("pop", "cooc", "als", "hybrid", "bpr")


@dataclass
class RewardMatrix:
    """Each visit's reward under each arm, with the visit's context."""

    arms: list[str]
    rewards: np.ndarray
    """visits x arms, 0 or 1 (float64)."""
    contexts: list[str]
    """`new` (one order before the cut-off) or `returning` (more), per visit."""
    first_visit: str
    last_visit: str


@dataclass
class SimulationResult:
    """Cumulative rewards of the bandit (one run per seed) and of every fixed arm."""

    arms: list[str]
    visits: int
    arm_curves: dict[str, np.ndarray]
    bandit_curves: list[np.ndarray]
    bandit_picks: list[dict[str, int]]
    policy: Policy

    @property
    def arm_totals(self) -> dict[str, float]:
        """Each fixed arm's total reward."""
        return {a: float(c[-1]) if len(c) else 0.0 for a, c in self.arm_curves.items()}

    @property
    def bandit_totals(self) -> list[float]:
        """The bandit's total reward, per seed."""
        return [float(c[-1]) if len(c) else 0.0 for c in self.bandit_curves]

    @property
    def bandit_median(self) -> float:
        """The median over seeds of the bandit's total reward."""
        return float(np.median(self.bandit_totals))

    @property
    def best_arm(self) -> str:
        """The best fixed arm in hindsight."""
        totals = self.arm_totals
        return max(totals, key=lambda a: totals[a])

    @property
    def worst_arm(self) -> str:
        """The worst fixed arm."""
        totals = self.arm_totals
        return min(totals, key=lambda a: totals[a])

    def median_curve(self) -> np.ndarray:
        """The bandit's cumulative reward, median over seeds at each visit."""
        curve: np.ndarray = np.median(np.vstack(self.bandit_curves), axis=0)
        return curve


def _user_lists(ranker: Ranker, users: IntArray, k: int) -> dict[int, set[int]]:
    lists = ranker.rank_users(users, k, exclude_seen=True)
    return {int(u): set(items.tolist()) for u, items in zip(users, lists, strict=True)}


def reward_matrix(
    frame: pd.DataFrame,
    cutoff: str,
    settings: RecsysSettings,
    arms: Sequence[str] = DEFAULT_ARMS,
    k: int = 10,
    progress: bool = False,
) -> RewardMatrix:
    """Train every arm before `cutoff` and score it on every later order.

    Args:
        frame: validated interaction rows with `basket_id` (Online Retail II's invoices).
        cutoff: the split date (UTC).
        settings: recsys settings, as training uses them.
        arms: model names; each must be registered.
        k: list length shown per visit.
        progress: progress bars on stderr.

    Returns:
        The reward matrix over the test period's visits.
    """
    train, test = split_by_time(frame, cutoff)
    if train.empty or test.empty:
        raise BadRequest("the simulation needs purchases on both sides of the cut-off")
    data = build_dataset(train, settings)
    fitted, _ = fit_models(data, settings, list(arms), progress)
    artifact = build_artifact(
        data, fitted, "pop", ItemTable.build(data.item_ids, None), version="simulation"
    )
    user_index = artifact.user_index
    item_index = {item: i for i, item in enumerate(data.item_ids)}
    bought = test[(test["event"] == "purchase") & test["user_id"].isin(user_index)]
    bought = bought.assign(basket=bought["basket_id"].fillna(bought["user_id"]))
    visits = (
        bought.groupby(["basket", "user_id"], sort=False)
        .agg(ts=("ts", "min"), items=("product_id", lambda s: {item_index.get(p, -1) for p in s}))
        .reset_index()
        .sort_values(["ts", "basket"], kind="stable")
    )
    users = np.array(sorted({user_index[u] for u in visits["user_id"]}), dtype=np.int64)
    lists = {arm: _user_lists(Ranker(artifact, arm), users, k) for arm in arms}
    orders_before = train.groupby("user_id")["basket_id"].nunique()
    rewards = np.zeros((len(visits), len(arms)))
    contexts = []
    for row, (user, items) in enumerate(zip(visits["user_id"], visits["items"], strict=True)):
        u = user_index[user]
        for col, arm in enumerate(arms):
            rewards[row, col] = float(bool(lists[arm][u] & items))
        contexts.append("new" if orders_before.get(user, 0) <= 1 else "returning")
    log.info("simulation: %d visits of %d customers, %d arms", len(visits), len(users), len(arms))
    return RewardMatrix(
        list(arms),
        rewards,
        contexts,
        str(visits["ts"].min()) if len(visits) else "",
        str(visits["ts"].max()) if len(visits) else "",
    )


def simulate(
    matrix: RewardMatrix,
    policy: Policy,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    use_context: bool = False,
) -> SimulationResult:
    """Walk the visits with the bandit, once per seed, and every fixed arm alongside.

    Args:
        matrix: from `reward_matrix` (or any visits x arms 0/1 matrix).
        policy: the placement's policy; its arms must be the matrix's arms.
        seeds: one bandit run per seed.
        use_context: split the bandit's statistics by the visit's context.

    Returns:
        The curves; `bandit_median / arm_totals[best_arm]` is the headline ratio.
    """
    if list(policy.arms) != matrix.arms:
        raise BadRequest(f"the policy's arms {list(policy.arms)} differ from {matrix.arms}")
    column = {arm: i for i, arm in enumerate(matrix.arms)}
    curves, picks = [], []
    for seed in seeds:
        learner = ThompsonLearner(policy, seed)
        earned = np.zeros(len(matrix.rewards))
        counts = dict.fromkeys(matrix.arms, 0)
        for t, context in enumerate(matrix.contexts):
            key = context if use_context else "all"
            arm = learner.choose(key)
            reward = matrix.rewards[t, column[arm]]
            learner.update(key, arm, reward)
            earned[t] = reward
            counts[arm] += 1
        curves.append(np.cumsum(earned))
        picks.append(counts)
    arm_curves = {a: np.cumsum(matrix.rewards[:, i]) for a, i in column.items()}
    return SimulationResult(matrix.arms, len(matrix.rewards), arm_curves, curves, picks, policy)
