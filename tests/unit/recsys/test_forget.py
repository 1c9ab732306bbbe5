"""Forgetting a shopper: their rows go, their history stops shaping results at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from recsys import Interaction, InteractionStore, LocalRecommender, train
from recsys.artifacts import load_artifact
from recsys.versions import current_version
from tests.unit.recsys.shop import interaction_rows, trained_shop


def test_a_forgotten_user_gets_no_personal_recommendations_at_once(fresh_shop: Path) -> None:
    settings = trained_shop(fresh_shop, "als", reload_interval_s=3600.0)
    serving = LocalRecommender(settings)
    other_process = LocalRecommender(settings)
    assert serving.recommend("m07", 3)[0].reason.code == "because_you_bought"
    assert other_process.recommend("m07", 3)[0].reason.fallback is None

    removed = serving.forget("m07")
    assert removed == sum(1 for r in interaction_rows() if r["user_id"] == "m07")

    for recommender in (serving, other_process):  # no reload, no restart
        results = recommender.recommend("m07", 3)
        assert [r.reason.fallback for r in results] == ["forgotten_user"] * 3
        # Their history no longer shapes anything: they get what a stranger gets.
        stranger = recommender.recommend("someone-new", 3)
        assert [r.product_id for r in results] == [r.product_id for r in stranger]
    assert "m07" not in set(InteractionStore(settings.store_path).load()["user_id"])
    # Other shoppers are untouched.
    assert serving.recommend("m08", 3)[0].reason.code == "because_you_bought"


def test_the_next_training_leaves_the_forgotten_user_out(fresh_shop: Path) -> None:
    settings = trained_shop(fresh_shop, "als")
    LocalRecommender(settings).forget("c02")
    train(settings, ["als"])
    artifact = load_artifact(settings.artifacts_dir / str(current_version(settings.artifacts_dir)))
    assert "c02" not in artifact.user_index
    assert artifact.meta["metrics"]["users"] == 59


def test_a_forgotten_user_who_comes_back_is_personalised_from_new_history_only(
    fresh_shop: Path,
) -> None:
    settings = trained_shop(fresh_shop, "als")
    serving = LocalRecommender(settings)
    serving.forget("t03")
    later = datetime.now(UTC) + timedelta(seconds=1)
    serving.record([Interaction(user_id="t03", product_id="M2", event="purchase", ts=later)])
    train(settings, ["als"])
    results = serving.recommend("t03", 3)
    assert results[0].reason.fallback is None
    assert results[0].reason.code == "because_you_bought"
    assert results[0].reason.product_id == "M2"
