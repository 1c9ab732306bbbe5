"""`aisle train`, `aisle eval recsys`, `aisle recsys ...` and `aisle serve recsys`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from web.cli import CommandGroups
from web.cli.output import echo, echo_json, table


def _settings(args: argparse.Namespace, **extra: Any) -> Any:
    """RecsysSettings from the environment, with the command's options on top."""
    from recsys import RecsysSettings

    overrides: dict[str, Any] = dict(extra)
    if getattr(args, "data_dir", None) is not None:
        overrides["data_dir"] = args.data_dir
    if getattr(args, "catalog", None) is not None:
        overrides["catalog_path"] = args.catalog
    return RecsysSettings(**overrides)


def _progress(args: argparse.Namespace) -> bool:
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


def _train(args: argparse.Namespace) -> int:
    from recsys import RecsysError, train

    settings = _settings(args)
    models = args.model.split(",") if args.model else [settings.model]
    try:
        result = train(settings, models, progress=_progress(args))
    except RecsysError as e:
        echo(f"error: {e.message}", err=True)
        echo("the previous model (if any) keeps serving", err=True)
        return 1
    metrics = result.metrics
    fit = ", ".join(f"{m} {s:.1f}s" for m, s in metrics["fit_seconds"].items())
    echo(
        f"trained {', '.join(result.models)} (serving {result.primary}) on "
        f"{metrics['interactions']} interactions of {metrics['users']} users and "
        f"{metrics['items']} items; fit: {fit}"
    )
    echo(f"artifact {result.version} is now serving ({result.path})")
    return 0


def _read(path: Path, on_error: str) -> Any:
    from recsys.interactions import read_interactions, validate_frame

    frame, bad, total = validate_frame(read_interactions(path), on_error)  # type: ignore[arg-type]
    for row in bad:
        echo(f"{path}: skipped {row}", err=True)
    if total > len(bad):
        echo(f"{path}: ... {total - len(bad)} more bad rows skipped", err=True)
    return frame


def _eval(args: argparse.Namespace) -> int:
    from recsys import RecsysError, evaluate, split_by_time

    settings = _settings(args)
    try:
        if args.data is not None:
            if args.cutoff is None:
                echo("error: --data needs --cutoff DATE", err=True)
                return 2
            train, test = split_by_time(_read(args.data, args.on_bad_rows), args.cutoff)
        elif args.train is not None and args.test is not None:
            train, test = _read(args.train, args.on_bad_rows), _read(args.test, args.on_bad_rows)
        else:
            echo("error: give --train FILE --test FILE, or --data FILE --cutoff DATE", err=True)
            return 2
        models = args.models.split(",") if args.models else None
        kwargs = {"models": models} if models else {}
        report = evaluate(train, test, settings, progress=_progress(args), **kwargs)
        if args.report is not None:
            from recsys.registry import MODEL_NAMES
            from web.cli.experiments import write_fairness_report

            write_fairness_report(args, train, test, settings, models or list(MODEL_NAMES))
    except RecsysError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    if args.json:
        echo_json(report.to_json())
        return 0
    for protocol, per_model in report.metrics.items():
        scored = report.scored_users.get(protocol, report.users)
        echo(f"{protocol} ({scored} of {report.users} test users scored)")
        names = list(next(iter(per_model.values())).keys()) if per_model else []
        rows = [[m, *(f"{v:.4f}" for v in values.values())] for m, values in per_model.items()]
        echo(table(rows, ["model", *names]))
        echo()
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from recsys import BadInteraction, InteractionStore, RecsysError

    settings = _settings(args)
    if not args.file.exists():
        echo(f"error: {args.file} does not exist", err=True)
        return 2
    on_error = args.on_bad_rows or settings.on_bad_rows
    try:
        report = InteractionStore(settings.store_path).ingest_file(
            args.file, on_error=on_error, force=args.force
        )
    except BadInteraction as e:
        echo(f"error: {args.file}: {e.message}", err=True)
        echo("nothing was stored; fix the rows or pass --on-bad-rows skip", err=True)
        return 1
    except RecsysError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    if report.already_ingested:
        echo(f"{args.file} was already ingested; nothing stored (--force stores it again)")
        return 0
    for row in report.bad:
        echo(f"{args.file}: skipped {row}", err=True)
    if report.bad_total > len(report.bad):
        echo(f"{args.file}: ... and {report.bad_total - len(report.bad)} more", err=True)
    echo(
        f"stored {report.written} of {report.rows} rows from {args.file} "
        f"({report.bad_total} bad rows skipped) in {settings.store_path}"
    )
    return 0


def _forget(args: argparse.Namespace) -> int:
    from recsys import LocalRecommender, RecsysError

    try:
        removed = LocalRecommender(_settings(args)).forget(args.user)
    except RecsysError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    echo(
        f"forgot {args.user}: {removed} interactions deleted; their history no longer "
        "shapes recommendations, and the next training leaves them out"
    )
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from recsys import Filters, RecsysError, make_recommender

    recommender = make_recommender(_settings(args))
    filters = Filters(
        in_stock=True if args.in_stock else None,
        category=args.category,
        price_min=args.price_min,
        price_max=args.price_max,
    )
    try:
        if args.similar:
            items = recommender.similar_items(args.similar, args.n, filters)
        elif args.together:
            items = recommender.bought_together(args.together, args.n, filters)
        elif args.session:
            items = recommender.recommend_for_session(args.session.split(","), args.n, filters)
        elif args.user:
            items = recommender.recommend(args.user, args.n, filters)
        else:
            echo("error: give a USER, --similar ID, --together ID or --session ID,ID", err=True)
            return 2
    except RecsysError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    if args.json:
        echo_json([item.model_dump(exclude_none=True) for item in items])
        return 0
    rows = [[r.product_id, f"{r.score:.3f}", r.reason.text] for r in items]
    echo(table(rows, ["product", "score", "why"]) if rows else "no recommendations")
    return 0


def _serve(args: argparse.Namespace) -> int:
    # The pod's own entrypoint (`python -m recsys`), with the options on its settings.
    from recsys.__main__ import main
    from web.cli.serve import bind_options

    main(_settings(args, **bind_options(args)))
    return 0


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="recsys data dir (AISLE_RECSYS_DATA_DIR)")


def add_commands(groups: CommandGroups) -> None:
    """Add the recommendation commands."""
    train = groups.root.add_parser("train", help="train recommendation models and serve them")
    train.add_argument(
        "--model",
        # No argparse choices: the names live in recsys.registry (importing it here would
        # load recsys for every command); training refuses an unknown one, naming the rest.
        help="model to train and serve (default: AISLE_RECSYS_MODEL, als): a name of "
        "recsys.MODEL_NAMES (an unknown one is refused with the list), or several, comma-"
        "separated, the first served (`als,sasrec`: sasrec answers sessions); `all` trains "
        "every model and serves AISLE_RECSYS_MODEL",
    )
    train.add_argument("--catalog", type=Path, help="products file for item metadata")
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    _data_options(train)
    train.set_defaults(func=_train)

    ev = groups.eval.add_parser("recsys", help="Precision/Recall/nDCG@10 on a time split")
    ev.add_argument("--train", type=Path, help="training interactions file")
    ev.add_argument("--test", type=Path, help="test interactions file")
    ev.add_argument("--data", type=Path, help="one interactions file to split in time")
    ev.add_argument("--cutoff", help="split date for --data (UTC), e.g. 2010-09-01")
    ev.add_argument("--models", help="comma-separated models (default: all)")
    ev.add_argument("--on-bad-rows", choices=("fail", "skip"), default="fail")
    ev.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ev.add_argument(
        "--report", type=Path, help="also write the fairness and diversity report (HTML)"
    )
    ev.add_argument("--catalog", type=Path, help="products file for the report's categories")
    ev.add_argument(
        "--live",
        action="store_true",
        help="add the live impressions of the transcript database (AISLE_WEB_*) to the report",
    )
    ev.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    ev.set_defaults(func=_eval)

    group = groups.root.add_parser("recsys", help="interaction store and recommendations")
    sub = group.add_subparsers(dest="recsys_command", metavar="COMMAND", required=True)
    ingest = sub.add_parser("ingest", help="store interactions from CSV, JSON Lines or Parquet")
    ingest.add_argument("file", type=Path)
    ingest.add_argument(
        "--on-bad-rows",
        choices=("fail", "skip"),
        help="fail (store nothing) or skip bad rows (default: setting)",
    )
    ingest.add_argument("--force", action="store_true", help="store a file ingested before")
    _data_options(ingest)
    ingest.set_defaults(func=_ingest)

    forget = sub.add_parser("forget", help="delete a user's interactions and personalisation")
    forget.add_argument("user")
    _data_options(forget)
    forget.set_defaults(func=_forget)

    rec = sub.add_parser("recommend", help="show recommendations from the served model")
    rec.add_argument("user", nargs="?")
    rec.add_argument("--similar", metavar="PRODUCT_ID")
    rec.add_argument("--together", metavar="PRODUCT_ID")
    rec.add_argument("--session", metavar="ID,ID,...")
    rec.add_argument("-n", type=int, default=10)
    rec.add_argument("--category")
    rec.add_argument("--in-stock", action="store_true")
    rec.add_argument("--price-min", type=float)
    rec.add_argument("--price-max", type=float)
    rec.add_argument("--json", action="store_true")
    _data_options(rec)
    rec.set_defaults(func=_recommend)

    serve = groups.serve.add_parser("recsys", help="serve recommendations over HTTP")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    _data_options(serve)
    serve.set_defaults(func=_serve)
