"""Training pairs from a shop's own files: every format, bad rows by number, splits by query."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retrieval.pairs import Pair, merge_pairs, read_pairs, split_by_query


def test_csv_pairs_with_bad_rows_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "query,product_id,label\n"
        "red mug,m1,2\n"
        ",m2,1\n"  # line 3: no query
        "blue mug,,1\n"  # line 4: no product
        "tea towel,t1,lots\n"  # line 5: label not a number
        "  Tea   Towel ,t1,3\n"
    )
    report = read_pairs(path)
    assert report.pairs == [Pair("red mug", "m1", 2.0), Pair("Tea Towel", "t1", 3.0)]
    assert [(e.row, e.reason) for e in report.errors] == [
        (3, "empty query"),
        (4, "empty product_id"),
        (5, "label 'lots' is not a number"),
    ]


def test_jsonl_and_parquet_pairs_and_the_relevance_column(tmp_path: Path) -> None:
    jsonl = tmp_path / "log.jsonl"
    jsonl.write_text(json.dumps({"query": "red mug", "product_id": "m1", "label": 1}) + "\n{oops\n")
    report = read_pairs(jsonl)
    assert report.pairs == [Pair("red mug", "m1", 1.0)]
    assert report.errors[0].row == 2 and "not valid JSON" in report.errors[0].reason

    parquet = tmp_path / "judged.parquet"
    table = pa.table({"query": ["deck over", "l bracket"], "product_id": ["100002", "100001"],
                      "relevance": [3.0, float("nan")]})  # fmt: skip
    pq.write_table(table, parquet)
    report = read_pairs(parquet)
    assert report.pairs == [Pair("deck over", "100002", 3.0)]
    assert report.errors[0].row == 2 and "finite" in report.errors[0].reason


def test_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("search,sku\nred mug,m1\n")
    with pytest.raises(ValueError, match="no column query, product_id, label"):
        read_pairs(path)


def test_repeats_are_averaged_and_splits_keep_each_query_on_one_side() -> None:
    merged = merge_pairs([Pair("Red Mug", "m1", 2.0), Pair("red  mug", "m1", 3.0)])
    assert merged == [Pair("Red Mug", "m1", 2.5)]

    pairs = [Pair(f"query {n % 50}", f"p{n}", 1.0) for n in range(500)]
    kept, held = split_by_query(pairs, 0.2)
    assert {p.query for p in kept}.isdisjoint({p.query for p in held})
    assert 0 < len({p.query for p in held}) < 25
    assert split_by_query(pairs, 0.2) == (kept, held)  # the same split on every run
    assert split_by_query(pairs, 0.2, salt="other") != (kept, held)


def test_products_shown_and_not_chosen_become_that_querys_hard_negatives() -> None:
    from retrieval.finetune import judged_negatives, pick_negatives

    pairs = merge_pairs(
        [
            Pair("Red Mug", "m1", 3.0),
            Pair("red mug", "m2", 1.0),  # shown for the query, judged irrelevant
            Pair("red mug", "m3", 1.0),
            Pair("red mug", "m4", 2.0),  # partly relevant: not a negative below 2
            Pair("tea towel", "t1", 3.0),  # no product shown and passed over
            Pair("lamp", "l2", 1.0),  # not a training query
        ]
    )
    shown = judged_negatives(pairs, below=2.0)
    assert shown == {"red mug": ["m2", "m3"], "lamp": ["l2"]}
    picked = pick_negatives(shown, {"red mug", "tea towel"}, seed=42)
    assert set(picked) == {"red mug"} and picked["red mug"] in {"m2", "m3"}
    assert picked == pick_negatives(shown, {"red mug", "tea towel"}, seed=42)  # seeded
