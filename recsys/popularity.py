"""Popularity, global and within a category: the cold-start floor under every other model.

An item's popularity is the number of distinct customers who interacted with it in the
training data. Per-category popularity is the same ranking restricted to a category
(the ranking layer applies the category mask), so it needs no table of its own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar

import numpy as np

from recsys.dataset import Dataset
from recsys.scoring import Explanation, FloatArray, IntArray

__all__ = ["PopularityModel"]

log = logging.getLogger(__name__)


class PopularityModel:
    """Ranks items by their number of distinct customers; the same list for everyone."""

    name: ClassVar[str] = "pop"

    def __init__(self, buyers: np.ndarray) -> None:
        self.buyers = np.asarray(buyers, dtype=np.int64)
        # Ties broken by item index, so the order is deterministic.
        self._scores = self.buyers.astype(np.float32)

    @classmethod
    def fit(cls, data: Dataset) -> PopularityModel:
        """Count each item's distinct customers."""
        return cls(data.buyers())

    @classmethod
    def load(cls, directory: Path) -> PopularityModel:
        """Read `popularity.npy` from an artifact's model folder."""
        return cls(np.load(directory / "popularity.npy", allow_pickle=False))

    def save(self, directory: Path) -> None:
        """Write `popularity.npy`."""
        with open(directory / "popularity.npy", "wb") as f:
            np.save(f, self.buyers, allow_pickle=False)

    def params(self) -> dict[str, object]:
        """Popularity has no hyperparameters."""
        return {}

    @property
    def scores(self) -> FloatArray:
        """Every item's popularity as a score vector."""
        return self._scores

    def top_share_items(self, share: float = 0.01) -> IntArray:
        """Indices of the top `share` most popular items (at least one)."""
        k = max(1, int(np.ceil(share * len(self.buyers))))
        order = np.argsort(-self.buyers, kind="stable")
        return order[:k].astype(np.int64)

    def score_users(self, users: IntArray) -> FloatArray:
        """The popularity vector, once per user."""
        return np.broadcast_to(self._scores, (len(users), len(self._scores))).copy()

    def score_session(self, seen: IntArray) -> FloatArray:
        """The popularity vector."""
        return self._scores.copy()

    def score_similar(self, item: int) -> FloatArray:
        """No evidence: the ranking layer fills the list with the item's category's best."""
        return np.full(len(self._scores), -np.inf, dtype=np.float32)

    def explain_user(self, user: int, targets: IntArray) -> list[Explanation]:
        """Popular with this many customers."""
        return [Explanation("popular", count=int(self.buyers[t])) for t in targets]

    def explain_session(self, seen: IntArray, targets: IntArray) -> list[Explanation]:
        """Popular with this many customers."""
        return self.explain_user(-1, targets)

    def explain_similar(self, item: int, targets: IntArray) -> list[Explanation]:
        """Popular with this many customers."""
        return self.explain_user(-1, targets)
