"""Replay (Li et al. 2011) and IPS against estimates worked out by hand."""

from __future__ import annotations

import pytest

from recsys.bandit import FixedArm
from recsys.replay import LoggedImpression, ips, replay

LOG = [
    LoggedImpression("all", "A", 1.0, 0.5),
    LoggedImpression("all", "B", 0.0, 0.5),
    LoggedImpression("all", "A", 0.0, 0.25),
    LoggedImpression("all", "B", 1.0, 0.75),
]


class Laplace:
    """Serves the arm with the best (wins + 1) / (tries + 2), ties to the first name."""

    def __init__(self) -> None:
        self.tries = {"A": 0, "B": 0}
        self.wins = {"A": 0.0, "B": 0.0}

    def choose(self, context: str = "all") -> str:
        return max(sorted(self.tries), key=lambda a: (self.wins[a] + 1) / (self.tries[a] + 2))

    def update(self, context: str, arm: str, reward: float) -> None:
        self.tries[arm] += 1
        self.wins[arm] += reward


def test_replay_of_fixed_arms_averages_the_events_where_they_match() -> None:
    a = replay(FixedArm("A"), LOG)
    assert (a.value, a.matched, a.total) == (0.5, 2, 4)  # (1 + 0) / 2
    b = replay(FixedArm("B"), LOG)
    assert (b.value, b.matched) == (0.5, 2)  # (0 + 1) / 2


def test_replay_lets_a_learning_policy_learn_only_from_matched_events() -> None:
    log = [
        LoggedImpression("all", "A", 0.0),  # picks A (tie): match, A = 1/3
        LoggedImpression("all", "B", 1.0),  # picks B (1/2 > 1/3): match, B = 2/3
        LoggedImpression("all", "A", 1.0),  # picks B: skipped, A learns nothing
        LoggedImpression("all", "B", 0.0),  # picks B: match, B = 2/4
        LoggedImpression("all", "A", 1.0),  # picks B (1/2 > 1/3): skipped
    ]
    result = replay(Laplace(), log)
    assert result.matched == 3
    assert result.value == pytest.approx(1 / 3)  # rewards 0, 1, 0
    assert result.match_rate == pytest.approx(3 / 5)


def test_ips_weights_matched_rewards_by_the_inverse_logged_propensity() -> None:
    a = ips(FixedArm("A"), LOG)
    assert a.value == pytest.approx((1 / 0.5 + 0 / 0.25) / 4)  # 0.5
    assert a.normalised == pytest.approx(2 / (2 + 4))
    b = ips(FixedArm("B"), LOG)
    assert b.value == pytest.approx((1 / 0.75) / 4)
    assert b.normalised == pytest.approx((1 / 0.75) / (2 + 1 / 0.75))


def test_ips_refuses_a_log_without_propensities() -> None:
    with pytest.raises(ValueError, match="propensity"):
        ips(FixedArm("A"), [LoggedImpression("all", "A", 1.0, 0.0)])
