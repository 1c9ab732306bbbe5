"""The simulation: fixed arms' curves are their rewards, and the bandit learns which is best."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys.bandit import Policy
from recsys.bandit_sim import RewardMatrix, reward_matrix, simulate
from tests.unit.recsys.shop import interaction_rows, shop_settings


def test_the_bandit_reaches_nine_tenths_of_the_best_arm_on_known_rates() -> None:
    rng = np.random.default_rng(3)
    rates = np.array([0.05, 0.3, 0.15])
    rewards = (rng.random((5000, 3)) < rates).astype(np.float64)
    matrix = RewardMatrix(["pop", "als", "cooc"], rewards, ["all"] * 5000, "", "")
    result = simulate(matrix, Policy(("pop", "als", "cooc")), seeds=range(5))
    assert result.best_arm == "als" and result.worst_arm == "pop"
    assert result.arm_totals["als"] == rewards[:, 1].sum()
    assert result.bandit_median >= 0.9 * result.arm_totals["als"]
    assert all(picks["als"] > picks["cooc"] + picks["pop"] for picks in result.bandit_picks)


def test_on_a_shop_whose_groups_never_mix_personal_lists_earn_more_than_popular_ones(
    tmp_path: Path,
) -> None:
    frame = pd.DataFrame(interaction_rows())
    settings = shop_settings(tmp_path)
    matrix = reward_matrix(frame, "2024-01-15", settings, ["pop", "als"], k=5)
    later = frame[frame["ts"] >= pd.Timestamp("2024-01-15", tz="UTC")]
    known = set(frame[frame["ts"] < pd.Timestamp("2024-01-15", tz="UTC")]["user_id"])
    assert len(matrix.rewards) == later[later["user_id"].isin(known)]["basket_id"].nunique()
    assert set(np.unique(matrix.rewards)) <= {0.0, 1.0}
    totals = matrix.rewards.sum(axis=0)
    assert totals[1] > totals[0]
