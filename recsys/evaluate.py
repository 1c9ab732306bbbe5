"""Offline evaluation on a time split: Precision, Recall, nDCG at 10, coverage, popularity bias.

Test users are users with at least one test purchase who also appear in training. Two
protocols: `protocol_new` excludes the items a user already had in training from both the
recommendations and the relevant set (a user left with no new test item is not scored
there); `protocol_all` keeps both. Relevant items unknown to training still count in
recall's denominator: no model can recommend them, and the metric says so. Every model
is ranked exactly as `recommend` serves it (popularity fills what a model cannot score),
next to `als_default`: implicit's `AlternatingLeastSquares()` with its default
parameters on the raw user-item count matrix, the baseline the tuned defaults must beat.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from recsys.als import fit_implicit_als
from recsys.catalog import ItemTable
from recsys.dataset import build_dataset
from recsys.errors import BadRequest
from recsys.factors import FactorModel
from recsys.ranking import Ranker
from recsys.scoring import IntArray, row_items
from recsys.settings import RecsysSettings
from recsys.training import MODEL_NAMES, build_artifact, fit_models

__all__ = [
    "BASELINE",
    "EvalReport",
    "evaluate",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "split_by_time",
]

log = logging.getLogger(__name__)

BASELINE = "als_default"
PROTOCOLS = ("protocol_new", "protocol_all")


def precision_at_k(recommended: Sequence[int], relevant: set[int], k: int) -> float:
    """Hits among the first k recommendations, divided by k (a short list is not excused)."""
    return sum(1 for item in recommended[:k] if item in relevant) / k


def recall_at_k(recommended: Sequence[int], relevant: set[int], k: int) -> float:
    """Hits among the first k recommendations, divided by the number of relevant items."""
    if not relevant:
        return 0.0
    return sum(1 for item in recommended[:k] if item in relevant) / len(relevant)


def ndcg_at_k(recommended: Sequence[int], relevant: set[int], k: int) -> float:
    """Binary-gain nDCG: sum of 1/log2(rank + 1) over hits, over the best possible sum."""
    if not relevant:
        return 0.0
    dcg = sum(
        1.0 / np.log2(rank + 2) for rank, item in enumerate(recommended[:k]) if item in relevant
    )
    ideal = sum(1.0 / np.log2(rank + 2) for rank in range(min(len(relevant), k)))
    return float(dcg / ideal)


def split_by_time(
    frame: pd.DataFrame, cutoff: str | pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows before `cutoff` (UTC) train; rows at or after it test."""
    when = pd.Timestamp(cutoff)
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    before = frame["ts"] < when
    return frame[before].reset_index(drop=True), frame[~before].reset_index(drop=True)


@dataclass
class EvalReport:
    """Metrics per protocol and model, and how many users each protocol scored."""

    metrics: dict[str, dict[str, dict[str, float]]]
    users: int
    scored_users: dict[str, int] = field(default_factory=dict)
    fit_seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """`{"protocol_new": {model: {metric: value}}, "protocol_all": {...}, "users": n}`."""
        return {**self.metrics, "users": self.users}


def _score(
    lists: list[IntArray],
    relevant: list[set[int]],
    k: int,
    n_items: int,
    top_items: set[int],
) -> dict[str, float]:
    scored = [(recs.tolist(), rel) for recs, rel in zip(lists, relevant, strict=True) if rel]
    if not scored:
        return {m: 0.0 for m in ("precision@10", "recall@10", "ndcg@10", "coverage", "pop_share")}
    shown = [item for recs, _ in scored for item in recs[:k]]
    return {
        f"precision@{k}": float(np.mean([precision_at_k(r, rel, k) for r, rel in scored])),
        f"recall@{k}": float(np.mean([recall_at_k(r, rel, k) for r, rel in scored])),
        f"ndcg@{k}": float(np.mean([ndcg_at_k(r, rel, k) for r, rel in scored])),
        "coverage": len(set(shown)) / max(n_items, 1),
        "pop_share": sum(1 for item in shown if item in top_items) / max(len(shown), 1),
    }


def evaluate(
    train: pd.DataFrame,
    test: pd.DataFrame,
    settings: RecsysSettings,
    models: Sequence[str] = MODEL_NAMES,
    *,
    k: int = 10,
    baseline: bool = True,
    progress: bool = False,
) -> EvalReport:
    """Train every model on `train` and measure it on `test`'s purchases.

    Args:
        train: validated interaction rows of the training period.
        test: validated interaction rows of the test period.
        settings: confidence and hyperparameters, as training uses them.
        models: which models to measure (pop and cooc are fitted anyway).
        k: list length (the CLI uses 10).
        baseline: also measure `als_default`, untuned implicit ALS on raw counts.
        progress: progress bars on stderr.

    Returns:
        The report; `to_json()` is what `aisle eval recsys --json` prints.
    """
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown:
        raise BadRequest(f"unknown model(s) {unknown}; known: {', '.join(MODEL_NAMES)}")
    if train.empty or test.empty:
        raise BadRequest("evaluation needs interactions on both sides of the split")
    data = build_dataset(train, settings)
    fitted, seconds = fit_models(data, settings, list(models), progress)
    if baseline:
        raw = fit_implicit_als(
            data.counts, random_state=settings.random_state, num_threads=settings.num_threads
        )
        fitted[BASELINE] = FactorModel(raw.user_factors, raw.item_factors, data.counts, {})
    artifact = build_artifact(
        data, fitted, "pop", ItemTable.build(data.item_ids, None), version="evaluation"
    )
    user_index = artifact.user_index
    item_index = {item: i for i, item in enumerate(data.item_ids)}
    bought = test[(test["event"] == "purchase") & test["user_id"].isin(user_index)]
    # Items training never saw get ids below zero: they count as relevant, never as hits.
    unseen = {p: -1 - i for i, p in enumerate(sorted(set(bought["product_id"]) - set(item_index)))}
    per_user = bought.groupby("user_id", sort=True)["product_id"].agg(set)
    users = np.array([user_index[u] for u in per_user.index], dtype=np.int64)
    relevant_all = [{item_index.get(p, unseen.get(p, -1)) for p in items} for items in per_user]
    relevant_new = [
        rel - set(row_items(data.confidence, int(u)).tolist())
        for rel, u in zip(relevant_all, users, strict=True)
    ]
    top_items = set(artifact.popularity.top_share_items(0.01).tolist())
    names = [m for m in (*models, BASELINE) if m in fitted]
    metrics: dict[str, dict[str, dict[str, float]]] = {p: {} for p in PROTOCOLS}
    jobs = [(p, m) for m in names for p in PROTOCOLS]
    for protocol, name in tqdm(jobs, desc="evaluating", disable=not progress, leave=False):
        ranker = Ranker(artifact, name)
        new = protocol == "protocol_new"
        lists = ranker.rank_users(users, k, exclude_seen=new)
        relevant = relevant_new if new else relevant_all
        metrics[protocol][name] = _score(lists, relevant, k, data.n_items, top_items)
    log.info("evaluated %d users on %d models", len(users), len(names))
    return EvalReport(
        metrics=metrics,
        users=len(users),
        scored_users={
            "protocol_new": sum(1 for r in relevant_new if r),
            "protocol_all": sum(1 for r in relevant_all if r),
        },
        fit_seconds=seconds,
    )
