"""The console's Jinja2 templates (autoescaped), their filters, and the page response."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from web.staff.sessions import StaffSession

__all__ = ["TEMPLATES", "render", "render_text"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
CURRENCY = {"GBP": "£", "USD": "$", "EUR": "€"}


def _when(value: datetime | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _ago(value: datetime | float | None) -> str:
    if value is None:
        return ""
    then = value if isinstance(value, int | float) else value.timestamp()
    seconds = max(0, int(datetime.now(UTC).timestamp() - then))
    if seconds < 60:
        return "just now" if seconds < 10 else f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86_400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86_400} d ago"


def _money(price: Any, currency: str | None = None) -> str:
    try:
        amount = float(price)
    except (TypeError, ValueError):
        return ""
    symbol = CURRENCY.get(currency or "", "")
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency or ''}".strip()


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def _compact(value: Any) -> str:
    """Tool arguments on one line, without the noise of empty values."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if v not in (None, "", [], {})}
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def _stars(rating: float | None) -> str:
    if rating is None:
        return ""
    full = int(round(float(rating)))
    return "★" * full + "☆" * (5 - full)


def _feedback(value: int | None, scale: str | None) -> str:
    if value is None:
        return ""
    if scale == "thumbs":
        return "👍 helpful" if value > 0 else "👎 not helpful"
    return f"{value}/5 stars"


TEMPLATES = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,  # every template, whatever its name: shopper text is never trusted
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters.update(
    when=_when,
    ago=_ago,
    money=_money,
    pct=_pct,
    ms=_ms,
    compact=_compact,
    stars=_stars,
    feedback=_feedback,
)

# Pages of the console load only their own files: no CDN, no inline script or style.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render_text(request: Request, name: str, **context: Any) -> str:
    """A template rendered with the page context (the user, their CSRF token, the path)."""
    session: StaffSession | None = getattr(request.state, "staff_session", None)
    page = {
        "user": getattr(request.state, "staff", None),
        "csrf": session.csrf if session is not None else "",
        "path": request.url.path,
    }
    page.update(context)
    return TEMPLATES.get_template(name).render(**page)


def render(
    request: Request,
    name: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A console page as an HTML response with the console's security headers.

    Args:
        request: the request (its staff user and session fill the page header).
        name: the template file in web/staff/templates/.
        status: the HTTP status.
        headers: extra headers.
        **context: the template's variables.

    Returns:
        The response.
    """
    html = render_text(request, name, **context)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})
