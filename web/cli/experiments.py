"""`aisle eval bandit` (replay, IPS, the time-split simulation) and `eval recsys --report`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from web.cli import CommandGroups
from web.cli.output import echo, echo_json, table

__all__ = ["add_commands", "write_fairness_report"]


def _policy(args: argparse.Namespace, arms: list[str]) -> Any:
    from recsys.bandit import Policy

    return Policy(
        tuple(arms),
        mode="bandit",
        reward=args.reward,
        floor=args.floor,
        context=("visitor",) if args.context else (),
    )


def _simulate(args: argparse.Namespace) -> int:
    from recsys import RecsysError, RecsysSettings
    from recsys.bandit_sim import reward_matrix, simulate
    from web.cli.recsys import _read

    if args.data is None or args.cutoff is None:
        echo("error: the simulation needs --data FILE --cutoff DATE", err=True)
        return 2
    arms = args.arms.split(",")
    try:
        policy = _policy(args, arms)
        frame = _read(args.data, "skip")
        matrix = reward_matrix(frame, args.cutoff, RecsysSettings(), arms, k=args.k)
        result = simulate(matrix, policy, range(args.seeds), use_context=args.context)
    except (RecsysError, ValueError) as e:
        echo(f"error: {getattr(e, 'message', e)}", err=True)
        return 1
    totals = result.arm_totals
    best, worst = result.best_arm, result.worst_arm
    bandit = result.bandit_median
    summary = {
        "visits": result.visits,
        "period": [matrix.first_visit, matrix.last_visit],
        "arms": totals,
        "bandit_per_seed": result.bandit_totals,
        "bandit_median": bandit,
        "best_arm": best,
        "worst_arm": worst,
        "ratio_to_best": bandit / totals[best] if totals[best] else 0.0,
        "ratio_to_worst": bandit / totals[worst] if totals[worst] else 0.0,
        "bandit_picks_per_seed": result.bandit_picks,
        "policy": {"floor": policy.floor, "reward": policy.reward, "context": policy.context},
    }
    if args.plot is not None:
        from web.reports import bandit_png

        args.plot.write_bytes(bandit_png(result))
    if args.json:
        echo_json(summary)
        return 0
    echo(f"{result.visits} visits ({matrix.first_visit} .. {matrix.last_visit}), k={args.k}")
    rows = [[a, f"{t:.0f}", f"{t / result.visits:.4f}"] for a, t in totals.items()]
    rows.append(["bandit (median)", f"{bandit:.0f}", f"{bandit / result.visits:.4f}"])
    echo(table(rows, ["arm", "cumulative reward", "per visit"]))
    echo(
        f"bandit / best arm in hindsight ({best}): {summary['ratio_to_best']:.3f}; "
        f"bandit / worst arm ({worst}): {summary['ratio_to_worst']:.3f}"
    )
    if args.plot is not None:
        echo(f"plot written to {args.plot}")
    return 0


def _log_from_store(args: argparse.Namespace) -> list[Any]:
    """One placement's impressions from the transcript database (`--logged db`)."""
    from recsys.replay import LoggedImpression
    from web.cli.transcripts import web_settings
    from web.store import make_engine
    from web.store.impressions import SqlImpressionLog

    engine = make_engine(web_settings(args).database())
    try:
        rows = SqlImpressionLog(engine).logged(args.reward)
    finally:
        engine.dispose()
    return [
        LoggedImpression(context, arm, reward, propensity)
        for placement, context, arm, reward, propensity in rows
        if placement == args.placement
    ]


def _read_log(path: Path) -> list[Any]:
    import pandas as pd

    from recsys.replay import LoggedImpression

    frame = pd.read_json(path, lines=True) if path.suffix == ".jsonl" else pd.read_csv(path)
    missing = {"arm", "reward"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    context = frame["context"].astype(str) if "context" in frame else ["all"] * len(frame)
    propensity = frame["propensity"] if "propensity" in frame else [1.0] * len(frame)
    return [
        LoggedImpression(str(c), str(a), float(r), float(p))
        for c, a, r, p in zip(context, frame["arm"], frame["reward"], propensity, strict=True)
    ]


def _replay(args: argparse.Namespace) -> int:
    from recsys.bandit import FixedArm, ThompsonLearner
    from recsys.replay import Learner, ips, replay

    try:
        log = _log_from_store(args) if str(args.logged) == "db" else _read_log(args.logged)
        if not log:
            echo("error: no logged impressions to replay", err=True)
            return 1
        arms = sorted({e.arm for e in log})
        candidates: dict[str, Learner] = {"bandit": ThompsonLearner(_policy(args, arms), 0)}
        candidates |= {f"fixed {a}": FixedArm(a) for a in arms}
        estimate = replay if args.method == "replay" else ips
        results = {name: estimate(learner, log) for name, learner in candidates.items()}
    except (OSError, ValueError) as e:
        echo(f"error: {e}", err=True)
        return 1
    if args.json:
        echo_json({n: r.__dict__ for n, r in results.items()})
        return 0
    rows = [
        [
            n,
            f"{r.value:.4f}",
            "" if r.normalised is None else f"{r.normalised:.4f}",
            f"{r.matched}/{r.total}",
        ]
        for n, r in results.items()
    ]
    echo(table(rows, ["policy", f"{args.method} reward/impression", "self-normalised", "matched"]))
    return 0


def _bandit(args: argparse.Namespace) -> int:
    if args.logged is not None:
        return _replay(args)
    return _simulate(args)


def _segments_from_raw(path: Path) -> dict[str, dict[str, str]]:
    """Customer -> country from an Online Retail II file (other files carry no segments)."""
    import pandas as pd

    if path.suffix != ".parquet":
        return {}
    raw = pd.read_parquet(path)
    if not {"Customer ID", "Country"} <= set(raw.columns):
        return {}
    raw = raw.dropna(subset=["Customer ID"])
    ids = pd.to_numeric(raw["Customer ID"]).astype("int64").astype(str)
    return {"country": dict(zip(ids, raw["Country"].astype(str), strict=True))}


def _live_report(train: Any, categories: dict[str, str]) -> Any:
    """The live impressions' report (None when there are none), against `train`'s history."""
    from recsys.fairness import fairness_report, item_popularity
    from web.settings import WebSettings
    from web.store import make_engine
    from web.store.impressions import SqlImpressionLog

    engine = make_engine(WebSettings().database())
    try:
        rows = SqlImpressionLog(engine).lists()
    finally:
        engine.dispose()
    if not rows:
        return None
    popularity = item_popularity(train[train["event"] == "purchase"])
    segments = {"placement": [p for _, p, _ in rows], "context": [c for _, _, c in rows]}
    return fairness_report(
        "live impressions", [items for items, _, _ in rows], categories, popularity, segments
    )


def write_fairness_report(
    args: argparse.Namespace, train: Any, test: Any, settings: Any, models: list[str]
) -> None:
    """Write `aisle eval recsys --report FILE`: the offline lists of every evaluated model."""
    from recsys.catalog import read_catalog
    from recsys.exposure import offline_fairness
    from web.reports import render_fairness_html

    catalog_path = args.catalog or settings.catalog_path
    categories: dict[str, str] = {}
    if catalog_path is not None and Path(catalog_path).is_file():
        frame = read_catalog(Path(catalog_path))
        categories = dict(zip(frame["id"], frame["category"].fillna("").astype(str), strict=True))
    segments = _segments_from_raw(args.data) if args.data is not None else {}
    reports = offline_fairness(
        train, test, settings, models, categories, customer_segments=segments
    )
    note = (
        f"Offline lists: what each model would show each of the test period's customers "
        f"(top 10; new customers get the popular items). Catalog: {catalog_path}."
    )
    if getattr(args, "live", False):
        live = _live_report(train, categories)
        if live is not None:
            reports["live impressions"] = live
            note += " Live impressions: every list shown under an experiment, per placement."
        else:
            echo("no live impressions in the transcript database; offline lists only", err=True)
    args.report.write_text(render_fairness_html(reports, note=note), encoding="utf-8")
    # stderr: with --json, stdout carries the metrics alone.
    echo(f"fairness report written to {args.report}", err=True)


def add_commands(groups: CommandGroups) -> None:
    """Add `aisle eval bandit`."""
    ev = groups.eval.add_parser(
        "bandit",
        help="the arm-choosing bandit offline: replay/IPS over logged impressions, or a "
        "simulation on a time split with real next orders as the reward",
    )
    ev.add_argument(
        "--logged",
        type=Path,
        help="impressions to replay: `db` (the transcript database's, see --placement) or a "
        "CSV / JSONL file (context, arm, reward, propensity); without it, the simulation runs",
    )
    ev.add_argument("--placement", default="shop_for_you", help="with --logged db")
    ev.add_argument("--data-dir", type=Path, help="web data dir (AISLE_WEB_DATA_DIR)")
    ev.add_argument("--method", choices=("replay", "ips"), default="replay")
    ev.add_argument("--data", type=Path, help="interactions (Online Retail II) to simulate on")
    ev.add_argument("--cutoff", help="split date (UTC), e.g. 2010-09-01")
    ev.add_argument("--arms", default="pop,cooc,als,hybrid,bpr", help="comma-separated models")
    ev.add_argument("--seeds", type=int, default=5, help="bandit runs (median reported)")
    ev.add_argument("--floor", type=float, default=0.02, help="least traffic share per arm")
    ev.add_argument("--reward", choices=("click", "cart"), default="click")
    ev.add_argument("--context", action="store_true", help="separate new/returning statistics")
    ev.add_argument("-k", type=int, default=10, help="products shown per visit")
    ev.add_argument("--plot", type=Path, help="write the cumulative-reward plot (PNG)")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=_bandit)
