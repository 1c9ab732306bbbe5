"""Fairness figures against a catalog small enough to work out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from recsys.fairness import fairness_report, gini, item_popularity, summarize

CATEGORIES = {"a": "X", "b": "X", "c": "Y", "d": "Y"}
HISTORY = pd.DataFrame(
    {
        "user_id": ["u1", "u1", "u2", "u3", "u3", "u4"],
        "product_id": ["a", "b", "a", "a", "c", "d"],
    }
)


def test_gini_is_zero_for_equal_exposure_and_grows_with_concentration() -> None:
    assert gini([3, 3, 3]) == 0.0
    assert gini([0, 1, 1, 2]) == pytest.approx(0.375)
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n - 1) / n for one product


def test_report_figures_match_the_hand_computed_ones() -> None:
    popularity = item_popularity(HISTORY)
    # a is bought by 3 of 4 customers, the rest by 1; a alone crosses a fifth of purchases.
    assert popularity.share == {"a": 0.75, "b": 0.25, "c": 0.25, "d": 0.25}
    assert popularity.head == {"a"}
    assert popularity.profile_mean == pytest.approx((3 * 0.75 + 3 * 0.25) / 6)
    lists = [["a", "b"], ["a", "c"]]
    report = fairness_report("test", lists, CATEGORIES, popularity, {"visitor": ["new", "ret"]})
    m = report.overall
    assert m.coverage == pytest.approx(3 / 4)
    assert m.gini == pytest.approx(0.375)  # exposure 2, 1, 1, 0
    assert m.mean_popularity == pytest.approx(0.5)
    assert m.popularity_lift == pytest.approx(1.0)
    assert m.head_share == pytest.approx(0.5)
    assert m.novelty == pytest.approx((2 * 0.4150375 + 2 * 2.0) / 4)
    assert m.diversity == pytest.approx(0.5)  # (a, b) share X; (a, c) differ
    assert report.segments["visitor"]["new"].diversity == 0.0
    assert report.segments["visitor"]["ret"].diversity == 1.0


def test_the_summary_names_a_popularity_bias_when_lists_lean_to_bestsellers() -> None:
    popularity = item_popularity(HISTORY)
    report = fairness_report("only bestsellers", [["a"]] * 10, CATEGORIES, popularity)
    text = " ".join(summarize(report))
    assert "1 of 4 products" in text
    assert "moderate popularity bias" in text  # 0.75 / 0.5 = 1.5x
    empty = fairness_report("nothing yet", [], CATEGORIES, popularity)
    assert summarize(empty) == ["nothing yet: no recommendations to report on yet."]
