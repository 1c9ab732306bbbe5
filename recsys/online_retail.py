"""UCI Online Retail II invoice lines as purchase interactions (the demo shop's real data).

Rules, as the data set's documentation and the demo shop use them: invoices starting
with "C" are returns and lines without a Customer ID are guests, both dropped; only
StockCodes starting with a digit are products (POST, M, BANK CHARGES ... are not);
Quantity and Price must be positive. InvoiceDate is the shop's local time (UK), taken
as UTC: an hour's error at most, which no model here can notice.
"""

from __future__ import annotations

import logging

import pandas as pd

__all__ = ["COLUMNS", "is_online_retail", "to_interactions"]

log = logging.getLogger(__name__)

COLUMNS = frozenset({"Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID"})


def is_online_retail(frame: pd.DataFrame) -> bool:
    """True when the frame has the Online Retail II columns."""
    return COLUMNS <= set(frame.columns)


def to_interactions(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn invoice lines into contract rows: one purchase per kept line.

    Args:
        frame: Online Retail II rows (`Invoice, StockCode, Quantity, InvoiceDate, Price,
            Customer ID`, ...).

    Returns:
        Columns `user_id, product_id, event, value, ts, basket_id` (value = quantity,
        basket = invoice).
    """
    invoice = frame["Invoice"].astype(str)
    stock = frame["StockCode"].astype(str).str.strip()
    keep = (
        ~invoice.str.startswith("C")
        & frame["Customer ID"].notna()
        & stock.str[:1].str.isdigit()
        & (pd.to_numeric(frame["Quantity"], errors="coerce") > 0)
        & (pd.to_numeric(frame["Price"], errors="coerce") > 0)
    )
    kept = frame[keep]
    log.debug("online retail: kept %d of %d lines", len(kept), len(frame))
    return pd.DataFrame(
        {
            "user_id": pd.to_numeric(kept["Customer ID"]).astype("int64").astype(str),
            "product_id": stock[keep],
            "event": "purchase",
            "value": pd.to_numeric(kept["Quantity"]).astype(float),
            "ts": pd.to_datetime(kept["InvoiceDate"], format="ISO8601").dt.tz_localize("UTC"),
            "basket_id": invoice[keep],
        }
    ).reset_index(drop=True)
