"""Matplotlib figures as PNG bytes (the Agg canvas, no pyplot state, safe in any thread)."""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from recsys.bandit_sim import SimulationResult
from recsys.fairness import FairnessReport

__all__ = ["bandit_png", "lorenz_png", "popularity_png"]


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=110, bbox_inches="tight")
    return out.getvalue()


def bandit_png(result: SimulationResult, title: str = "") -> bytes:
    """Cumulative reward per visit: each fixed arm, and the bandit (median and range over seeds)."""
    figure = Figure(figsize=(8, 4.8))
    ax = figure.add_subplot()
    x = np.arange(1, result.visits + 1)
    best = result.best_arm
    for arm, curve in result.arm_curves.items():
        label = f"{arm} (fixed{', best in hindsight' if arm == best else ''})"
        ax.plot(x, curve, linewidth=1.2, linestyle="-" if arm == best else "--", label=label)
    runs = np.vstack(result.bandit_curves)
    ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), color="black", alpha=0.15)
    ax.plot(
        x, result.median_curve(), color="black", linewidth=2.2, label="bandit (median of seeds)"
    )
    ax.set_xlabel("visits (orders in the test period, in time order)")
    ax.set_ylabel("cumulative reward (orders with a recommended product)")
    ax.set_title(title or "Thompson sampling against each fixed arm")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return _png(figure)


def lorenz_png(reports: Mapping[str, FairnessReport]) -> bytes:
    """Lorenz curves of exposure over the catalog, one per report (the diagonal is equality)."""
    figure = Figure(figsize=(5.5, 5))
    ax = figure.add_subplot()
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, label="equal exposure")
    for name, report in reports.items():
        counts = np.array(list(report.exposure.values()), dtype=np.float64)
        zeros = max(report.catalog_size - len(counts), 0)
        values = np.sort(np.concatenate([np.zeros(zeros), counts]))
        if values.sum() <= 0:
            continue
        share = np.concatenate([[0.0], np.cumsum(values) / values.sum()])
        ax.plot(
            np.linspace(0, 1, len(share)), share, label=f"{name} (Gini {report.overall.gini:.2f})"
        )
    ax.set_xlabel("share of catalog products, least shown first")
    ax.set_ylabel("share of recommendation slots")
    ax.set_title("Who gets shown: exposure over the catalog")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _png(figure)


def popularity_png(reports: Mapping[str, FairnessReport], dimension: str = "visitor") -> bytes:
    """Popularity lift per report, overall and per value of one segment dimension."""
    figure = Figure(figsize=(8, 4))
    ax = figure.add_subplot()
    names = list(reports)
    groups = ["overall"] + sorted(
        {v for r in reports.values() for v in r.segments.get(dimension, {})}
    )
    width = 0.8 / max(len(groups), 1)
    for g, group in enumerate(groups):
        heights = []
        for name in names:
            report = reports[name]
            metrics = (
                report.overall if group == "overall" else report.segments[dimension].get(group)
            )
            heights.append(metrics.popularity_lift if metrics else 0.0)
        ax.bar(np.arange(len(names)) + g * width, heights, width, label=group)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xticks(np.arange(len(names)) + width * (len(groups) - 1) / 2, names)
    ax.set_ylabel("popularity of shown items / of items bought")
    ax.set_title(f"Popularity bias, overall and by {dimension}")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _png(figure)
