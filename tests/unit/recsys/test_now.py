"""ALS's "selling now" terms: recent buyers and new arrivals lift items a customer would
otherwise see tied with older ones, survive an artifact round trip, and switch off at 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys import RecsysSettings
from recsys.als import ALSModel
from recsys.dataset import build_dataset

NEWEST = pd.Timestamp("2024-06-30 12:00", tz="UTC")


def _frame() -> pd.DataFrame:
    """OLD sold in spring and once last week; NEW first sold 5 days ago; GONE only in spring."""
    rows = []

    def buy(user: str, item: str, days_ago: float) -> None:
        rows.append(
            {
                "user_id": user,
                "product_id": item,
                "event": "purchase",
                "value": 1.0,
                "ts": NEWEST - pd.Timedelta(days=days_ago),
                "basket_id": None,
            }
        )

    for user in ("u1", "u2", "u3"):
        buy(user, "OLD", 90)
        buy(user, "GONE", 90)
    buy("u1", "OLD", 7)
    buy("u1", "OLD", 6)  # the same customer twice: one recent buyer
    buy("u2", "NEW", 5)
    buy("u3", "NEW", 0)
    buy("u4", "GONE", 80)
    return pd.DataFrame(rows)


def test_recent_buyers_and_new_arrivals_come_from_the_newest_days_of_the_data() -> None:
    data = build_dataset(_frame(), RecsysSettings(trend_window_days=14, arrivals_window_days=30))
    recent = dict(zip(data.item_ids, data.recent_buyers.tolist(), strict=True))
    arrived = dict(zip(data.item_ids, data.new_arrivals.tolist(), strict=True))
    assert recent == {"OLD": 1, "GONE": 0, "NEW": 2}
    assert arrived == {"OLD": False, "GONE": False, "NEW": True}


def _tied_model(tmp: Path | None, trend: float, arrivals: float) -> tuple[ALSModel, list[str]]:
    data = build_dataset(_frame(), RecsysSettings())
    # Every item gets the same factors: ALS alone cannot tell them apart.
    items = np.ones((data.n_items, 4), dtype=np.float32)
    users = np.ones((data.n_users, 4), dtype=np.float32)
    params: dict[str, object] = {"trend_weight": trend, "arrivals_weight": arrivals}
    model = ALSModel(users, items, data.confidence, params, data.recent_buyers, data.new_arrivals)
    if tmp is not None:
        model.save(tmp)
        model = ALSModel.load(tmp, data.confidence, params)
    return model, data.item_ids


def _ranking(model: ALSModel, item_ids: list[str]) -> list[str]:
    scores = model.score_users(np.array([3]))[0]  # u4, who bought only GONE
    return [item_ids[i] for i in np.argsort(-scores, kind="stable")]


def test_what_sells_now_outranks_an_equally_liked_item_that_stopped_selling() -> None:
    model, items = _tied_model(None, trend=0.75, arrivals=0.25)
    assert _ranking(model, items) == ["NEW", "OLD", "GONE"]


def test_the_terms_survive_saving_and_loading_the_model(tmp_path: Path) -> None:
    model, items = _tied_model(tmp_path, trend=0.75, arrivals=0.25)
    assert (tmp_path / "now.npz").is_file()
    assert _ranking(model, items) == ["NEW", "OLD", "GONE"]


def test_weights_of_zero_serve_the_plain_dot_products() -> None:
    model, _ = _tied_model(None, trend=0.0, arrivals=0.0)
    scores = model.score_users(np.array([0, 3]))
    np.testing.assert_array_equal(scores, np.full(scores.shape, 4.0, dtype=np.float32))


def test_sessions_are_scored_by_the_fold_in_alone() -> None:
    model, _ = _tied_model(None, trend=0.75, arrivals=0.25)
    scores = model.score_session(np.array([0]))
    # Tied factors give tied session scores: no trend term was added.
    assert np.allclose(scores, scores[0])
