"""Item metadata from the catalog file and the filters built on it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from recsys import Filters
from recsys.catalog import ItemTable, read_catalog

PRODUCTS = [
    {
        "id": "1",
        "title": "Tea light",
        "category": "Home Decor > Candles & Holders",
        "price": 2.5,
        "in_stock": True,
    },
    {
        "id": "2",
        "title": "Pillar",
        "category": "Home Decor > Candles & Holders",
        "price": 7.0,
        "in_stock": False,
    },
    {
        "id": "3",
        "title": "Cushion",
        "category": "Home Decor > Cushions & Textiles",
        "price": 12.0,
        "in_stock": True,
    },
    {
        "id": "4",
        "title": "Decorator's kit",
        "category": "Home Decorations",
        "price": 3.0,
        "in_stock": True,
    },
]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_the_catalog_is_read_from_every_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"products{suffix}"
    frame = pd.DataFrame(PRODUCTS)
    if suffix == ".jsonl":
        path.write_text("".join(json.dumps(p) + "\n" for p in PRODUCTS), encoding="utf-8")
    elif suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    catalog = read_catalog(path)
    assert catalog["id"].tolist() == ["1", "2", "3", "4"]
    table = ItemTable.build(["3", "1", "unknown"], catalog)
    assert table.label(0) == "Cushion" and table.label(2) == "unknown"
    assert table.in_stock.tolist() == [1, 1, -1]


def kept(table: ItemTable, filters: Filters) -> list[str]:
    mask = table.mask(filters)
    assert mask is not None
    return [table.ids[i] for i in np.flatnonzero(mask)]


def test_category_filters_match_whole_path_segments_in_any_case() -> None:
    table = ItemTable.build(["1", "2", "3", "4", "x"], pd.DataFrame(PRODUCTS))
    assert kept(table, Filters(category="Home Decor")) == ["1", "2", "3"]
    assert kept(table, Filters(category="home decor > candles & holders")) == ["1", "2"]
    assert kept(table, Filters(category="Home Decorations")) == ["4"]
    assert kept(table, Filters(category="Candles & Holders")) == []


def test_stock_and_price_filters_and_unknown_items() -> None:
    table = ItemTable.build(["1", "2", "3", "4", "x"], pd.DataFrame(PRODUCTS))
    assert kept(table, Filters(in_stock=True)) == ["1", "3", "4"]
    assert kept(table, Filters(in_stock=False)) == ["2"]
    assert kept(table, Filters(price_min=3.0, price_max=7.0)) == ["2", "4"]
    # "x" has no metadata: it passes no filter but is not filtered when nothing is asked.
    assert table.mask(Filters()) is None


def test_an_inverted_price_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="price_min"):
        Filters(price_min=10, price_max=5)
