"""The fairness and diversity report as one self-contained HTML file (plots inlined as PNG)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime

from jinja2 import Environment

from recsys.fairness import FairnessReport, summarize
from web.reports.plots import lorenz_png, popularity_png

__all__ = ["COLUMNS", "render_fairness_html", "report_rows"]

COLUMNS: dict[str, str] = {
    "lists": "lists",
    "coverage": "catalog coverage",
    "gini": "Gini of exposure",
    "mean_popularity": "avg popularity (share of customers)",
    "popularity_lift": "popularity lift",
    "head_share": "short-head share of slots",
    "novelty": "novelty (bits)",
    "diversity": "intra-list diversity (category)",
}

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .6rem}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
.summary li{margin:.3rem 0}img{max-width:100%}
</style></head><body>
<h1>{{ title }}</h1>
<p>Generated {{ generated }}. {{ note }}</p>
<h2>In plain words</h2>
{% for name, lines in summaries.items() %}<h3>{{ name }}</h3><ul class="summary">
{% for line in lines %}<li>{{ line }}</li>{% endfor %}</ul>{% endfor %}
<h2>Figures</h2>
<table><tr><th>source</th><th>segment</th>
{% for label in columns.values() %}<th>{{ label }}</th>{% endfor %}</tr>
{% for row in rows %}<tr><td>{{ row.source }}</td><td>{{ row.segment }}</td>
{% for key in columns %}<td class="n">{{ row[key] }}</td>{% endfor %}</tr>{% endfor %}
</table>
<h2>Plots</h2>
<img alt="Lorenz curves of exposure" src="data:image/png;base64,{{ lorenz }}">
<img alt="Popularity lift by segment" src="data:image/png;base64,{{ popularity }}">
<h2>Definitions</h2>
<p>Coverage: distinct products shown over catalog products. Gini of exposure: inequality of
slots over every catalog product (0 equal, 1 one product everywhere). Popularity: share of
customers who bought the item; lift: shown items' popularity over bought items' popularity.
Short head: the best sellers that make up 20% of purchases. Novelty: mean -log2(popularity).
Intra-list diversity: share of a list's item pairs in different categories.</p>
</body></html>
"""


def _fmt(key: str, value: float) -> str:
    if key == "lists":
        return f"{int(value):,}"
    if key in ("coverage", "mean_popularity", "head_share", "diversity"):
        return f"{value:.1%}"
    return f"{value:.2f}"


def report_rows(reports: Mapping[str, FairnessReport]) -> list[dict[str, str]]:
    """One formatted row per report and segment value (`all` first), keyed as COLUMNS."""
    rows = []
    for name, report in reports.items():
        groups = [("all", report.overall)] + [
            (f"{dim} = {value}", metrics)
            for dim, values in report.segments.items()
            for value, metrics in values.items()
        ]
        for segment, metrics in groups:
            figures = asdict(metrics)
            rows.append(
                {"source": name, "segment": segment} | {k: _fmt(k, figures[k]) for k in COLUMNS}
            )
    return rows


def render_fairness_html(
    reports: Mapping[str, FairnessReport],
    title: str = "Recommendation fairness and diversity",
    note: str = "",
) -> str:
    """One HTML page: plain-language summaries, the figures per source and segment, plots.

    Args:
        reports: name -> report (a model's offline lists, live impressions ...).
        title: the page title.
        note: a sentence on where the lists came from.
    """
    rows = report_rows(reports)
    env = Environment(autoescape=True)
    return env.from_string(_TEMPLATE).render(
        title=title,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        note=note,
        summaries={name: summarize(r) for name, r in reports.items()},
        rows=rows,
        columns=COLUMNS,
        lorenz=base64.b64encode(lorenz_png(reports)).decode(),
        popularity=base64.b64encode(popularity_png(reports)).decode(),
    )
