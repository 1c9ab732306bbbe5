"""The chat dev suites (data/suites): schema, size, catalog-true ids, a run on a catalog."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant, AssistantSettings
from assistant.evaluate import Suite, load_suite, run_suite
from retrieval import (
    HashingEmbedder,
    HybridSearch,
    Ingestor,
    Product,
    RetrievalSettings,
    make_store,
)
from retrieval.feed import FeedReport, read_feed

ROOT = Path(__file__).resolve().parents[3]
SUITES = ROOT / "data" / "suites"
NAMES = ("demo", "bigbasket", "amazon-india")


def _feeds() -> Any:
    sys.path.insert(0, str(SUITES))
    import feeds

    return feeds


def _ids(suite: Suite) -> set[str]:
    """Every product id an expectation names."""
    out: set[str] = set()
    for d in suite.dialogues:
        for t in d.turns:
            e = t.expect
            out |= set(e.first_in) | set(e.ids_any) | ({e.first_id} if e.first_id else set())
            if e.products is not None:
                out |= set(e.products.ids_in) | set(e.products.not_ids)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_each_suite_loads_and_is_big_enough(name: str) -> None:
    suite = load_suite(SUITES / f"{name}.yaml")
    turns = [t for d in suite.dialogues for t in d.turns]
    assert len(turns) >= 50
    assert sum(len(d.turns) > 1 for d in suite.dialogues) >= 10
    assert all(d.source for d in suite.dialogues)
    assert len({d.id for d in suite.dialogues}) == len(suite.dialogues)
    assert suite.currency in {"GBP", "INR"}
    # Every turn states at least one expectation.
    assert all(t.expect.model_dump(exclude_defaults=True) for t in turns)


def test_the_suites_hold_at_least_200_turns() -> None:
    total = sum(len(t.turns) for n in NAMES for t in load_suite(SUITES / f"{n}.yaml").dialogues)
    assert total >= 200


def test_ids_named_by_the_demo_suite_are_demo_products(demo_dir: Path) -> None:
    catalog = {p.id for p in read_feed(demo_dir / "products.jsonl").products}
    named = _ids(load_suite(SUITES / "demo.yaml"))
    assert named and named <= catalog


@pytest.mark.parametrize("name", ["bigbasket", "amazon-india"])
def test_ids_named_by_a_suite_are_its_catalogs(name: str, shared_data: Path) -> None:
    feeds = _feeds()
    if name == "bigbasket":
        rows = feeds.bigbasket_rows(shared_data / "bigbasket" / "bigbasket_products.csv.gz")
    else:
        rows = feeds.amazon_rows(shared_data / "amazon-india" / "amazon_india_products.csv.gz")
    catalog = {r["id"] for r in rows}
    named = _ids(load_suite(SUITES / f"{name}.yaml"))
    assert named and named <= catalog


def test_amazon_feed_keeps_one_row_per_product_in_rupees(shared_data: Path) -> None:
    feeds = _feeds()
    rows = feeds.amazon_rows(shared_data / "amazon-india" / "amazon_india_products.csv.gz")
    assert len(rows) == len({r["id"] for r in rows}) == 1351
    kettle = next(r for r in rows if r["id"] == "B00NW4UWN6")
    assert kettle["price"] == 1043.0 and kettle["currency"] == "INR"
    assert kettle["category"].startswith("Home & Kitchen > ")
    assert "Warranty: 1 year" in kettle["description"]
    assert all(Product(**r) for r in rows[:50])


def test_amazon_india_suite_runs_on_its_catalog(shared_data: Path, tmp_path: Path) -> None:
    """A few dialogues of the suite through a real assistant on the real catalog (hashing
    embedder, so it runs in seconds): every turn is scored, cards are the catalog's, and the
    audit knows the catalog's prices are rupees."""
    feeds = _feeds()
    rows = feeds.amazon_rows(shared_data / "amazon-india" / "amazon_india_products.csv.gz")
    products = [Product(**r) for r in rows]
    settings = RetrievalSettings(data_dir=tmp_path, embedder="hashing", reload_interval_s=3600)
    store, embedder = make_store(settings), HashingEmbedder()
    Ingestor(store, embedder, settings).ingest(FeedReport(products=products, rows=len(products)))
    search = HybridSearch(store, embedder, settings)
    search.load()
    assistant = Assistant(search, None, None, AssistantSettings(brain="offline"))
    full = load_suite(SUITES / "amazon-india.yaml")
    suite = full.model_copy(update={"dialogues": full.dialogues[:6]})
    report = asyncio.run(run_suite(assistant, suite))
    assert report.turns == sum(len(d.turns) for d in suite.dialogues)
    by_id = {p.id: p for p in products}
    for o in report.outcomes:
        assert all(pid in by_id for pid in o.shown)
        assert not [v for v in o.violations if "differs from the catalog" in v]


def test_mg_shopdial_feed_is_the_four_item_lists_in_dollars(shared_data: Path) -> None:
    feeds = _feeds()
    rows = feeds.mg_shopdial_rows(shared_data / "mg-shopdial")
    assert len(rows) == len({r["id"] for r in rows}) == 57
    orwell = next(r for r in rows if r["title"] == "1984 by George Orwell")
    assert (orwell["id"], orwell["price"], orwell["currency"]) == ("books-01", 13.39, "USD")
    assert orwell["rating"] == 4.7 and orwell["category"] == "Books"
    assert "Genre: Political Fiction" in orwell["description"]
    # "None" in the file is no rating and no text; a price without "$" is still a price.
    unrated = [r for r in rows if "rating" not in r]
    assert unrated and all("None" not in r.get("description", "") for r in rows)
    assert {r["category"] for r in rows} == {
        "Books",
        "Cell Phones & Accessories",
        "Office Products",
        "Sports & Outdoors",
    }
    assert all(Product(**r) for r in rows)
