"""An experiment's arm names the model that answers one call, among those the artifact holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from recsys import BadRequest, LocalRecommender, train
from tests.unit.recsys.shop import buyers, purchases_of, shop_settings


def test_an_arm_answers_from_its_own_model_and_an_unheld_one_is_refused(tmp_path: Path) -> None:
    settings = shop_settings(tmp_path, "als")
    train(settings, ["als", "cooc"])
    recommender = LocalRecommender(settings)
    bought = purchases_of("c03")
    served = [r.product_id for r in recommender.recommend("c03", 2)]
    assert all(p.startswith("C") for p in served)  # candles c03 lacks
    popular = [r.product_id for r in recommender.recommend("c03", 4, model="pop")]
    counts = buyers()
    ranked = sorted((p for p in counts if p not in bought), key=lambda p: -counts[p])
    assert [counts[p] for p in popular] == [counts[p] for p in ranked[:4]]
    assert all(r.reason.code == "popular" for r in recommender.recommend("c03", 2, model="pop"))
    session = recommender.recommend_for_session(["M2"], 3, model="cooc")
    assert session and all(r.product_id.startswith("M") for r in session)
    with pytest.raises(BadRequest, match="'ease' is not in artifact"):
        recommender.recommend("c03", 4, model="ease")
