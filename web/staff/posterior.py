"""The posterior chart: each arm's reward rate with its 95% credible interval, as inline SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["PosteriorRow", "posterior_chart"]


@dataclass(frozen=True)
class PosteriorRow:
    """One arm: its posterior mean and interval, and whether it is paused."""

    arm: str
    mean: float
    low: float
    high: float
    paused: bool = False


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def posterior_chart(rows: Sequence[PosteriorRow], *, label: str, width: int = 560) -> Markup:
    """Intervals on a shared axis from 0 to the largest upper bound (rounded up).

    Args:
        rows: one per arm.
        label: what the chart shows (the accessible name).
        width: the drawing's width.

    Returns:
        The `<svg>` element.
    """
    row_h, label_w, value_w = 30, 110, 150
    room = width - label_w - value_w
    top = max((r.high for r in rows), default=0.0)
    scale = min(1.0, max(0.01, round(top * 1.1 + 0.005, 2)))
    height = row_h * len(rows) + 24
    body = []
    for i, r in enumerate(rows):
        y = i * row_h + 6
        mid = y + row_h / 2 - 3
        x0 = label_w + room * r.low / scale
        x1 = label_w + room * r.high / scale
        xm = label_w + room * r.mean / scale
        css = "arm paused" if r.paused else "arm"
        body.append(
            f'<g class="{css}" data-arm="{escape(r.arm)}">'
            f'<text class="label" x="{label_w - 8}" y="{mid + 4:.1f}" text-anchor="end">'
            f"{escape(r.arm)}{' (paused)' if r.paused else ''}</text>"
            f'<line class="interval" x1="{x0:.1f}" x2="{x1:.1f}" y1="{mid:.1f}" y2="{mid:.1f}"'
            ' stroke="currentColor" stroke-width="6" stroke-linecap="round" opacity="0.35"/>'
            f'<circle class="mean" cx="{xm:.1f}" cy="{mid:.1f}" r="5" fill="currentColor"/>'
            f'<text class="value" x="{label_w + room + 8}" y="{mid + 4:.1f}">'
            f"{_pct(r.mean)} ({_pct(r.low)}–{_pct(r.high)})</text></g>"
        )
    base = row_h * len(rows) + 8
    body.append(
        f'<line class="base" x1="{label_w}" x2="{label_w + room}" y1="{base}" y2="{base}"'
        ' stroke="currentColor" opacity="0.4"/>'
        f'<text class="axis" x="{label_w}" y="{base + 14}">0%</text>'
        f'<text class="axis" x="{label_w + room}" y="{base + 14}" text-anchor="end">'
        f"{_pct(scale)}</text>"
    )
    return Markup(
        # A fixed width: stretched to a wide panel, its text would grow past the table's.
        f'<svg class="chart posterior" viewBox="0 0 {width} {height}" width="{width}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )
