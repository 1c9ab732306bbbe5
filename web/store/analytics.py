"""Analytics over stored conversations: volume per day, CSAT, top and zero-result queries, rates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from web.store.models import Conversation, Turn, utcnow
from web.store.views import Analytics, DailyCount, QueryCount

__all__ = ["compute_analytics", "normalize_query", "positive_feedback"]

QUERY_CHARS = 200
_NOT_WORD = re.compile(r"[^\w£$€\[\]'.-]+")


def normalize_query(text: str) -> str:
    """A shopper's words in a form that groups alike queries ("Red candles?" -> "red candles").

    Args:
        text: a message, already redacted.

    Returns:
        Lowercased, punctuation turned into spaces (placeholders such as `[email]`
        and prices kept), whitespace collapsed, at most 200 characters.
    """
    words = _NOT_WORD.sub(" ", text.lower()).split()
    return " ".join(w.strip(".-'") or w for w in words)[:QUERY_CHARS]


def positive_feedback() -> ColumnElement[bool]:
    """SQL condition: the turn's shopper rating is positive (thumbs up, or 4-5 stars)."""
    return case(
        (Turn.feedback_scale == "thumbs", Turn.feedback > 0),
        else_=Turn.feedback >= 4,
    )


def _utc(when: datetime) -> datetime:
    # Days are UTC days; a naive time is taken to be UTC, as the store does.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def compute_analytics(
    engine: Engine,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    top: int = 10,
) -> Analytics:
    """Aggregates over conversations started, and turns answered, in [since, until).

    Args:
        engine: the transcript database.
        since: start of the window; 30 days before `until` by default.
        until: end of the window (exclusive); now by default.
        top: how many top and zero-result queries to list.

    Returns:
        The analytics; see `Analytics` for each figure's definition.
    """
    until = _utc(until or utcnow())
    since = _utc(since or until - timedelta(days=30))
    c = Conversation
    in_range = (c.started_at >= since, c.started_at < until)
    turn_range = (Turn.at >= since, Turn.at < until)

    def flag(column: ColumnElement[bool] | InstrumentedAttribute[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((column, 1), else_=0)), 0)

    with engine.connect() as conn:
        conv = conn.execute(
            select(
                func.count(),
                flag(c.product_shown),
                flag(c.product_shown & c.card_clicked),
                flag(c.added_to_cart),
                flag(c.handoff),
            ).where(*in_range)
        ).one()
        turns = conn.execute(
            select(
                func.count(),
                flag(Turn.fallback.is_not(None)),
                flag(Turn.guardrail_hit),
                flag(Turn.zero_result),
                flag(Turn.feedback.is_not(None)),
                flag(Turn.feedback.is_not(None) & positive_feedback()),
            ).where(*turn_range)
        ).one()
        day = func.date(c.started_at)
        daily = {
            str(d)[:10]: int(n)
            for d, n in conn.execute(select(day, func.count()).where(*in_range).group_by(day))
        }
        top_rows = conn.execute(
            select(c.first_query, func.count().label("n"))
            .where(*in_range, c.first_query.is_not(None), c.first_query != "")
            .group_by(c.first_query)
            .order_by(func.count().desc(), c.first_query)
            .limit(top)
        ).all()
        zero_rows = conn.execute(
            select(Turn.query, func.count().label("n"))
            .where(*turn_range, Turn.zero_result.is_(True), Turn.query.is_not(None))
            .group_by(Turn.query)
            .order_by(func.count().desc(), Turn.query)
            .limit(top)
        ).all()
    n_conv, shown, clicked, carted, handoffs = (int(v) for v in conv)
    n_turns, fallbacks, guarded, zeros, rated, positive = (int(v) for v in turns)
    per_day: list[DailyCount] = []
    first: date = since.date()
    last: date = (until - timedelta(microseconds=1)).date()
    while first <= last and len(per_day) < 3660:
        per_day.append(DailyCount(day=first, conversations=daily.get(first.isoformat(), 0)))
        first += timedelta(days=1)
    return Analytics(
        since=since,
        until=until,
        conversations=n_conv,
        turns=n_turns,
        per_day=per_day,
        csat=_ratio(positive, rated),
        ratings=rated,
        top_queries=[QueryCount(query=str(q), count=int(n)) for q, n in top_rows],
        zero_result_queries=[QueryCount(query=str(q), count=int(n)) for q, n in zero_rows],
        click_through=_ratio(clicked, shown),
        add_to_cart_rate=_ratio(carted, n_conv),
        fallback_rate=_ratio(fallbacks, n_turns),
        guardrail_rate=_ratio(guarded, n_turns),
        zero_result_rate=_ratio(zeros, n_turns),
        handoff_rate=_ratio(handoffs, n_conv),
    )
