"""Fairness and diversity of what shoppers were actually shown (live impressions).

The catalog's categories and the items' popularity come from the recommender's trained
artifact when it runs in this process (the embedded default); with a remote recsys pod the
page can only say so, and `aisle eval recsys --report` gives the offline figures.
"""

from __future__ import annotations

import base64
from typing import Any

from recsys.fairness import fairness_report, popularity_from_counts, summarize
from web.reports.html import COLUMNS, report_rows
from web.reports.plots import lorenz_png, popularity_png
from web.store.impressions import SqlImpressionLog

__all__ = ["live_context"]


def live_context(recommender: object, impressions: SqlImpressionLog) -> dict[str, Any]:
    """The fairness page's template variables (`available` False with the reason when the
    artifact is not at hand or nothing was shown yet)."""
    from recsys import LocalRecommender

    if not isinstance(recommender, LocalRecommender) or recommender.version() is None:
        return {
            "available": False,
            "why": "the recommender's artifact is not in this process "
            "(a recsys pod serves it): run `aisle eval recsys --report FILE` instead",
        }
    lists = impressions.lists()
    if not lists:
        return {"available": False, "why": "no impressions recorded yet"}
    artifact = recommender.ranker().artifact
    items = artifact.items
    categories = {i: c or "" for i, c in zip(items.ids, items.categories, strict=True)}
    buyers = artifact.popularity.buyers
    popularity = popularity_from_counts(
        {items.ids[i]: int(b) for i, b in enumerate(buyers.tolist())}, len(artifact.user_ids)
    )
    products = [p for p, _, _ in lists]
    segments = {
        "placement": [pl for _, pl, _ in lists],
        "context": [c for _, _, c in lists],
    }
    report = fairness_report("live impressions", products, categories, popularity, segments)
    reports = {"live impressions": report}
    return {
        "available": True,
        "summary": summarize(report),
        "rows": report_rows(reports),
        "columns": COLUMNS,
        "lorenz": base64.b64encode(lorenz_png(reports)).decode(),
        "popularity": base64.b64encode(popularity_png(reports, "placement")).decode(),
        "version": artifact.version,
    }
