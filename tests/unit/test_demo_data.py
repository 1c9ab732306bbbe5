"""The bundled demo shop in data/demo/: contract checks and a byte-exact rebuild."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO = REPO_ROOT / "data" / "demo"
BUILD_SCRIPT = REPO_ROOT / "data" / "build_demo.py"
SOURCE_IN_SHARED_DATA = Path("online-retail") / "online_retail_ii_2009_2010.parquet"
DEMO_FILES = ["README.md", "interactions.parquet", "products.jsonl", "taxonomy.md"]
PRODUCT_FIELDS = {
    "id",
    "title",
    "description",
    "brand",
    "category",
    "price",
    "currency",
    "in_stock",
    "rating",
    "rating_count",
    "image_url",
    "url",
    "attributes",
}
FALLBACK_CATEGORY = "Gifts > Other"


@pytest.fixture(scope="module")
def products() -> list[dict[str, Any]]:
    with (DEMO / "products.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def interactions() -> pa.Table:
    return pq.read_table(DEMO / "interactions.parquet")


def test_every_product_row_satisfies_the_product_contract(products: list[dict[str, Any]]) -> None:
    ids = [product["id"] for product in products]
    assert len(ids) == len(set(ids)), "product ids must be unique"
    for product in products:
        where = f"product {product.get('id')!r}"
        assert set(product) == PRODUCT_FIELDS, where
        assert isinstance(product["id"], str) and product["id"], where
        assert isinstance(product["title"], str) and product["title"].strip(), where
        assert isinstance(product["description"], str) and product["description"], where
        assert isinstance(product["price"], float) and product["price"] >= 0, where
        assert product["currency"] == "GBP", where
        assert ">" in product["category"], where
        assert all(part.strip() for part in product["category"].split(">")), where
        assert isinstance(product["in_stock"], bool), where
        assert product["rating"] is None or 0 <= product["rating"] <= 5, where
        assert isinstance(product["rating_count"], int) and product["rating_count"] >= 0, where
        assert product["url"] == f"/products/{product['id']}", where
        assert isinstance(product["brand"], str), where
        assert isinstance(product["image_url"], str), where
        attributes = product["attributes"]
        assert isinstance(attributes, dict), where
        assert all(
            isinstance(key, str) and isinstance(value, str) and value
            for key, value in attributes.items()
        ), where


def test_products_are_sorted_by_id(products: list[dict[str, Any]]) -> None:
    ids = [product["id"] for product in products]
    assert ids == sorted(ids)


def test_few_products_fall_back_to_the_catch_all_category(
    products: list[dict[str, Any]],
) -> None:
    fallback = sum(product["category"] == FALLBACK_CATEGORY for product in products)
    assert fallback <= 0.15 * len(products)


def test_interactions_have_the_interaction_schema(interactions: pa.Table) -> None:
    schema = interactions.schema
    assert schema.names == ["user_id", "product_id", "event", "value", "ts", "basket_id"]
    for name in ["user_id", "product_id", "event", "basket_id"]:
        assert schema.field(name).type == pa.string(), name
    assert schema.field("value").type == pa.float64()
    ts_type = schema.field("ts").type
    assert pa.types.is_timestamp(ts_type)
    assert ts_type.tz == "UTC"
    assert all(column.null_count == 0 for column in interactions.columns)
    assert pc.all(pc.equal(interactions["event"], "purchase")).as_py()
    assert pc.min(interactions["value"]).as_py() > 0
    users = pc.unique(interactions["user_id"]).to_pylist()
    assert all(re.fullmatch(r"\d+", user) for user in users)


def test_every_interaction_refers_to_a_catalog_product(
    products: list[dict[str, Any]], interactions: pa.Table
) -> None:
    catalog = {product["id"] for product in products}
    referenced = set(pc.unique(interactions["product_id"]).to_pylist())
    assert referenced <= catalog, sorted(referenced - catalog)[:10]


def test_interactions_are_sorted_by_time_basket_and_product(interactions: pa.Table) -> None:
    keys = [("ts", "ascending"), ("basket_id", "ascending"), ("product_id", "ascending")]
    order = pc.sort_indices(interactions, sort_keys=keys)
    assert order.equals(pa.array(range(interactions.num_rows), type=order.type))


def test_the_demo_shop_is_big_enough_to_demo(
    products: list[dict[str, Any]], interactions: pa.Table
) -> None:
    assert len(products) >= 3000
    assert len(pc.unique(interactions["user_id"])) >= 3000
    assert sum(product["in_stock"] for product in products) >= 1000


def test_readme_counts_match_the_files(
    products: list[dict[str, Any]], interactions: pa.Table
) -> None:
    readme = (DEMO / "README.md").read_text(encoding="utf-8")

    def count(label: str) -> int:
        match = re.search(rf"^\| {label} \| ([\d,]+) \|$", readme, re.MULTILINE)
        assert match, f"README.md has no {label} count"
        return int(match.group(1).replace(",", ""))

    assert count("products") == len(products)
    assert count("in stock") == sum(product["in_stock"] for product in products)
    assert count("customers") == len(pc.unique(interactions["user_id"]))
    assert count("interactions") == interactions.num_rows
    assert count("baskets") == len(pc.unique(interactions["basket_id"]))
    assert count("categories") == len({product["category"] for product in products})


@pytest.mark.shared_data
@pytest.mark.slow
def test_rebuilding_from_the_source_reproduces_the_committed_files(
    shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / SOURCE_IN_SHARED_DATA
    if not source.is_file():
        pytest.skip(f"../shared/data/online-retail is absent: no {source} to rebuild the demo from")
    subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--source", str(source), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == DEMO_FILES
    for name in DEMO_FILES:
        rebuilt = (tmp_path / name).read_bytes()
        assert rebuilt == (DEMO / name).read_bytes(), f"{name} differs from the rebuild"


def test_demo_catalog_ingests_without_a_single_bad_row() -> None:
    from retrieval import read_feed

    report = read_feed(DEMO / "products.jsonl", default_currency="GBP")
    assert report.errors == []
    assert all(p.id == p.id.strip() for p in report.products)
