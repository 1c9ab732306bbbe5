"""Search signals as training pairs: which query showed the product a shopper then opened.

A shopper's view, click or add-to-cart of a product is tied, when it is stored, to the
latest turn of the same conversation whose cards showed that product, and to the words
that turn searched for (the `search_products` query the assistant ran, else the shopper's
message). `export_pairs` turns those events into (query, product, signal strength) rows
for `aisle train embedder`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, select

from web.store.models import Event, Turn

# How strongly each event says "this product answers that query".
SIGNALS = {"view": 1.0, "click": 2.0, "cart": 3.0}
LOOKBACK_TURNS = 20
QUERY_CHARS = 200


def search_query(record: dict[str, Any], fallback: str | None) -> str | None:
    """The words a turn searched the catalog with: its last non-empty product search."""
    for call in reversed(record.get("tools") or []):
        if isinstance(call, dict) and call.get("name") == "search_products":
            query = str((call.get("args") or {}).get("query") or "").strip()
            if query:
                return " ".join(query.split())[:QUERY_CHARS]
    return fallback


def shown_by(conn: Connection, conversation_id: str, product_id: str) -> tuple[str, str | None]:
    """The latest turn (of the last few) that showed a product, and the query it ran.

    Returns:
        (turn id, query), or ("", None) when no recent turn showed the product.
    """
    rows = conn.execute(
        select(Turn.turn_id, Turn.query, Turn.record, Turn.cards)
        .where(Turn.conversation_id == conversation_id)
        .order_by(Turn.id.desc())
        .limit(LOOKBACK_TURNS)
    )
    for turn_id, query, record, cards in rows:
        if any(isinstance(c, dict) and c.get("id") == product_id for c in cards or []):
            return turn_id, search_query(record or {}, query)
    return "", None


def export_pairs(engine: Engine) -> Iterator[tuple[str, str, float]]:
    """(query, product id, label) per conversation, query and product: the strongest signal.

    Events stored before queries were recorded, or of products no turn showed, are left out.
    """
    best: dict[tuple[str, str, str], float] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(Event.conversation_id, Event.query, Event.product_id, Event.name).where(
                Event.query.is_not(None), Event.product_id.is_not(None)
            )
        )
        for conversation_id, query, product_id, name in rows:
            key = (conversation_id, str(query), str(product_id))
            best[key] = max(best.get(key, 0.0), SIGNALS.get(name, 0.0))
    for (_, query, product_id), label in best.items():
        if label > 0:
            yield query, product_id, label
