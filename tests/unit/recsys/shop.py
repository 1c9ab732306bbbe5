"""A small synthetic shop whose right answers are known, shared by the recsys tests.

Three groups of 20 customers each buy within their own category (candles, mugs, toys);
every mug customer's first order holds M0 and M1 together (so M0 and M1 are bought
together in exactly 20 orders, more than any other pair with M0). The groups never mix,
and every product is bought by someone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from recsys import RecsysSettings, train

GROUPS = {"c": "C", "m": "M", "t": "T"}
CATEGORIES = {
    "C": "Home Decor > Candles & Holders",
    "M": "Kitchen & Dining > Mugs & Cups",
    "T": "Toys & Games > Toys",
}
TOGETHER = ("M0", "M1", 20)
MODELS = ("pop", "cooc", "hybrid", "als", "ease", "bpr", "userknn", "sasrec")
# The sequence model is held to the contract (MODELS) but not to the group tests: this
# shop's order carries no signal (an order's lines get hours that wrap around the day), so
# it has 540 steps and nothing to learn from their order; test_sasrec.py's chain shop,
# whose right answers depend on order, tests what it learns.
PERSONAL = ("cooc", "hybrid", "als", "ease", "bpr", "userknn")


def catalog_rows() -> list[dict[str, object]]:
    """24 products: 8 per category, prices 1-8, 10-17 and 20-27; C6, C7 and M7 sold out."""
    rows: list[dict[str, object]] = []
    for letter, base in (("C", 1.0), ("M", 10.0), ("T", 20.0)):
        for k in range(8):
            item = f"{letter}{k}"
            rows.append(
                {
                    "id": item,
                    "title": f"{CATEGORIES[letter].split('>')[-1].strip()} number {k}",
                    "category": CATEGORIES[letter],
                    "price": base + k,
                    "currency": "GBP",
                    "in_stock": item not in ("C6", "C7", "M7"),
                }
            )
    return rows


def interaction_rows() -> list[dict[str, object]]:
    """Purchases: each customer places 3 orders of 3 items from their group's 8."""
    rows: list[dict[str, object]] = []
    start = pd.Timestamp("2024-01-01", tz="UTC")
    for prefix, letter in GROUPS.items():
        for u in range(20):
            user = f"{prefix}{u:02d}"
            for order in range(3):
                if letter == "M" and order == 0:
                    items = ["M0", "M1", f"M{2 + u % 6}"]
                else:
                    # Mugs rotate through M2..M7 only, so that no pair is as frequent as M0+M1.
                    k, first = (6, 2) if letter == "M" else (8, 0)
                    items = [f"{letter}{first + (u + order + j) % k}" for j in range(3)]
                for item in items:
                    rows.append(
                        {
                            "user_id": user,
                            "product_id": item,
                            "event": "purchase",
                            "value": 1.0,
                            "ts": start + pd.Timedelta(days=u + 7 * order, hours=len(rows) % 24),
                            "basket_id": f"{user}-{order}",
                        }
                    )
    return rows


def write_shop(directory: Path) -> tuple[Path, Path]:
    """Write products.jsonl and interactions.parquet; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    catalog = directory / "products.jsonl"
    with open(catalog, "w", encoding="utf-8") as f:
        for row in catalog_rows():
            f.write(json.dumps(row) + "\n")
    interactions = directory / "interactions.parquet"
    pd.DataFrame(interaction_rows()).to_parquet(interactions, index=False)
    return catalog, interactions


def shop_settings(directory: Path, model: str = "als", **extra: object) -> RecsysSettings:
    """Settings for a shop written under `directory` (single-threaded, deterministic)."""
    catalog, interactions = directory / "products.jsonl", directory / "interactions.parquet"
    if not catalog.exists():
        write_shop(directory)
    values: dict[str, object] = {
        "data_dir": directory / "var",
        "catalog_path": catalog,
        "interactions_path": interactions,
        "model": model,
        "num_threads": 1,
        "reload_interval_s": 0.0,
        # Three disjoint groups of 8 items need more than 8 factors to stay apart.
        "als_factors": 16,
        "als_regularization": 1.0,
        "als_alpha": 20.0,
        "bpr_factors": 8,
        "bpr_iterations": 300,
        "bpr_learning_rate": 0.05,
        "userknn_neighbours": 10,
        # 60 customers: Online Retail's lambda (1000) would drown their 9 purchases each.
        "ease_regularization": 10.0,
        "recency_half_life_days": None,
        # Five weeks of history make every item "recent" and "new": the "selling now" terms
        # of ALS have their own tests (test_now.py).
        "trend_weight": 0.0,
        "arrivals_weight": 0.0,
        # 60 customers of 9 steps: a small network trained for a fixed 40 epochs (early
        # stopping has its own tests in test_sasrec.py; a third of 60 is too few to judge).
        "sasrec_dim": 16,
        "sasrec_max_len": 10,
        "sasrec_validation_users": 0,
        "sasrec_max_epochs": 40,
        "sasrec_learning_rate": 0.01,
        "sasrec_batch_size": 8,
        **extra,
    }
    return RecsysSettings(**values)  # type: ignore[arg-type]


def trained_shop(directory: Path, model: str, **extra: object) -> RecsysSettings:
    """Write the shop, train `model` on it, and return the settings that serve it."""
    settings = shop_settings(directory, model, **extra)
    train(settings, [model])
    return settings


def purchases_of(user: str) -> set[str]:
    """Items a customer bought."""
    return {str(r["product_id"]) for r in interaction_rows() if r["user_id"] == user}


def buyers() -> dict[str, int]:
    """Distinct customers per item: the popularity oracle."""
    frame = pd.DataFrame(interaction_rows())
    return {str(k): int(v) for k, v in frame.groupby("product_id")["user_id"].nunique().items()}


def passes(
    product: dict[str, object],
    *,
    in_stock: bool | None = None,
    category: str | None = None,
    price_min: float | None = None,
    price_max: float | None = None,
) -> bool:
    """The filter oracle, written independently of recsys.catalog."""
    if in_stock is not None and product["in_stock"] != in_stock:
        return False
    if category is not None:
        path = [p.strip().lower() for p in str(product["category"]).split(">")]
        want = [p.strip().lower() for p in category.split(">")]
        if path[: len(want)] != want:
            return False
    price = float(product["price"])  # type: ignore[arg-type]
    if price_min is not None and price < price_min:
        return False
    return price_max is None or price <= price_max
