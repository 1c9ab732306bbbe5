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
from recsys.scoring import FloatArray, IntArray, Scorer, row_items
from recsys.settings import RecsysSettings
from recsys.training import MODEL_NAMES, build_artifact, fit_models

__all__ = [
    "BASELINE",
    "EvalReport",
    "SessionCase",
    "evaluate",
    "evaluate_sessions",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "session_cases",
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


@dataclass(frozen=True)
class SessionCase:
    """One test basket: its first half in line order (the session so far) and the rest."""

    given: IntArray
    relevant: frozenset[int]


def session_cases(test: pd.DataFrame, item_ids: Sequence[str]) -> list[SessionCase]:
    """The session protocol: from each test basket, the first half of its lines, in order,
    is given and the rest is to be ranked.

    A basket's distinct products count in line order (a product on two lines is one);
    baskets of fewer than two products are skipped, and so are baskets whose given half
    holds no product that training knows (every model would answer with popularity).
    Products unknown to training stay relevant: no model can find them, as in `evaluate`.
    """
    index = {item: i for i, item in enumerate(item_ids)}
    bought = test[(test["event"] == "purchase") & test["basket_id"].notna()]
    cases = []
    for _, lines in bought.groupby("basket_id", sort=False)["product_id"]:
        products = list(dict.fromkeys(lines.tolist()))
        if len(products) < 2:
            continue
        half = len(products) // 2
        given = [index[p] for p in products[:half] if p in index]
        if not given:
            continue
        rest = {index.get(p, -1 - n) for n, p in enumerate(products[half:])}
        cases.append(SessionCase(np.array(given, dtype=np.int64), frozenset(rest - set(given))))
    return cases


def _session_scores(scorer: Scorer, cases: Sequence[SessionCase]) -> list[FloatArray]:
    batched = getattr(scorer, "score_sessions", None)  # the sequence model batches sessions
    if batched is not None:
        return list(batched([c.given for c in cases]))
    return [scorer.score_session(c.given) for c in cases]


def evaluate_sessions(
    ranker_models: dict[str, Ranker], cases: Sequence[SessionCase], k: int = 10
) -> dict[str, dict[str, float]]:
    """HR@k and nDCG@k of each model's session answers, ranked as `recommend_for_session`
    serves them (the given products excluded, popularity filling what a model cannot score).

    Args:
        ranker_models: a `Ranker` per model name, each over the same training artifact.
        cases: from `session_cases`.
        k: list length.

    Returns:
        `{model: {"hr@k": ..., "ndcg@k": ..., "sessions": n}}`.
    """
    out: dict[str, dict[str, float]] = {}
    for name, ranker in ranker_models.items():
        hits, gains = [], []
        for case, scores in zip(cases, _session_scores(ranker.scorer, cases), strict=True):
            chosen, filler = ranker.select(scores, k, None, [case.given])
            top = np.concatenate([chosen, filler]).tolist()
            relevant = set(case.relevant)
            hits.append(float(any(i in relevant for i in top[:k])))
            gains.append(ndcg_at_k(top, relevant, k))
        out[name] = {
            f"hr@{k}": float(np.mean(hits)) if hits else 0.0,
            f"ndcg@{k}": float(np.mean(gains)) if gains else 0.0,
            "sessions": float(len(cases)),
        }
    return out
