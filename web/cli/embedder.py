"""`aisle train embedder`, `aisle embedder status` and `aisle embedder rollback`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from retrieval import Pair, RetrievalError, RetrievalSettings
from web.cli import CommandGroups
from web.cli.output import echo, echo_json

DEFAULTS = {"min_label": 1.0, "held_share": 0.1, "min_gain": 0.0, "min_held_queries": 20}


def add_training_options(p: argparse.ArgumentParser) -> None:
    """Options of a fine-tune and of its promotion rule (shared with `aisle eval retrieval`)."""
    from retrieval.finetune import FinetuneConfig

    d = FinetuneConfig()
    p.add_argument(
        "--min-label", type=float, default=DEFAULTS["min_label"],
        help="pairs labelled at least this are positives (default 1: any recorded signal)",
    )  # fmt: skip
    p.add_argument(
        "--held-share", type=float, default=DEFAULTS["held_share"],
        help="share of queries held out to decide promotion (default 0.1)",
    )  # fmt: skip
    p.add_argument(
        "--min-gain", type=float, default=DEFAULTS["min_gain"],
        help="the new model must beat the current one's held-out nDCG@10 by more (default 0)",
    )  # fmt: skip
    p.add_argument(
        "--min-held-queries", type=int, default=DEFAULTS["min_held_queries"],
        help="refuse to train with fewer held-out queries than this (default 20)",
    )  # fmt: skip
    p.add_argument(
        "--negative-below", type=float, default=None,
        help="pairs labelled below this (shown, not chosen) are their query's hard negatives "
        "instead of mined ones (default: mined only)",
    )  # fmt: skip
    p.add_argument("--epochs", type=float, default=d.epochs, help=f"default {d.epochs:g}")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"default {d.batch_size}")
    p.add_argument("--learning-rate", type=float, default=d.learning_rate)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument(
        "--device", help="torch device: cpu or cuda (default: AISLE_RETRIEVAL_DEVICE, cpu)"
    )


def finetune_config(args: argparse.Namespace, settings: RetrievalSettings) -> Any:
    """The FinetuneConfig that the options ask for."""
    from retrieval.finetune import FinetuneConfig

    if args.epochs <= 0 or args.batch_size < 2 or args.learning_rate <= 0:
        raise SystemExit("error: --epochs and --learning-rate must be > 0, --batch-size >= 2")
    return FinetuneConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        seed=args.seed,
        device=args.device or settings.device,
    )


def train_options(args: argparse.Namespace) -> Any:
    """The TrainOptions (promotion rule) that the options ask for."""
    from retrieval.adapt import TrainOptions

    if not 0 < args.held_share < 1:
        raise SystemExit("error: --held-share must lie between 0 and 1")
    return TrainOptions(
        min_label=args.min_label,
        held_share=args.held_share,
        min_gain=args.min_gain,
        min_held_queries=args.min_held_queries,
        negative_below=args.negative_below,
        dry_run=getattr(args, "dry_run", False),
    )


def _settings(args: argparse.Namespace) -> RetrievalSettings:
    from web.cli.catalog import retrieval_settings

    return retrieval_settings(args)


def pairs_from_store(args: argparse.Namespace) -> list[Pair]:
    """The (query, product, signal) pairs of the events in the transcript store."""
    from web.settings import WebSettings
    from web.store import make_transcript_store
    from web.store.pairs import export_pairs

    overrides: dict[str, Any] = {}
    if args.web_data_dir is not None:
        overrides["data_dir"] = args.web_data_dir
    if args.database_url:
        overrides["database_url"] = args.database_url
    store = make_transcript_store(WebSettings(**overrides))
    try:
        return [Pair(q, pid, label) for q, pid, label in export_pairs(store.engine)]
    finally:
        store.close()


def write_pairs(pairs: list[Pair], path: Path) -> None:
    """Write pairs as CSV (query, product_id, label): what `--pairs` reads back."""
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["query", "product_id", "label"])
        out.writerows([p.query, p.product_id, f"{p.label:g}"] for p in pairs)


def _train(args: argparse.Namespace) -> int:
    from retrieval.adapt import train_embedder
    from retrieval.pairs import read_pairs
    from web.cli.catalog import progress_bar

    settings = _settings(args)
    if args.pairs is not None:
        if not args.pairs.exists():
            echo(f"error: {args.pairs} does not exist", err=True)
            return 2
        try:
            report = read_pairs(args.pairs)
        except ValueError as e:
            echo(f"error: {e}", err=True)
            return 2
        for err in report.errors:
            echo(f"skipped {err}", err=True)
        pairs = report.pairs
    else:
        pairs = pairs_from_store(args)
        echo(f"{len(pairs)} pairs from the transcript store", err=True)
        if args.export_pairs is not None:
            write_pairs(pairs, args.export_pairs)
            echo(f"wrote {len(pairs)} pairs to {args.export_pairs}")
            return 0
    update, close = progress_bar("embedding the catalog (new model)", args.quiet)
    try:
        result = train_embedder(
            settings,
            pairs,
            train_options(args),
            finetune_config(args, settings),
            progress=not args.quiet,
            on_embed=update,
        )
    except RetrievalError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    finally:
        close()
    if args.json:
        echo_json(result.as_dict())
    else:
        ft = result.finetune
        if ft is not None:
            echo(
                f"trained on {ft.examples} examples ({result.train_queries} queries) in "
                f"{ft.seconds:.0f}s, {ft.pairs_per_s:.1f}/s"
            )
        echo(("promoted: " if result.promoted else "refused: ") + result.reason)
    # A refusal is the rule working, not a failure: a CronJob must not retry it.
    return 0


def _status(args: argparse.Namespace) -> int:
    from retrieval.adapt import embedder_status

    try:
        status = embedder_status(_settings(args))
    except RetrievalError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    if args.json:
        echo_json(status)
        return 0
    for key, value in status.items():
        echo(f"{key}: {json.dumps(value) if isinstance(value, dict | list) else value}")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from retrieval.adapt import rollback_embedder
    from web.cli.catalog import progress_bar

    update, close = progress_bar("embedding the catalog (previous model)", args.quiet)
    try:
        report = rollback_embedder(_settings(args), on_embed=update)
    except RetrievalError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    finally:
        close()
    how = "re-embedded into" if report.reembedded else "its kept collection"
    echo(f"rolled back {report.rolled_back} -> {report.current}: {how} {report.collection}")
    return 0


def _store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, help="retrieval data dir (AISLE_RETRIEVAL_DATA_DIR)")
    p.add_argument("--chroma-url", help="use the Chroma server at this URL")


def add_commands(groups: CommandGroups) -> None:
    """Add the embedder commands (`aisle train embedder` hangs under recsys' `aisle train`)."""
    train = groups.root.choices["train"]
    sub = train.add_subparsers(dest="train_what", metavar="WHAT", required=False)
    p = sub.add_parser(
        "embedder",
        help="fine-tune the search embedder on the shop's (query, product) pairs; "
        "promote it only if it beats the current one on held-out queries",
    )
    p.add_argument(
        "--pairs", type=Path,
        help="CSV, JSON Lines or Parquet of query,product_id,label "
        "(default: the events recorded in the transcript store)",
    )  # fmt: skip
    p.add_argument("--web-data-dir", type=Path, help="data dir of the transcript store")
    p.add_argument("--database-url", help="the transcript store (AISLE_WEB_DATABASE_URL)")
    p.add_argument(
        "--export-pairs", type=Path, metavar="CSV",
        help="write the transcript store's pairs to this CSV and stop (nothing is trained)",
    )  # fmt: skip
    p.add_argument("--dry-run", action="store_true", help="train and score, change nothing")
    p.add_argument("--json", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    add_training_options(p)
    _store_options(p)
    p.set_defaults(func=_train)

    group = groups.root.add_parser("embedder", help="the search embedder's versions")
    cmds = group.add_subparsers(dest="embedder_command", metavar="COMMAND", required=True)
    p = cmds.add_parser("status", help="the live embedder version and the promotion history")
    p.add_argument("--json", action="store_true")
    _store_options(p)
    p.set_defaults(func=_status)
    p = cmds.add_parser("rollback", help="serve the previous embedder version again")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _store_options(p)
    p.set_defaults(func=_rollback)
