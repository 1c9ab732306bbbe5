"""Evaluation metrics on examples small enough to compute by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recsys import RecsysSettings, evaluate, split_by_time
from recsys.evaluate import ndcg_at_k, precision_at_k, recall_at_k


def test_metric_functions_match_the_textbook_definitions() -> None:
    recs = [10, 11, 12, 13]
    relevant = {11, 13, 99}
    assert precision_at_k(recs, relevant, 4) == pytest.approx(2 / 4)
    assert recall_at_k(recs, relevant, 4) == pytest.approx(2 / 3)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(recs, relevant, 4) == pytest.approx(dcg / ideal)
    # A short list is not excused: precision still divides by k.
    assert precision_at_k([11], relevant, 10) == pytest.approx(0.1)
    assert ndcg_at_k([99, 11, 13], relevant, 10) == pytest.approx(1.0)


def frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "product_id": [r[1] for r in rows],
            "event": "purchase",
            "value": 1.0,
            "ts": pd.to_datetime([r[2] for r in rows], utc=True),
            "basket_id": [f"{r[0]}-{r[2]}" for r in rows],
        }
    )


def test_popularity_on_a_tiny_split_gives_the_hand_computed_numbers() -> None:
    # Training popularity: A by 3 customers, B by 2, C and D by 1 (C first seen, so C ranks
    # before D). Everyone is recommended A, B, C, D in that order.
    data = frame(
        [
            ("u1", "A", "2024-01-01"),
            ("u1", "B", "2024-01-01"),
            ("u2", "A", "2024-01-02"),
            ("u2", "C", "2024-01-02"),
            ("u3", "A", "2024-01-03"),
            ("u3", "B", "2024-01-03"),
            ("u3", "D", "2024-01-03"),
            # Test period: u1 buys C and A again, u2 buys B, u4 is new (not a test user),
            # u3 buys nothing.
            ("u1", "C", "2024-02-01"),
            ("u1", "A", "2024-02-01"),
            ("u2", "B", "2024-02-02"),
            ("u4", "A", "2024-02-03"),
        ]
    )
    train, test = split_by_time(data, "2024-02-01")
    report = evaluate(
        train, test, RecsysSettings(recency_half_life_days=None), ["pop"], baseline=False
    )
    assert report.users == 2
    log2 = math.log2
    # protocol_all: u1 relevant {C, A} hit at ranks 1 and 3; u2 relevant {B} hit at rank 2.
    everything = report.metrics["protocol_all"]["pop"]
    assert everything["precision@10"] == pytest.approx((2 / 10 + 1 / 10) / 2)
    assert everything["recall@10"] == pytest.approx((1.0 + 1.0) / 2)
    u1 = (1 + 1 / log2(4)) / (1 + 1 / log2(3))
    u2 = (1 / log2(3)) / 1
    assert everything["ndcg@10"] == pytest.approx((u1 + u2) / 2)
    assert everything["coverage"] == pytest.approx(4 / 4)
    # Top 1% of 4 items is one item (A): 2 of the 8 shown slots.
    assert everything["pop_share"] == pytest.approx(2 / 8)
    # protocol_new: u1 had A, B -> gets [C, D], relevant {C}; u2 had A, C -> gets [B, D],
    # relevant {B}. Both hit at rank 1.
    new = report.metrics["protocol_new"]["pop"]
    assert new["precision@10"] == pytest.approx(0.1)
    assert new["recall@10"] == pytest.approx(1.0)
    assert new["ndcg@10"] == pytest.approx(1.0)
    assert new["coverage"] == pytest.approx(3 / 4)
    assert new["pop_share"] == pytest.approx(0.0)


def test_the_json_report_has_exactly_the_documented_shape() -> None:
    rows = [(f"u{u}", f"p{(u + k) % 6}", f"2024-01-0{1 + k}") for u in range(8) for k in range(3)]
    rows += [(f"u{u}", f"p{(u + 4) % 6}", "2024-02-01") for u in range(8)]
    train, test = split_by_time(frame(rows), "2024-02-01")
    settings = RecsysSettings(
        num_threads=1, als_factors=4, bpr_factors=4, bpr_iterations=10, sasrec_max_epochs=2
    )
    report = evaluate(train, test, settings).to_json()
    assert list(report) == ["protocol_new", "protocol_all", "users"]
    assert report["users"] == 8
    for protocol in ("protocol_new", "protocol_all"):
        models = {"pop", "cooc", "hybrid", "als", "ease", "bpr", "userknn", "sasrec"}
        models.add("als_default")
        assert set(report[protocol]) == models
        for metrics in report[protocol].values():
            assert list(metrics) == [
                "precision@10",
                "recall@10",
                "ndcg@10",
                "coverage",
                "pop_share",
            ]
            assert all(0.0 <= v <= 1.0 for v in metrics.values())


def test_the_session_protocol_gives_each_baskets_first_half_in_line_order() -> None:
    from recsys.evaluate import session_cases

    lines = [
        ("o1", "B"),
        ("o1", "A"),
        ("o1", "B"),
        ("o1", "NEW"),
        ("o1", "C"),  # B twice: one product
        ("o2", "A"),  # one product: nothing to rank
        ("o3", "NEW"),
        ("o3", "A"),  # the given half is unknown to training: skipped
    ]
    test = pd.DataFrame(
        {
            "user_id": "u",
            "product_id": [p for _, p in lines],
            "event": "purchase",
            "value": 1.0,
            "ts": pd.Timestamp("2024-02-01", tz="UTC"),
            "basket_id": [b for b, _ in lines],
        }
    )
    cases = session_cases(test, ["A", "B", "C"])
    assert len(cases) == 1
    # o1's distinct products in line order: B, A, NEW, C; B and A are given, in that order.
    assert cases[0].given.tolist() == [1, 0]
    assert 2 in cases[0].relevant and len(cases[0].relevant) == 2  # C, and NEW (unreachable)
