"""`aisle ingest`, `aisle search`, `aisle eval retrieval` and `aisle serve retrieval`."""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Any

from retrieval import (
    CatalogRejected,
    FeedReport,
    HybridSearch,
    Ingestor,
    IngestReport,
    RetrievalError,
    RetrievalSettings,
    SearchFilters,
    SearchPage,
    make_embedder,
    make_store,
    parse_mapping,
    read_feed,
)
from retrieval.ingest import OnError, OnMissing
from web.cli import CommandGroups
from web.cli.embedder import add_training_options
from web.cli.output import echo, echo_json


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """Options that say where the catalog lives (overriding AISLE_RETRIEVAL_*)."""
    parser.add_argument("--data-dir", type=Path, help="data dir of the embedded index")
    parser.add_argument("--chroma-url", help="use the Chroma server at this URL")


def retrieval_settings(args: argparse.Namespace, **extra: Any) -> RetrievalSettings:
    """RetrievalSettings from the environment, the command's options on top, then `extra`."""
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None) is not None:
        overrides["data_dir"] = args.data_dir
    if getattr(args, "chroma_url", None):
        overrides["chroma_url"] = args.chroma_url
    return RetrievalSettings(**(overrides | extra))


def progress_bar(total_label: str, quiet: bool) -> tuple[Any, Any]:
    """A (callback, close) pair drawing a tqdm bar on stderr when it is a terminal."""
    from tqdm import tqdm

    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(
                total=total,
                desc=total_label,
                unit="product",
                file=sys.stderr,
                disable=quiet or not sys.stderr.isatty(),
            )
        bar.update(done - bar.n)

    def close() -> None:
        if bar is not None:
            bar.close()

    return update, close


def run_ingest(
    settings: RetrievalSettings,
    feed: FeedReport,
    *,
    on_error: OnError = "fail",
    on_missing: OnMissing = "remove",
    quiet: bool = False,
) -> IngestReport:
    """Ingest a feed with a progress bar; shared by `aisle ingest`, the demo and the evaluation."""
    ingestor = Ingestor(make_store(settings), make_embedder(settings), settings)
    update, close = progress_bar("embedding", quiet)
    try:
        return ingestor.ingest(
            feed,
            on_error=on_error,
            on_missing=on_missing,
            progress=update,
        )
    finally:
        close()


def _ingest(args: argparse.Namespace) -> int:
    settings = retrieval_settings(
        args, **({"default_currency": args.currency} if args.currency else {})
    )
    try:
        mapping = parse_mapping(args.map)
    except ValueError as e:
        echo(f"error: {e}", err=True)
        return 2
    if not args.feed.exists():
        echo(f"error: {args.feed} does not exist", err=True)
        return 2
    try:
        feed = read_feed(args.feed, mapping, default_currency=settings.default_currency)
        report = run_ingest(
            settings, feed, on_error=args.on_error, on_missing=args.on_missing, quiet=args.quiet
        )
    except CatalogRejected as e:
        echo(f"error: {e.message}", err=True)
        echo("nothing was written; fix the rows or pass --on-error skip", err=True)
        return 1
    except (RetrievalError, ValueError) as e:
        echo(f"error: {e}", err=True)
        return 1
    for err in report.skipped_rows:
        echo(f"skipped {err}", err=True)
    echo(
        f"{report.total} products live in {report.collection}: {report.added} added, "
        f"{report.changed} changed, {report.unchanged} unchanged, {report.removed} removed, "
        f"{report.marked} marked gone, {len(report.skipped_rows)} rows skipped; "
        f"{report.embedded} embedded in {report.seconds:.1f}s"
    )
    return 0


def filters_from_args(args: argparse.Namespace) -> SearchFilters | None:
    """SearchFilters from `aisle search` options (None when no option constrains)."""
    attributes = dict(a.split("=", 1) for a in args.attr or [])
    filters = SearchFilters(
        price_min=args.price_min,
        price_max=args.price_max,
        brands=args.brand or None,
        category=args.category,
        in_stock=True if args.in_stock else None,
        min_rating=args.min_rating,
        attributes=attributes,
    )
    return None if filters.is_empty() else filters


def format_page(page: SearchPage) -> list[str]:
    """A result page as terminal lines."""
    lines = []
    if page.corrected_query:
        lines.append(f'(showing results for "{page.corrected_query}")')
    if not page.hits:
        lines.append("no products found")
    for n, hit in enumerate(page.hits, start=page.offset + 1):
        p = hit.product
        stock = "in stock" if p.in_stock else "out of stock"
        lines.append(f"{n:>2}. {p.title}  {p.price} {p.currency}  [{p.id}, {stock}, {p.category}]")
    if page.facets:
        top = ", ".join(f"{f.value} ({f.count})" for f in page.facets.category[:5])
        bands = ", ".join(f"{f.value} ({f.count})" for f in page.facets.price_band)
        lines.append(f"categories: {top}")
        lines.append(f"prices: {bands}")
    return lines


def _search(args: argparse.Namespace) -> int:
    search = HybridSearch(make_store(s := retrieval_settings(args)), make_embedder(s), s)
    try:
        page = search.search(
            " ".join(args.query),
            filters_from_args(args),
            k=args.k,
            mode=args.mode,
            facets=args.facets,
        )
    except RetrievalError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    if args.json:
        echo(page.model_dump_json(indent=2))
    else:
        for line in format_page(page):
            echo(line)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from retrieval.evaluate import evaluate, plain_bm25s, read_judgments, score_runs

    for path in (args.products, args.judgments):
        if not path.exists():
            echo(f"error: {path} does not exist", err=True)
            return 2
    judged = read_judgments(args.judgments)
    if args.limit:
        judged = dict(sorted(judged.items())[: args.limit])
    # Each products file gets its own index, reused by later runs (incremental ingest).
    digest = hashlib.sha256(args.products.read_bytes()).hexdigest()[:12]
    base = args.data_dir or RetrievalSettings().data_dir
    settings = retrieval_settings(args, data_dir=base / "eval" / digest, collection_prefix="eval")
    started = time.perf_counter()
    feed = read_feed(args.products, defaults={"price": 0})
    report = run_ingest(settings, feed, quiet=args.quiet, on_error="skip")
    if not args.json:
        echo(
            f"indexed {report.total} products ({report.embedded} embedded) "
            f"in {report.seconds:.0f}s",
            err=True,
        )
    if args.train_pairs is not None:
        return _eval_adapted(args, settings, judged)
    search = HybridSearch(make_store(settings), make_embedder(settings), settings)
    search.load()
    results: dict[str, Any] = evaluate(search.search_many, judged)
    titles = {p.id: p.title for p in feed.products}
    results["bm25s_plain"] = score_runs(plain_bm25s(titles, sorted(judged)), judged)
    results["queries"] = sum(1 for q in judged if any(g > 0 for g in judged[q].values()))
    results["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        echo_json(results)
        return 0
    echo(f"{'ranker':<12} {'nDCG@10':>8} {'Recall@100':>10}")
    for name in ("bm25s_plain", "bm25", "vector", "hybrid"):
        echo(f"{name:<12} {results[name]['ndcg@10']:>8.4f} {results[name]['recall@100']:>10.4f}")
    ratio = results["hybrid"]["ndcg@10"] / max(results["bm25s_plain"]["ndcg@10"], 1e-9)
    echo(f"{results['queries']} queries; hybrid / plain bm25s nDCG@10 = {ratio:.3f}")
    return 0


def _eval_adapted(
    args: argparse.Namespace, settings: RetrievalSettings, judged: dict[str, dict[str, float]]
) -> int:
    """`aisle eval retrieval --train-pairs`: fine-tune, then before/after on unseen queries."""
    from retrieval.evaluate import evaluate_adaptation
    from retrieval.pairs import read_pairs, split_by_query
    from web.cli.embedder import finetune_config, train_options

    report = read_pairs(args.train_pairs)
    for err in report.errors[:10]:
        echo(f"skipped {err}", err=True)
    pairs = report.pairs
    if args.train_share is not None:
        pairs, _ = split_by_query(pairs, 1.0 - args.train_share, salt="eval")
    floor = min((p.label for p in report.pairs), default=0.0)
    update, close = progress_bar("embedding (new model)", args.quiet)
    try:
        results = evaluate_adaptation(
            settings.model_copy(update={"models_dir": settings.data_dir / "models"}),
            judged,
            pairs,
            train_options(args),
            finetune_config(args, settings),
            gain_floor=floor,
            progress=not args.quiet,
            on_embed=update,
        )
    except RetrievalError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    finally:
        close()
    if args.json:
        echo_json(results)
        return 0
    before, after, training = results["before"], results["after"], results["training"]
    echo(
        f"{results['scored_queries']} scored queries, none trained on "
        f"({results['train_queries']} training queries)"
    )
    echo(f"{'ranker':<22} {'nDCG@10':>8} {'Recall@100':>10}")
    rows = [
        ("bm25", before["bm25"]),
        ("vector before", before["vector"]),
        ("vector after", after["vector"]),
        ("hybrid before", before["hybrid"]),
        ("hybrid after", after["hybrid"]),
        (f"hybrid after, w={results['fusion']['vector_weight']:g}", after["hybrid_tuned"]),
    ]
    for name, row in rows:
        echo(f"{name:<22} {row['ndcg@10']:>8.4f} {row['recall@100']:>10.4f}")
    ft = training["finetune"]
    echo(
        f"training: {ft['examples']} examples in {ft['seconds']:.0f}s "
        f"({ft['pairs_per_s']:.1f}/s); {training['reason']}"
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    # The pod's own entrypoint (`python -m retrieval`), with the options on its settings.
    from retrieval.__main__ import main
    from web.cli.serve import bind_options

    main(retrieval_settings(args, **bind_options(args)))
    return 0


def add_commands(groups: CommandGroups) -> None:
    """Add the catalog commands."""
    p = groups.root.add_parser("ingest", help="ingest a catalog feed (CSV, JSON Lines, Parquet)")
    p.add_argument("feed", type=Path, help="the catalog file")
    p.add_argument(
        "--map",
        action="append",
        metavar="FIELD=COLUMN",
        help="take FIELD from COLUMN (repeatable; attributes.NAME=COLUMN too)",
    )
    p.add_argument(
        "--on-error",
        choices=["fail", "skip"],
        default="fail",
        help="bad rows fail the whole ingest (default) or are skipped",
    )
    p.add_argument(
        "--on-missing",
        choices=["remove", "mark"],
        default="remove",
        help="products gone from the feed are removed (default) or marked gone",
    )
    p.add_argument("--currency", help="currency of rows that name none")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_store_options(p)
    p.set_defaults(func=_ingest)

    p = groups.root.add_parser("search", help="search the catalog")
    p.add_argument("query", nargs="*", help="what to look for (empty: browse)")
    p.add_argument("-k", type=int, default=10, help="results to show")
    p.add_argument("--price-min", type=float)
    p.add_argument("--price-max", type=float)
    p.add_argument("--brand", action="append")
    p.add_argument("--category", help="category path prefix")
    p.add_argument("--in-stock", action="store_true")
    p.add_argument("--min-rating", type=float)
    p.add_argument("--attr", action="append", metavar="NAME=VALUE")
    p.add_argument("--mode", choices=["hybrid", "keyword", "vector"], default="hybrid")
    p.add_argument("--facets", action="store_true")
    p.add_argument("--json", action="store_true")
    add_store_options(p)
    p.set_defaults(func=_search)

    p = groups.eval.add_parser("retrieval", help="nDCG@10 and Recall@100 on judged queries")
    p.add_argument("--products", type=Path, required=True, help="CSV with id,title[,...]")
    p.add_argument(
        "--judgments", type=Path, required=True, help="CSV with query,product_id,relevance"
    )
    p.add_argument("--limit", type=int, help="only the first N queries (sorted)")
    p.add_argument(
        "--train-pairs",
        type=Path,
        help="fine-tune the embedder on these pairs (query,product_id,label) and report "
        "before and after on the judged queries it did not train on",
    )
    p.add_argument(
        "--train-share",
        type=float,
        help="train on this share of the pairs' queries only (a fixed split by query)",
    )
    add_training_options(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    add_store_options(p)
    p.set_defaults(func=_eval)

    p = groups.serve.add_parser("retrieval", help="the retrieval pod's HTTP API")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    add_store_options(p)
    p.set_defaults(func=_serve)
