"""Interactions folded into matrices: confidence per (user, item), purchases, baskets.

Confidence sums, over a user's events on an item, the event's weight (a setting:
view < click < cart < purchase) times its recency decay
`max(0.5 ** (age / half_life), floor)`, age counted back from the newest event in the
data. Repeated events add up. `recent_buyers` counts each item's distinct customers within
`trend_window_days` of that newest event (what is selling now), and `new_arrivals` marks
the items whose first event falls within `arrivals_window_days` of it: ALS's trend terms.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsys.sequences import Sequences, build_sequences
from recsys.settings import RecsysSettings

__all__ = ["Dataset", "build_dataset", "confidence_weights"]

log = logging.getLogger(__name__)


@dataclass
class Dataset:
    """The training matrices with their id maps (rows are users, columns are items)."""

    user_ids: list[str]
    item_ids: list[str]
    confidence: sp.csr_matrix
    """Weighted, recency-decayed confidence (float32): what the models train on."""
    counts: sp.csr_matrix
    """Raw event counts per (user, item) (float32): the untuned baseline's input."""
    purchased: sp.csr_matrix
    """1 where the user bought the item (float32), for `exclude_purchased` and reasons."""
    baskets: sp.csr_matrix
    """Baskets x items, 1 where the basket (order, else user + day) held the item."""
    reference_time: pd.Timestamp | None
    recent_buyers: np.ndarray | None = None
    """Distinct users per item with an event in the trend window (int64), None if unknown."""
    new_arrivals: np.ndarray | None = None
    """True for items first seen within the arrivals window, None if unknown."""
    sequences: Sequences | None = None
    """Each user's steps in time order (baskets together), for the sequence model."""

    @property
    def n_users(self) -> int:
        """Number of users."""
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.item_ids)

    def buyers(self) -> np.ndarray:
        """Distinct users per item who interacted with it (any event)."""
        counts: np.ndarray = np.diff(self.confidence.tocsc().indptr).astype(np.int64)
        return counts


def confidence_weights(frame: pd.DataFrame, settings: RecsysSettings) -> np.ndarray:
    """Per-row confidence: event weight x value factor x recency decay.

    Ratings count as their stars / 5; with `use_quantity`, purchases count
    log2(1 + quantity) (1 for a single unit) instead of 1.
    """
    weights = frame["event"].map(settings.event_weights).fillna(0.0).to_numpy(np.float64)
    value = frame["value"].to_numpy(np.float64)
    is_rating = (frame["event"] == "rating").to_numpy()
    factor = np.ones(len(frame))
    rated = is_rating & ~np.isnan(value)
    factor[rated] = value[rated] / 5.0
    if settings.use_quantity:
        bought = (frame["event"] == "purchase").to_numpy() & ~np.isnan(value)
        factor[bought] = np.log2(1.0 + value[bought])
    if settings.recency_half_life_days and len(frame):
        ts = frame["ts"]
        age_days = (ts.max() - ts).dt.total_seconds().to_numpy() / 86400.0
        # The floor keeps old events in play (last Christmas matters to a giftware shop
        # next Christmas) and keeps a years-old event from underflowing to nothing.
        decay = np.power(0.5, age_days / settings.recency_half_life_days)
        factor *= np.maximum(decay, max(settings.recency_floor, 1e-6))
    confidence: np.ndarray = weights * factor
    return confidence


def build_dataset(
    frame: pd.DataFrame, settings: RecsysSettings, exclude_users: Collection[str] = ()
) -> Dataset:
    """Fold validated interaction rows into a `Dataset`.

    Args:
        frame: rows with the contract columns (see `recsys.interactions`).
        settings: event weights, recency half-life and quantity handling.
        exclude_users: users left out entirely (forgotten ones).

    Returns:
        The matrices, users and items in order of first appearance.
    """
    if len(exclude_users):
        frame = frame[~frame["user_id"].isin(list(exclude_users))]
    frame = frame.reset_index(drop=True)
    users, user_ids = pd.factorize(frame["user_id"])
    items, item_ids = pd.factorize(frame["product_id"])
    shape = (len(user_ids), len(item_ids))
    conf = confidence_weights(frame, settings)

    def matrix(values: np.ndarray) -> sp.csr_matrix:
        m = sp.csr_matrix((values.astype(np.float32), (users, items)), shape=shape)
        m.sum_duplicates()
        m.eliminate_zeros()
        return m

    confidence = matrix(conf)
    counts = matrix(np.ones(len(frame)))
    is_purchase = (frame["event"] == "purchase").to_numpy()
    purchased = matrix(is_purchase.astype(np.float64))
    purchased.data[:] = 1.0

    basket_key = frame["basket_id"].astype(object)
    fallback = frame["user_id"] + "@" + frame["ts"].dt.strftime("%Y-%m-%d")
    basket_key = basket_key.where(basket_key.notna(), fallback)
    basket_rows, basket_ids = pd.factorize(basket_key)
    baskets = sp.csr_matrix(
        (np.ones(len(frame), np.float32), (basket_rows, items)),
        shape=(len(basket_ids), len(item_ids)),
    )
    baskets.sum_duplicates()
    baskets.data[:] = 1.0
    reference = frame["ts"].max() if len(frame) else None
    recent = np.zeros(len(item_ids), dtype=np.int64)
    arrived = np.zeros(len(item_ids), dtype=bool)
    if reference is not None:
        ts = frame["ts"]
        window = (ts >= reference - pd.Timedelta(days=settings.trend_window_days)).to_numpy()
        pairs = np.unique(np.stack([items[window], users[window]]), axis=1)
        recent = np.bincount(pairs[0], minlength=len(item_ids)).astype(np.int64)
        first_seen = ts.groupby(items).min()  # items are codes 0 .. n-1, each present
        since = reference - pd.Timedelta(days=settings.arrivals_window_days)
        arrived = (first_seen >= since).to_numpy(dtype=bool)
    log.debug(
        "dataset: %d users, %d items, %d pairs, %d baskets",
        shape[0],
        shape[1],
        confidence.nnz,
        baskets.shape[0],
    )
    return Dataset(
        user_ids=[str(u) for u in user_ids],
        item_ids=[str(i) for i in item_ids],
        confidence=confidence,
        counts=counts,
        purchased=purchased,
        baskets=baskets,
        reference_time=reference,
        recent_buyers=recent,
        new_arrivals=arrived,
        sequences=build_sequences(frame, users, items, basket_rows, shape[0], settings),
    )
