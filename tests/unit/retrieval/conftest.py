"""Fixtures for retrieval unit tests: a small catalog, an embedded Chroma, the hashing embedder."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from retrieval import HashingEmbedder, Product, RetrievalSettings
from retrieval.feed import FeedReport

CATALOG = [
    ("c1", "Red Heart Candle", "Home > Candles", "4.50", True, {"color": "red"}),
    ("c2", "White Pillar Candle Large", "Home > Candles", "7.95", True, {"color": "white"}),
    (
        "c3",
        "Glass T-Light Holder",
        "Home > Candles > Holders",
        "2.10",
        False,
        {"material": "glass"},
    ),
    ("m1", "Red Spotty Mug", "Kitchen > Mugs", "2.50", True, {"color": "red"}),
    (
        "m2",
        "Blue Enamel Mug",
        "Kitchen > Mugs",
        "3.25",
        True,
        {"color": "blue", "material": "enamel"},
    ),
    ("b1", "Jumbo Shopping Bag Red", "Bags > Shopping", "1.95", True, {"color": "red"}),
    ("b2", "Lunch Bag Dinosaur Design", "Bags > Lunch", "1.65", False, {}),
    ("t1", "Tea Towel Vintage Kitchen", "Kitchen > Textiles", "2.95", True, {"material": "cotton"}),
]


def catalog(**changes: dict[str, object]) -> list[Product]:
    """The small test catalog, with per-id field changes."""
    products = []
    for pid, title, category, price, stock, attrs in CATALOG:
        fields: dict[str, object] = dict(
            id=pid,
            title=title,
            category=category,
            price=Decimal(price),
            in_stock=stock,
            attributes=attrs,
            brand="Acme" if pid.startswith("m") else "",
            currency="GBP",
            rating=4.0 if pid in {"c1", "m2"} else None,
        )
        fields.update(changes.get(pid, {}))
        products.append(Product(**fields))  # type: ignore[arg-type]
    return products


def feed(products: list[Product]) -> FeedReport:
    return FeedReport(products=products, rows=len(products))


@pytest.fixture
def settings(tmp_path: Path) -> RetrievalSettings:
    return RetrievalSettings(data_dir=tmp_path / "retrieval", reload_interval_s=0, candidates=20)


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()
