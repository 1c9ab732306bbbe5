"""The shipped defaults on the bundled demo shop (data/demo, committed: never skipped)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from recsys import Filters, LocalRecommender, RecsysSettings, train
from recsys.catalog import read_catalog


def test_the_demo_shop_trains_and_answers_with_real_titles(demo_dir: Path, tmp_path: Path) -> None:
    settings = RecsysSettings(
        data_dir=tmp_path / "var",
        catalog_path=demo_dir / "products.jsonl",
        interactions_path=demo_dir / "interactions.parquet",
    )
    result = train(settings, ["als"])
    assert (
        result.metrics["users"]
        == pd.read_parquet(demo_dir / "interactions.parquet", columns=["user_id"])[
            "user_id"
        ].nunique()
    )
    catalog = read_catalog(settings.catalog_path).set_index("id")
    recommender = LocalRecommender(settings)

    # The shop's best-known item: its partners come with order counts and real titles.
    together = recommender.bought_together("85123A", 5, Filters(in_stock=True))
    assert len(together) == 5
    assert all(catalog.loc[r.product_id, "in_stock"] for r in together)
    assert together[0].reason.count and together[0].reason.count > 100
    assert "White Hanging Heart T-Light Holder" in together[0].reason.text

    # A real customer: nothing they bought comes back, reasons name what they bought.
    interactions = pd.read_parquet(demo_dir / "interactions.parquet")
    customer = interactions["user_id"].value_counts().index[100]
    bought = set(interactions.loc[interactions["user_id"] == customer, "product_id"])
    recs = recommender.recommend(customer, 10, Filters(category="Home Decor", in_stock=True))
    assert len(recs) == 10
    assert not {r.product_id for r in recs} & bought
    assert all(str(catalog.loc[r.product_id, "category"]).startswith("Home Decor >") for r in recs)
    assert recs[0].reason.code == "because_you_bought"
    assert recs[0].reason.product_id in bought
    assert catalog.loc[recs[0].reason.product_id, "title"] in recs[0].reason.text
