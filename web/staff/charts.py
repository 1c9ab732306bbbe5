"""Charts drawn by the server as inline SVG (no JS library): columns over time and bar lists.

Every label is escaped (top queries are shoppers' own words); colours come from CSS
classes in console.css, so the charts follow the console's palette.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

__all__ = ["bar_list", "column_chart", "nice_ticks", "rate_bars"]

Format = Callable[[float], str]


def _int(value: float) -> str:
    return f"{value:,.0f}"


def _pct(value: float) -> str:
    # Small rates keep a decimal (0.4% is not 0%); zero is just 0%.
    return f"{value * 100:.1f}%" if 0 < value < 0.1 else f"{value * 100:.0f}%"


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round gridline values from 0 to at least `top` (steps of 1, 2 or 5 times a power of 10).

    Args:
        top: the largest value to show.
        count: about how many steps.

    Returns:
        The ticks, 0 first; [0, 1] when there is nothing to show.
    """
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0) if top >= 1 else step
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _svg(width: int, height: int, label: str, body: list[str], css: str) -> Markup:
    return Markup(
        f'<svg class="chart {css}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def column_chart(
    points: Sequence[tuple[str, float]],
    *,
    label: str,
    width: int = 1100,
    height: int = 220,
    fmt: Format = _int,
    max_labels: int = 10,
) -> Markup:
    """Vertical columns, one per point, with a value axis (conversations per day).

    Args:
        points: (x label, value) in order.
        label: what the chart shows, for screen readers and the tooltip.
        width: the drawing's width in SVG units (it scales to its box).
        height: its height.
        fmt: how values are written on the axis and in each column's tooltip.
        max_labels: x labels drawn at most (every n-th point is labelled).

    Returns:
        The `<svg>` element.
    """
    left, right, top_pad, bottom = 44, 8, 10, 26
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    ticks = nice_ticks(max((v for _, v in points), default=0.0))
    top = ticks[-1]
    body: list[str] = []
    for t in ticks:
        y = top_pad + plot_h - plot_h * t / top
        body.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(fmt(t))}</text>"
        )
    n = max(len(points), 1)
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.72)
    every = max(1, math.ceil(n / max_labels))
    for i, (name, value) in enumerate(points):
        h = plot_h * value / top if top else 0.0
        x = left + i * slot + (slot - bar_w) / 2
        y = top_pad + plot_h - h
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}">'
            f"<title>{escape(name)}: {escape(fmt(value))}</title></rect>"
        )
        if i % every == 0:
            body.append(
                f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{escape(name)}</text>'
            )
    base = top_pad + plot_h
    body.append(f'<line class="base" x1="{left}" x2="{width - right}" y1="{base}" y2="{base}"/>')
    return _svg(width, height, label, body, "columns")


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def bar_list(
    rows: Sequence[tuple[str, float]],
    *,
    label: str,
    width: int = 520,
    fmt: Format = _int,
    row_h: int = 24,
    label_w: int = 220,
    scale: float | None = None,
    css: str = "",
) -> Markup:
    """Horizontal bars with their labels and values, largest first as given (top queries).

    Args:
        rows: (label, value).
        label: what the chart shows.
        width: the drawing's width.
        fmt: how each value is written.
        row_h: the height of one row.
        label_w: room for the labels (longer ones are cut with "…").
        scale: the value of a full-width bar; the largest value by default.
        css: extra classes on the `<svg>`.

    Returns:
        The `<svg>` element; a one-line "nothing yet" drawing when `rows` is empty.
    """
    if not rows:
        body = [f'<text class="empty" x="0" y="16">{escape("Nothing in this period")}</text>']
        return _svg(width, 24, label, body, f"bars {css}".strip())
    full = scale if scale is not None else max(v for _, v in rows) or 1.0
    value_w = 64
    bar_room = width - label_w - value_w
    body = []
    for i, (name, value) in enumerate(rows):
        y = i * row_h
        w = max(0.0, min(1.0, value / full)) * bar_room if full else 0.0
        body.append(
            f'<text class="label" x="{label_w - 8}" y="{y + row_h * 0.68:.1f}" '
            f'text-anchor="end">{escape(_clip(name, 34))}<title>{escape(name)}</title></text>'
            f'<rect class="track" x="{label_w}" y="{y + 4}" width="{bar_room}" '
            f'height="{row_h - 8}" rx="3"/>'
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" '
            f'height="{row_h - 8}" rx="3">'
            f"<title>{escape(name)}: {escape(fmt(value))}</title></rect>"
            f'<text class="value" x="{label_w + bar_room + 8}" y="{y + row_h * 0.68:.1f}">'
            f"{escape(fmt(value))}</text>"
        )
    return _svg(width, row_h * len(rows), label, body, f"bars {css}".strip())


def rate_bars(rows: Sequence[tuple[str, float | None]], *, label: str, width: int = 520) -> Markup:
    """Rates from 0 to 100% as bars on a full-width track; a rate with no data says so.

    Args:
        rows: (label, rate in 0..1 or None when its denominator was zero).
        label: what the chart shows.
        width: the drawing's width.

    Returns:
        The `<svg>` element.
    """
    row_h, label_w, value_w = 28, 200, 70
    bar_room = width - label_w - value_w
    body: list[str] = []
    for i, (name, rate) in enumerate(rows):
        y = i * row_h
        shown = "no data" if rate is None else _pct(rate)
        w = 0.0 if rate is None else max(0.0, min(1.0, rate)) * bar_room
        body.append(
            f'<text class="label" x="{label_w - 8}" y="{y + row_h * 0.66:.1f}" '
            f'text-anchor="end">{escape(name)}</text>'
            f'<rect class="track" x="{label_w}" y="{y + 5}" width="{bar_room}" '
            f'height="{row_h - 10}" rx="3"/>'
            f'<rect class="bar" x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" '
            f'rx="3"><title>{escape(name)}: {escape(shown)}</title></rect>'
            f'<text class="value" x="{label_w + bar_room + 8}" y="{y + row_h * 0.66:.1f}">'
            f"{escape(shown)}</text>"
        )
    return _svg(width, row_h * len(rows), label, body, "rates")
