"""A serving process may precompute every known user's scores: the lists must not change."""

from __future__ import annotations

from pathlib import Path

import pytest

from recsys import Filters, LocalRecommender
from recsys.factors import FactorModel
from tests.unit.recsys.shop import interaction_rows, trained_shop


@pytest.mark.parametrize("model", ["als", "bpr"])
def test_the_precomputed_table_serves_the_lists_that_computing_per_call_serves(
    tmp_path: Path, model: str
) -> None:
    # The shipped "selling now" weights, so ALS's standardised score is what the table holds.
    settings = trained_shop(tmp_path / "shop", model, trend_weight=0.75, arrivals_weight=0.25)
    table = LocalRecommender(settings)
    per_call = LocalRecommender(settings.model_copy(update={"score_table_mb": 0}))
    for recommender, expected in ((table, True), (per_call, False)):
        scorer = recommender.ranker().scorer
        assert isinstance(scorer, FactorModel)
        assert scorer.precompute(0) is expected  # 0 bytes: reports, never builds
    users = sorted({str(r["user_id"]) for r in interaction_rows()}) + ["nobody"]
    for user in users:
        for filters in (None, Filters(in_stock=True), Filters(category="Toys & Games")):
            for exclude in (True, False):
                a = table.recommend(user, 5, filters, exclude)
                b = per_call.recommend(user, 5, filters, exclude)
                assert [(r.product_id, r.reason) for r in a] == [
                    (r.product_id, r.reason) for r in b
                ], (user, filters, exclude)
                assert [r.score for r in a] == pytest.approx([r.score for r in b], abs=1e-4)


def test_a_table_over_the_budget_is_not_built(tmp_path: Path) -> None:
    settings = trained_shop(tmp_path / "shop", "als")
    # 60 users x 24 items x 4 bytes = 5,760 bytes: a 1 MiB budget holds it, this one not.
    scorer = LocalRecommender(settings.model_copy(update={"score_table_mb": 0})).ranker().scorer
    assert isinstance(scorer, FactorModel)
    assert scorer.precompute(5_000) is False
    assert scorer.precompute(6_000) is True
