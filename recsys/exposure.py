"""Offline lists for the fairness report: what each model would show every test customer.

Every customer with a purchase after the cut-off gets one list per model, ranked as
`recommend` serves it: a customer training knows gets the model's list (items they had
excluded, popularity filling short lists); one it does not know (a new customer) gets the
popular items every model falls back to. Segments: `visitor` (new or returning) always,
plus whatever per-customer labels the caller has (the country, where the data has it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from recsys.catalog import ItemTable
from recsys.dataset import build_dataset
from recsys.errors import BadRequest
from recsys.fairness import FairnessReport, fairness_report, item_popularity
from recsys.ranking import Ranker
from recsys.settings import RecsysSettings
from recsys.training import build_artifact, fit_models

__all__ = ["offline_fairness"]

log = logging.getLogger(__name__)


def offline_fairness(
    train: pd.DataFrame,
    test: pd.DataFrame,
    settings: RecsysSettings,
    models: Sequence[str],
    categories: Mapping[str, str],
    *,
    k: int = 10,
    customer_segments: Mapping[str, Mapping[str, str]] | None = None,
    progress: bool = False,
) -> dict[str, FairnessReport]:
    """A fairness report per model over the test customers' lists.

    Args:
        train: interaction rows before the cut-off (the models' history).
        test: rows after it; its purchasing customers are the audience.
        settings: recsys settings, as training uses them.
        models: model names to report on.
        categories: the catalog, item id -> category path (products training never saw
            count towards coverage as never shown).
        k: list length.
        customer_segments: dimension -> customer id -> label (customers without one get
            `unknown`).
        progress: progress bars on stderr.

    Returns:
        `{model: report}`, the reports' sources naming the model.
    """
    if train.empty or test.empty:
        raise BadRequest("the report needs interactions on both sides of the split")
    data = build_dataset(train, settings)
    fitted, _ = fit_models(data, settings, list(models), progress)
    artifact = build_artifact(
        data, fitted, "pop", ItemTable.build(data.item_ids, None), version="report"
    )
    user_index = artifact.user_index
    customers = sorted(set(test.loc[test["event"] == "purchase", "user_id"]))
    known = np.array([user_index[c] for c in customers if c in user_index], dtype=np.int64)
    catalog = dict(categories) or dict.fromkeys(data.item_ids, "")
    popularity = item_popularity(train[train["event"] == "purchase"])
    segments: dict[str, list[str]] = {
        "visitor": ["returning" if c in user_index else "new" for c in customers]
    }
    for dimension, labels in (customer_segments or {}).items():
        segments[dimension] = [labels.get(c, "unknown") for c in customers]
    popular = Ranker(artifact, "pop").rank_users(known[:1], k, exclude_seen=False)
    cold = [data.item_ids[i] for i in popular[0].tolist()] if len(known) else []
    reports = {}
    for name in models:
        ranked = Ranker(artifact, name).rank_users(known, k, exclude_seen=True)
        by_user = {int(u): items for u, items in zip(known, ranked, strict=True)}
        lists = [
            [data.item_ids[i] for i in by_user[user_index[c]].tolist()] if c in user_index else cold
            for c in customers
        ]
        reports[name] = fairness_report(f"model {name}", lists, catalog, popularity, segments)
    log.info("fairness: %d customers, %d models", len(customers), len(models))
    return reports
