"""Who gets shown: coverage, exposure inequality, popularity bias and diversity of served lists.

The same figures come from offline lists (what each model would show every test customer) and
from live impressions (what shoppers were shown), overall and per segment (new vs returning,
country, device ...). Definitions, one list being one impression:

- coverage: distinct products shown / products in the catalog;
- Gini of exposure: over every catalog product's number of slots (never shown counts 0);
  0 when every product is shown equally, near 1 when a few take all slots;
- popularity of an item: the share of customers who bought it in the history; the mean is
  over slots, and the lift divides it by the mean popularity of what customers bought
  themselves (above 1: lists lean to bestsellers more than shoppers do);
- head share: slots taken by the short head, the most bought items that together make up
  20% of purchases (Abdollahpouri et al. 2019);
- novelty: mean self-information -log2(popularity) over slots (higher: less obvious items);
- diversity: intra-list diversity by category, the share of a list's item pairs whose
  categories differ, averaged over lists of two or more items.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

__all__ = [
    "ExposureMetrics",
    "FairnessReport",
    "ItemPopularity",
    "exposure_metrics",
    "fairness_report",
    "gini",
    "item_popularity",
    "popularity_from_counts",
    "summarize",
]

HEAD_SHARE_OF_PURCHASES = 0.2
# A segment with fewer lists than this is reported in the figures but not summarised:
# a country with three customers would otherwise headline the comparison.
MIN_SUMMARY_LISTS = 30


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 for equal, empty or all-zero values)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * (ranks * x).sum()) / (n * total) - (n + 1.0) / n)


@dataclass(frozen=True)
class ItemPopularity:
    """How popular each item was in the history, and what customers bought on average."""

    share: Mapping[str, float]
    """Share of customers who bought the item."""
    head: frozenset[str]
    customers: int
    profile_mean: float
    """Mean popularity over every purchase (what shoppers pick themselves)."""

    def of(self, item: str) -> float:
        """The item's popularity; an item nobody bought counts as one customer in n + 1."""
        return self.share.get(item, 0.0) or 1.0 / (self.customers + 1)


def item_popularity(frame: pd.DataFrame) -> ItemPopularity:
    """Popularity and the short head from interaction rows (`user_id`, `product_id`)."""
    buyers = frame.groupby("product_id")["user_id"].nunique()
    return popularity_from_counts(buyers.to_dict(), frame["user_id"].nunique())


def popularity_from_counts(buyers: Mapping[str, int], customers: int) -> ItemPopularity:
    """Popularity from distinct buyers per item (a trained artifact's popularity model)."""
    customers = max(customers, 1)
    counts = pd.Series(buyers, dtype="float64").sort_values(ascending=False)
    counts = counts[counts > 0]
    share = counts / customers
    # The head: best sellers taken in order until they make up the share (the one that
    # crosses it included, so a single dominant item is head).
    before = (counts.cumsum() - counts) / max(counts.sum(), 1)
    head = frozenset(str(i) for i in before.index[before < HEAD_SHARE_OF_PURCHASES])
    # Each (customer, item) pair weighs the same: what customers buy themselves.
    profile = float((counts * share).sum() / counts.sum()) if counts.sum() else 0.0
    return ItemPopularity({str(k): float(v) for k, v in share.items()}, head, customers, profile)


@dataclass(frozen=True)
class ExposureMetrics:
    """The figures of one set of lists (see the module docstring)."""

    lists: int
    slots: int
    coverage: float
    gini: float
    mean_popularity: float
    popularity_lift: float
    head_share: float
    novelty: float
    diversity: float


def _diversity(items: Sequence[str], categories: Mapping[str, str]) -> float | None:
    if len(items) < 2:
        return None
    pairs = list(combinations(items, 2))
    return sum(categories.get(a, "") != categories.get(b, "") for a, b in pairs) / len(pairs)


def exposure_metrics(
    lists: Sequence[Sequence[str]],
    categories: Mapping[str, str],
    popularity: ItemPopularity,
) -> ExposureMetrics:
    """The figures of `lists` over the catalog `categories` (item id -> category path).

    Args:
        lists: product ids per impression, in display order.
        categories: every catalog product's category; its size is the catalog's.
        popularity: from `item_popularity` over the history.
    """
    shown = [item for items in lists for item in items]
    exposure = Counter(shown)
    catalog = set(categories) | set(exposure)
    counts = [exposure.get(item, 0) for item in catalog]
    pops = [popularity.of(item) for item in shown]
    diversities = [d for items in lists if (d := _diversity(items, categories)) is not None]
    mean_pop = float(np.mean(pops)) if pops else 0.0
    return ExposureMetrics(
        lists=len(lists),
        slots=len(shown),
        coverage=len(exposure) / max(len(catalog), 1),
        gini=gini(counts),
        mean_popularity=mean_pop,
        popularity_lift=mean_pop / popularity.profile_mean if popularity.profile_mean else 0.0,
        head_share=sum(1 for i in shown if i in popularity.head) / max(len(shown), 1),
        novelty=float(np.mean([-np.log2(p) for p in pops])) if pops else 0.0,
        diversity=float(np.mean(diversities)) if diversities else 0.0,
    )


@dataclass
class FairnessReport:
    """Figures overall and per segment value, plus each product's exposure, for one source."""

    source: str
    overall: ExposureMetrics
    segments: dict[str, dict[str, ExposureMetrics]] = field(default_factory=dict)
    exposure: dict[str, int] = field(default_factory=dict)
    catalog_size: int = 0


def fairness_report(
    source: str,
    lists: Sequence[Sequence[str]],
    categories: Mapping[str, str],
    popularity: ItemPopularity,
    segments: Mapping[str, Sequence[str]] | None = None,
) -> FairnessReport:
    """Figures for `lists` overall and split by each segment dimension.

    Args:
        source: what the lists are (a model's offline lists, or live impressions).
        lists: product ids per impression.
        categories: the catalog (item id -> category path).
        popularity: from `item_popularity`.
        segments: dimension name -> one value per list (e.g. `{"visitor": ["new", ...]}`).
    """
    per_segment: dict[str, dict[str, ExposureMetrics]] = {}
    for dimension, values in (segments or {}).items():
        if len(values) != len(lists):
            raise ValueError(
                f"segment {dimension!r} has {len(values)} values for {len(lists)} lists"
            )
        groups: dict[str, list[Sequence[str]]] = {}
        for value, items in zip(values, lists, strict=True):
            groups.setdefault(value, []).append(items)
        per_segment[dimension] = {
            value: exposure_metrics(group, categories, popularity)
            for value, group in sorted(groups.items(), key=lambda kv: -len(kv[1]))
        }
    return FairnessReport(
        source=source,
        overall=exposure_metrics(lists, categories, popularity),
        segments=per_segment,
        exposure=dict(Counter(item for items in lists for item in items)),
        catalog_size=len(set(categories)),
    )


def _bias_word(lift: float) -> str:
    if lift >= 2.0:
        return "a strong popularity bias"
    if lift >= 1.25:
        return "a moderate popularity bias"
    if lift > 0.8:
        return "little popularity bias"
    return "a lean towards less popular products"


def summarize(report: FairnessReport) -> list[str]:
    """Plain-language sentences about the report's popularity bias and diversity."""
    m = report.overall
    if not m.slots:
        return [f"{report.source}: no recommendations to report on yet."]
    shown = len(report.exposure)
    lines = [
        f"{report.source}: {m.lists:,} lists showed {shown:,} of {report.catalog_size:,} "
        f"products ({m.coverage:.1%} of the catalog).",
        f"Exposure is {'very ' if m.gini >= 0.9 else ''}{'unequal' if m.gini >= 0.6 else 'spread'}"
        f" (Gini {m.gini:.2f}: 0 would mean every product shown equally often).",
        f"The best-selling products that make up a fifth of all purchases fill {m.head_share:.0%} "
        f"of the slots; an average recommended product was bought by {m.mean_popularity:.1%} of "
        f"customers, {m.popularity_lift:.1f} times as popular as what customers buy themselves: "
        f"{_bias_word(m.popularity_lift)}.",
        f"A typical list mixes categories in {m.diversity:.0%} of its product pairs.",
    ]
    for dimension, all_values in report.segments.items():
        values = {
            k: v for k, v in all_values.items() if v.lists >= MIN_SUMMARY_LISTS and k != "unknown"
        }
        if len(values) < 2:
            continue
        ranked = sorted(values.items(), key=lambda kv: kv[1].popularity_lift)
        (low, lm), (high, hm) = ranked[0], ranked[-1]
        lines.append(
            f"By {dimension}: '{high}' shoppers get the most popular products "
            f"({hm.popularity_lift:.1f}x), '{low}' the least ({lm.popularity_lift:.1f}x); "
            f"list diversity {hm.diversity:.0%} against {lm.diversity:.0%}."
        )
    return lines
