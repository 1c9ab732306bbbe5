"""The Recommender contract, run against every model in `shop.MODELS`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from recsys import Filters, LocalRecommender, Recommendation, Recommender, RecsysSettings
from tests.unit.recsys.shop import (
    MODELS,
    TOGETHER,
    buyers,
    catalog_rows,
    passes,
    purchases_of,
)

PRODUCTS = {str(p["id"]): p for p in catalog_rows()}
FILTERS = [
    {"in_stock": True},
    {"category": "Kitchen & Dining"},
    {"category": "home decor > candles & holders"},
    {"price_min": 5.0, "price_max": 15.0},
    {"in_stock": True, "category": "Home Decor", "price_max": 4.0},
]


def ids(results: list[Recommendation]) -> list[str]:
    return [r.product_id for r in results]


def test_local_recommender_implements_the_protocol(recommender: LocalRecommender) -> None:
    assert isinstance(recommender, Recommender)
    assert recommender.version() is not None


def test_bought_together_returns_the_partner_with_its_count(
    recommender: LocalRecommender,
) -> None:
    item, partner, count = TOGETHER
    results = recommender.bought_together(item, 3)
    top = results[0]
    assert top.product_id == partner
    assert top.reason.code == "bought_together"
    assert top.reason.product_id == item
    assert top.reason.count == count
    assert f"in {count} orders" in top.reason.text
    assert [r.reason.count for r in results] == sorted(
        (r.reason.count or 0 for r in results), reverse=True
    )


def test_purchased_items_are_excluded_only_when_asked(recommender: LocalRecommender) -> None:
    bought = purchases_of("c03")
    everything = len(PRODUCTS)
    without = recommender.recommend("c03", everything, exclude_purchased=True)
    assert not set(ids(without)) & bought
    assert len(without) == everything - len(bought)
    with_them = recommender.recommend("c03", everything, exclude_purchased=False)
    assert set(ids(with_them)) == set(PRODUCTS)


@pytest.mark.parametrize("spec", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_filters_are_never_violated_and_still_fill_n(
    recommender: LocalRecommender, spec: dict[str, object]
) -> None:
    filters = Filters(**spec)  # type: ignore[arg-type]
    passing = {pid for pid, p in PRODUCTS.items() if passes(p, **spec)}  # type: ignore[arg-type]
    n = 5
    bought = purchases_of("m04")
    seen = ["M2", "M3"]
    calls = {
        "recommend": (recommender.recommend("m04", n, filters), passing - bought),
        "session": (recommender.recommend_for_session(seen, n, filters), passing - set(seen)),
        "similar": (recommender.similar_items("M2", n, filters), passing - {"M2"}),
    }
    for call, (results, allowed) in calls.items():
        assert set(ids(results)) <= allowed, call
        assert len(results) == min(n, len(allowed)), call
        assert len(set(ids(results))) == len(results), call
    together = recommender.bought_together("M0", n, filters)
    assert set(ids(together)) <= passing


def test_unknown_user_gets_popular_items_and_is_told_so(recommender: LocalRecommender) -> None:
    results = recommender.recommend("never-seen-before", 4)
    counts = buyers()
    assert [r.reason.fallback for r in results] == ["unknown_user"] * 4
    assert all(r.reason.code == "popular" for r in results)
    assert [r.reason.count for r in results] == [counts[i] for i in ids(results)]
    assert [counts[i] for i in ids(results)] == sorted(counts.values(), reverse=True)[:4]
    in_category = recommender.recommend("never-seen-before", 3, Filters(category="Toys & Games"))
    assert all(r.reason.code == "popular_in_category" for r in in_category)
    assert "popular in Toys & Games" in in_category[0].reason.text


def test_unknown_products_give_an_empty_list(recommender: LocalRecommender) -> None:
    assert recommender.similar_items("NOT-A-PRODUCT", 5) == []
    assert recommender.bought_together("NOT-A-PRODUCT", 5) == []


def test_a_session_of_unknown_products_falls_back_to_popularity(
    recommender: LocalRecommender,
) -> None:
    results = recommender.recommend_for_session(["NOT-A-PRODUCT"], 3)
    assert len(results) == 3
    assert {r.reason.fallback for r in results} == {"no_history"}


def test_every_result_has_a_reason_with_text(recommender: LocalRecommender) -> None:
    lists = [
        recommender.recommend("t05", 6),
        recommender.similar_items("T3", 6),
        recommender.bought_together("T3", 6),
        recommender.recommend_for_session(["T2", "T3"], 6),
    ]
    for results in lists:
        assert results
        for r in results:
            assert r.reason.text
            assert r.product_id in PRODUCTS


def test_personal_models_recommend_from_the_customers_own_group(
    personal: LocalRecommender,
) -> None:
    for user, letter in (("c05", "C"), ("m05", "M"), ("t05", "T")):
        bought = purchases_of(user)
        left = [p for p in PRODUCTS if p.startswith(letter) and p not in bought]
        k = min(2, len(left))
        top = personal.recommend(user, k)
        assert {r.product_id for r in top} <= set(left), (user, ids(top), left)
        for r in top:
            assert r.reason.code in ("because_you_bought", "similar_customers", "sequence")
            if r.reason.code in ("because_you_bought", "sequence"):
                assert r.reason.product_id in bought
            if r.reason.code == "sequence":
                assert r.reason.product_ids and set(r.reason.product_ids) <= bought


def test_personal_models_follow_what_a_session_looked_at(personal: LocalRecommender) -> None:
    seen = ["T2", "T3", "T4"]
    top = personal.recommend_for_session(seen, 3)
    assert [r.product_id[0] for r in top] == ["T", "T", "T"], ids(top)
    assert not set(ids(top)) & set(seen)
    for r in top:
        assert r.reason.code in ("because_you_looked_at", "similar_customers", "sequence")
        if r.reason.code in ("because_you_looked_at", "sequence"):
            assert r.reason.product_id in seen
        if r.reason.code == "sequence":
            # The steps named keep the session's order.
            steps = r.reason.product_ids or []
            assert [p for p in seen if p in steps] == steps and len(steps) == 2


def test_next_after_basket_stays_with_the_basket_and_never_repeats_it(
    personal: LocalRecommender,
) -> None:
    basket = ["M0", "M2"]
    top = personal.next_after_basket(basket, 3)
    assert [r.product_id[0] for r in top] == ["M", "M", "M"], ids(top)
    assert not set(ids(top)) & set(basket)
    for r in top:
        if r.reason.code == "goes_with_basket":
            assert set(r.reason.product_ids or []) <= set(basket)
            assert "in your basket" in r.reason.text


@pytest.mark.parametrize("model", [m for m in MODELS if m != "sasrec"])  # see shop.PERSONAL
def test_similar_items_stay_in_the_category(
    model: str, shops: Callable[[str], RecsysSettings]
) -> None:
    top = LocalRecommender(shops(model)).similar_items("C3", 3)
    assert [r.product_id[0] for r in top] == ["C", "C", "C"], ids(top)
    assert "C3" not in ids(top)
    for r in top:
        assert r.reason.product_id == "C3" or r.reason.code == "popular_in_category"


def test_n_out_of_range_is_refused(recommender: LocalRecommender) -> None:
    from recsys import BadRequest

    with pytest.raises(BadRequest):
        recommender.recommend("c01", 0)
