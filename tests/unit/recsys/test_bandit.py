"""The arm-choosing policy: Thompson sampling finds a known best arm; floor, pauses, split."""

from __future__ import annotations

import numpy as np
import pytest

from recsys.bandit import (
    ArmStats,
    Policy,
    ThompsonLearner,
    choose,
    context_key,
    posteriors,
    traffic_shares,
)

RATES = {"pop": 0.05, "als": 0.20, "cooc": 0.10}


def _run(policy: Policy, rounds: int, seed: int) -> tuple[ThompsonLearner, list[str]]:
    """Serve `rounds` impressions in a world whose click rates are RATES."""
    world = np.random.default_rng(seed + 1000)
    learner = ThompsonLearner(policy, seed)
    served = []
    for _ in range(rounds):
        arm = learner.choose()
        learner.update("all", arm, float(world.random() < RATES[arm]))
        served.append(arm)
    return learner, served


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thompson_sampling_sends_most_traffic_to_the_known_best_arm(seed: int) -> None:
    learner, served = _run(Policy(("pop", "als", "cooc")), 4000, seed)
    late = served[-1000:]
    assert late.count("als") > late.count("cooc") + late.count("pop")
    post = posteriors(learner.policy, learner.stats["all"])
    assert max(post, key=lambda a: post[a].mean) == "als"
    # Its reward beats serving arms at random (the mean rate) over the whole run.
    earned = sum(learner.stats["all"][a].clicks for a in RATES)
    assert earned > 4000 * np.mean(list(RATES.values()))


def test_every_active_arm_keeps_the_exploration_floor_however_sure_the_bandit_is() -> None:
    policy = Policy(("pop", "als", "cooc"), floor=0.05)
    stats = {
        "pop": ArmStats(10_000, 100),
        "als": ArmStats(10_000, 3_000),
        "cooc": ArmStats(10_000, 500),
    }
    shares = traffic_shares(policy, stats)
    assert all(share >= 0.05 for share in shares.values())
    assert shares["als"] == pytest.approx(1 - 2 * 0.05, abs=0.01)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_a_paused_arm_is_never_served_and_a_fixed_split_follows_its_percentages() -> None:
    rng = np.random.default_rng(7)
    paused = Policy(("pop", "als", "cooc"), paused=frozenset({"als"}))
    served = {choose(paused, {"als": ArmStats(100, 90)}, rng) for _ in range(500)}
    assert served == {"pop", "cooc"}
    assert traffic_shares(paused, {})["als"] == 0.0

    fixed = Policy(("pop", "als"), mode="fixed", split={"pop": 20, "als": 80})
    picks = [choose(fixed, {}, rng) for _ in range(5000)]
    assert picks.count("als") / len(picks) == pytest.approx(0.8, abs=0.03)
    assert traffic_shares(fixed, {}) == {"pop": pytest.approx(0.2), "als": pytest.approx(0.8)}


def test_cart_reward_reads_carts_and_the_interval_holds_the_mean() -> None:
    policy = Policy(("als",), reward="cart")
    post = posteriors(policy, {"als": ArmStats(impressions=100, clicks=50, carts=10)})["als"]
    assert post.mean == pytest.approx(11 / 102)
    low, high = post.interval(0.95)
    assert low < post.mean < high
    assert 0.0 < low and high < 0.25


def test_bad_policies_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="floor"):
        Policy(("a", "b", "c"), floor=0.5)
    with pytest.raises(ValueError, match="unknown arms"):
        Policy(("a", "b"), paused=frozenset({"z"}))
    with pytest.raises(ValueError, match="at least one arm"):
        Policy(())


def test_context_keys_split_by_the_chosen_features_only() -> None:
    assert context_key(()) == "all"
    assert context_key(("visitor",), returning=True, device="mobile") == "returning"
    key = context_key(("visitor", "device", "daypart"), device="mobile", hour=20)
    assert key == "new|mobile|evening"
