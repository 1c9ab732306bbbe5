"""Building the console's list queries: filters, full-text search, sort keys, keyset cursors.

Pages are keyset-paginated: a cursor carries the sort key of the last row shown, and
the next page starts where that key leaves off, so a deep page costs what the first
one does. Every sort runs in one direction over an index of its keys.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
    tuple_,
)
from sqlalchemy.orm import InstrumentedAttribute

from web.store.errors import InvalidRequest
from web.store.models import Conversation, ConversationTag, Message, Turn, UTCDateTime
from web.store.views import ConversationFilter, Sort

__all__ = [
    "MAX_PAGE",
    "UNRATED",
    "cursor_after",
    "decode_cursor",
    "encode_cursor",
    "filter_conditions",
    "normalize_tag",
    "page_query",
    "text_condition",
]

MAX_PAGE = 500
UNRATED = 2.0  # sorts unrated conversations after every rated one (ratings are 0..1)
SortColumn = ColumnElement[Any] | InstrumentedAttribute[Any]
_FTS = table("message_fts", column("rowid"), column("message_fts"))
_WORD = re.compile(r"\w+", re.UNICODE)
_TAG = re.compile(r"\s+")


def rating_key() -> ColumnElement[float]:
    """The "lowest rating" sort key: the shopper rating, unrated conversations last."""
    # Written as in the expression index ix_conversations_rating (a literal, not a bound
    # parameter), so the database sorts by walking that index.
    return func.coalesce(Conversation.rating, literal_column(repr(UNRATED), Float()))


def sort_keys(sort: Sort) -> list[tuple[SortColumn, Any]]:
    """The ordered sort columns (all one direction, so a row-value compare seeks the index)."""
    c = Conversation
    if sort == "newest" or sort == "oldest":
        return [(c.started_at, UTCDateTime()), (c.id, None)]
    if sort == "longest":
        return [(c.message_count, None), (c.started_at, UTCDateTime()), (c.id, None)]
    if sort == "lowest_rating":
        return [(rating_key(), Float()), (c.started_at, UTCDateTime()), (c.id, None)]
    raise InvalidRequest(f"unknown sort {sort!r}")


def descending(sort: Sort) -> bool:
    """True for the sorts that list the largest key first."""
    return sort in ("newest", "longest")


def encode_cursor(sort: Sort, values: Sequence[Any]) -> str:
    """An opaque, URL-safe cursor holding a row's sort key values."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"s": sort, "k": plain}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: Sort, cursor: str) -> list[Any]:
    """The sort key values in a cursor.

    Raises:
        InvalidRequest: the cursor is malformed or was issued for another sort.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if body["s"] != sort:
            raise InvalidRequest("the cursor belongs to another sort order")
        keys = list(body["k"])
    except (binascii.Error, ValueError, KeyError, TypeError) as e:
        raise InvalidRequest("the cursor is not one this console issued") from e
    types = [t for _, t in sort_keys(sort)]
    if len(keys) != len(types):
        raise InvalidRequest("the cursor is not one this console issued")
    return [
        datetime.fromisoformat(k) if isinstance(t, UTCDateTime) else k
        for k, t in zip(keys, types, strict=True)
    ]


def normalize_tag(tag: str) -> str:
    """A tag as stored: trimmed, lowercased, inner whitespace collapsed, 1-64 characters."""
    value = _TAG.sub(" ", tag.strip().lower())
    if not value or len(value) > 64:
        raise InvalidRequest("a tag has 1 to 64 characters")
    return value


def cursor_after(sort: Sort, row: Conversation) -> str:
    """The cursor of the page that follows `row`."""
    values: list[Any] = {
        "newest": [row.started_at, row.id],
        "oldest": [row.started_at, row.id],
        "longest": [row.message_count, row.started_at, row.id],
        "lowest_rating": [
            row.rating if row.rating is not None else UNRATED,
            row.started_at,
            row.id,
        ],
    }[sort]
    return encode_cursor(sort, values)


def text_condition(text: str, dialect: str) -> ColumnElement[bool] | None:
    """Conversations with a message holding every word of `text` (as a prefix, stemmed).

    Args:
        text: what was typed into the search box; operators in it are plain words.
        dialect: "sqlite" (FTS5) or "postgresql" (tsvector, GIN).

    Returns:
        The condition, or None when `text` has no words.
    """
    words = _WORD.findall(text.lower())[:16]
    if not words:
        return None
    if dialect == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        tsv: ColumnElement[Any] = literal_column("messages.tsv")
        matching = select(Message.conversation_id).where(
            tsv.op("@@")(func.to_tsquery(literal_column("'english'::regconfig"), query))
        )
    else:
        # Each word quoted (no FTS5 operators from the shopper's text) and prefix-matched.
        query = " ".join(f'"{w}"*' for w in words)
        rowids = select(_FTS.c.rowid).where(_FTS.c.message_fts.match(query))
        matching = select(Message.conversation_id).where(Message.id.in_(rowids))
    return Conversation.id.in_(matching)


def filter_conditions(
    f: ConversationFilter, dialect: str, now: datetime, live_window: timedelta
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a filter.

    Args:
        f: the filter.
        dialect: the database's dialect name (for full-text search).
        now: the reference time of "live".
        live_window: how recent the last activity of a live conversation is.

    Returns:
        Conditions to AND together; empty for an empty filter.
    """
    c = Conversation
    out: list[ColumnElement[bool]] = []
    if f.text:
        cond = text_condition(f.text, dialect)
        if cond is not None:
            out.append(cond)
    if f.since is not None:
        out.append(c.started_at >= f.since)
    if f.until is not None:
        out.append(c.started_at < f.until)
    for name, col in (
        ("product_shown", c.product_shown),
        ("card_clicked", c.card_clicked),
        ("added_to_cart", c.added_to_cart),
        ("handoff", c.handoff),
        ("zero_result", c.zero_result),
        ("guardrail_hit", c.guardrail_hit),
        ("needs_human", c.needs_human),
        ("fallback", c.fallback_used),
        ("taken_over", c.taken_over),
    ):
        wanted = getattr(f, name)
        if wanted is not None:
            out.append(col == bool(wanted))
    if f.rating == "positive":
        out.append(c.rating >= 0.75)
    elif f.rating == "negative":
        out.append(c.rating < 0.5)
    elif f.rating == "neutral":
        out.append(and_(c.rating >= 0.5, c.rating < 0.75))
    elif f.rating == "rated":
        out.append(c.rating.is_not(None))
    elif f.rating == "unrated":
        out.append(c.rating.is_(None))
    if f.staff_rating_max is not None:
        out.append(c.staff_rating <= f.staff_rating_max)
    if f.tag:
        tag = normalize_tag(f.tag)
        out.append(
            exists().where(ConversationTag.conversation_id == c.id, ConversationTag.tag == tag)
        )
    if f.brain:
        out.append(exists().where(Turn.conversation_id == c.id, Turn.brain == f.brain))
    if f.state is not None:
        recent = c.last_at >= now - live_window
        out.append(recent if f.state == "live" else ~recent)
    if f.shopper_id:
        out.append(c.shopper_id == f.shopper_id)
    if f.channel:
        out.append(c.channel == f.channel)
    return out


def page_query(
    f: ConversationFilter,
    sort: Sort,
    cursor: str | None,
    limit: int,
    *,
    dialect: str,
    now: datetime,
    live_window: timedelta,
) -> Select[Conversation]:
    """SELECT one page (plus one row, to tell whether another page follows).

    Args:
        f: the filter.
        sort: the order.
        cursor: where the previous page ended, or None.
        limit: rows per page.
        dialect: the database's dialect name.
        now: the reference time of "live".
        live_window: how recent the last activity of a live conversation is.

    Returns:
        The statement.
    """
    keys = sort_keys(sort)
    desc = descending(sort)
    stmt = select(Conversation).where(*filter_conditions(f, dialect, now, live_window))
    if cursor:
        values = decode_cursor(sort, cursor)
        left = tuple_(*(k for k, _ in keys))
        right = tuple_(
            *(bindparam(None, v, type_=t) for (_, t), v in zip(keys, values, strict=True))
        )
        stmt = stmt.where(left < right if desc else left > right)
    order = [k.desc() if desc else k.asc() for k, _ in keys]
    return stmt.order_by(*order).limit(limit + 1)
