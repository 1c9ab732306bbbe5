"""Each shopper's events in time order, baskets kept together: the sequence model's input.

Rows are ordered by timestamp, stably, so the lines of one basket (an order, else user +
day) stay together in the order the data lists them. An item seen twice in one basket (a
view, then a cart, then the purchase on the same day) is one step, weighted by its
strongest event; events whose weight is 0 are dropped. A step's weight is its event's
weight (a setting, as for the other models) times stars / 5 for ratings. Recency is left
to the model: the order itself says what came last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys.scoring import FloatArray, IntArray
from recsys.settings import RecsysSettings

__all__ = ["Sequences", "build_sequences"]


@dataclass
class Sequences:
    """Per-user sequences in CSR form: user u's steps are `items[indptr[u]:indptr[u + 1]]`."""

    indptr: IntArray
    items: IntArray
    weights: FloatArray
    baskets: IntArray
    """A basket number per step, increasing along each user's sequence."""

    @property
    def n_users(self) -> int:
        """Number of users (rows)."""
        return len(self.indptr) - 1

    def of(self, user: int) -> IntArray:
        """User `user`'s items, oldest first."""
        return self.items[self.indptr[user] : self.indptr[user + 1]]

    def tails(self, length: int) -> Sequences:
        """Each user's last `length` steps (what serving keeps)."""
        starts = np.maximum(self.indptr[:-1], self.indptr[1:] - length)
        keep = np.concatenate(
            [np.arange(s, e) for s, e in zip(starts, self.indptr[1:], strict=True)]
            or [np.empty(0, np.int64)]
        ).astype(np.int64)
        indptr = np.concatenate([[0], np.cumsum(self.indptr[1:] - starts)]).astype(np.int64)
        return Sequences(indptr, self.items[keep], self.weights[keep], self.baskets[keep])


def step_weights(frame: pd.DataFrame, settings: RecsysSettings) -> np.ndarray:
    """Each row's event weight, times stars / 5 for a rating (no recency decay)."""
    weights = np.array(frame["event"].map(settings.event_weights).fillna(0.0), np.float64)
    value = frame["value"].to_numpy(np.float64)
    rated = (frame["event"] == "rating").to_numpy() & ~np.isnan(value)
    weights[rated] *= value[rated] / 5.0
    return weights


def build_sequences(
    frame: pd.DataFrame,
    users: np.ndarray,
    items: np.ndarray,
    baskets: np.ndarray,
    n_users: int,
    settings: RecsysSettings,
) -> Sequences:
    """Fold rows (already factorised into user, item and basket codes) into sequences.

    Args:
        frame: the interaction rows, in the order the codes were computed.
        users: user code per row.
        items: item code per row.
        baskets: basket code per row.
        n_users: number of users (sequences), including ones left with no step.
        settings: event weights.
    """
    steps = pd.DataFrame(
        {
            "user": users.astype(np.int64),
            "item": items.astype(np.int64),
            "basket": baskets.astype(np.int64),
            "weight": step_weights(frame, settings),
            "ts": frame["ts"].to_numpy(),
            "row": np.arange(len(frame)),
        }
    )
    steps = steps[steps["weight"] > 0]
    # One step per (user, basket, item): its first line's place, its strongest event.
    steps = steps.groupby(["user", "basket", "item"], sort=False, as_index=False).agg(
        weight=("weight", "max"), ts=("ts", "min"), row=("row", "min")
    )
    # A basket's steps sit at its first line's time, so a basket is never split.
    steps["start"] = steps.groupby(["user", "basket"], sort=False)["ts"].transform("min")
    steps = steps.sort_values(["user", "start", "basket", "row"], kind="stable")
    order = steps["basket"].to_numpy()
    user_col = steps["user"].to_numpy()
    # Renumber baskets along each sequence: a new number wherever the basket changes.
    change = np.ones(len(steps), dtype=bool)
    change[1:] = (order[1:] != order[:-1]) | (user_col[1:] != user_col[:-1])
    basket_no = np.cumsum(change) - 1
    counts = np.bincount(user_col, minlength=n_users)
    return Sequences(
        indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        items=steps["item"].to_numpy(np.int64),
        weights=steps["weight"].to_numpy(np.float32),
        baskets=basket_no.astype(np.int64),
    )
