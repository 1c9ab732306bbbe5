"""`aisle demo`: ingest the bundled demo shop and run a short scripted search session."""

from __future__ import annotations

import argparse
from pathlib import Path

from retrieval import (
    HybridSearch,
    RetrievalError,
    SearchFilters,
    make_embedder,
    make_store,
    read_feed,
)
from web.cli import CommandGroups
from web.cli.catalog import format_page, retrieval_settings, run_ingest
from web.cli.output import echo

DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "demo"

# What a shopper of a giftware shop asks, with the filters the assistant would set.
SCRIPT: list[tuple[str, SearchFilters | None]] = [
    ("heart t-light holder", None),
    ("christmas decorations for the tree", SearchFilters(in_stock=True)),
    ("red retro spot mug", None),
    ("lunch bag for kids", SearchFilters(price_max=2.0)),
    ("vintage doiley", None),
    ("gift wrap", SearchFilters(category="Stationery & Gifts")),
]


def _demo(args: argparse.Namespace) -> int:
    products = args.products or DEMO_DIR / "products.jsonl"
    if not products.exists():
        echo(f"error: {products} is missing; rebuild it with `make demo-data`", err=True)
        return 2
    data_dir: Path = args.data_dir / "retrieval"
    settings = retrieval_settings(
        argparse.Namespace(data_dir=data_dir, chroma_url=None), default_currency="GBP"
    )
    feed = read_feed(products, default_currency="GBP")
    echo(f"Ingesting the demo shop ({len(feed.products)} products) into {data_dir} ...")
    report = run_ingest(settings, feed, quiet=False)
    echo(
        f"  {report.total} live; {report.embedded} embedded, {report.unchanged} unchanged "
        f"({report.seconds:.1f}s)"
    )
    search = HybridSearch(make_store(settings), make_embedder(settings), settings)
    try:
        for query, filters in SCRIPT:
            shown = f" with {filters.model_dump(exclude_defaults=True)}" if filters else ""
            echo("")
            echo(f"> {query}{shown}")
            page = search.search(query, filters, k=5, facets=True)
            for line in format_page(page):
                echo("  " + line)
    except RetrievalError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    echo("")
    echo("Try your own: .venv/bin/aisle search --data-dir " + str(data_dir) + " 'candle holder'")
    return 0


def add_commands(groups: CommandGroups) -> None:
    """Add `aisle demo`."""
    p = groups.root.add_parser(
        "demo", help="ingest the demo shop and run a scripted search session"
    )
    p.add_argument("--data-dir", type=Path, default=Path("var"), help="where the demo's data lives")
    p.add_argument(
        "--products", type=Path, help="catalog to use instead of data/demo/products.jsonl"
    )
    p.set_defaults(func=_demo)
