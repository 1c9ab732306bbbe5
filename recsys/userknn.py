"""User-based k-nearest neighbours with Pearson correlation: the explainable baseline.

sim(u, v) = sum_i (r_ui - mean_u)(r_vi - mean_v)
            / (sqrt(sum_i (r_ui - mean_u)^2) * sqrt(sum_i (r_vi - mean_v)^2)),
summed over the items both rated, with r the confidence and mean_u the mean of all of
u's ratings. Pairs sharing fewer than `userknn_min_overlap` items get no similarity, and
a similarity from n shared items is scaled by min(n, shrinkage) / shrinkage (Herlocker's
significance weighting), so that two customers who share one item are not twins. A
user's score for an item is the summed similarity of their `k` nearest positive
neighbours who bought it: "bought by 7 customers with tastes like yours".
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from tqdm import tqdm

from recsys.dataset import Dataset
from recsys.scoring import Explanation, FloatArray, IntArray, row_items
from recsys.settings import RecsysSettings

__all__ = ["UserKNNModel", "pearson_neighbours"]

log = logging.getLogger(__name__)

CHUNK = 512


def pearson_neighbours(
    ratings: sp.csr_matrix,
    k: int,
    min_overlap: int = 2,
    shrinkage: int = 0,
    progress: bool = False,
) -> sp.csr_matrix:
    """Each user's `k` most Pearson-similar users (positive similarities only).

    Args:
        ratings: users x items, stored entries are the ratings (absent = not rated).
        k: neighbours kept per user.
        min_overlap: fewest co-rated items for a similarity to count.
        shrinkage: significance weighting threshold (0 turns it off).
        progress: show a progress bar on stderr.

    Returns:
        users x users CSR of similarities, `k` entries per row at most.
    """
    ratings = ratings.tocsr().astype(np.float64)
    pattern = ratings.copy()
    pattern.data[:] = 1.0
    per_user = np.diff(ratings.indptr)
    means = np.asarray(ratings.sum(axis=1)).ravel() / np.maximum(per_user, 1)
    centred = ratings.copy()
    centred.data -= np.repeat(means, per_user)
    squared = centred.multiply(centred).tocsr()
    n = ratings.shape[0]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    centred_t, pattern_t, squared_t = centred.T.tocsc(), pattern.T.tocsc(), squared.T.tocsc()
    for start in tqdm(range(0, n, CHUNK), desc="userknn", disable=not progress, leave=False):
        stop = min(start + CHUNK, n)
        numerator = (centred[start:stop] @ centred_t).toarray()
        left = (squared[start:stop] @ pattern_t).toarray()
        right = (pattern[start:stop] @ squared_t).toarray()
        overlap = (pattern[start:stop] @ pattern_t).toarray()
        denominator = np.sqrt(left * right)
        with np.errstate(divide="ignore", invalid="ignore"):
            sims = np.where(denominator > 0, numerator / denominator, 0.0)
        sims[overlap < min_overlap] = 0.0
        if shrinkage:
            sims *= np.minimum(overlap, shrinkage) / shrinkage
        sims[np.arange(stop - start), np.arange(start, stop)] = 0.0
        sims[sims <= 0] = 0.0
        width = min(k, n - 1)
        top = np.argpartition(-sims, width, axis=1)[:, :width] if width > 0 else sims[:, :0]
        top = top.astype(np.int64)
        top_vals = np.take_along_axis(sims, top, axis=1)
        keep = top_vals > 0
        rows.append(np.repeat(np.arange(start, stop), keep.sum(axis=1)))
        cols.append(top[keep])
        vals.append(top_vals[keep])
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, n),
        dtype=np.float32,
    )


class UserKNNModel:
    """Scores an item by the summed Pearson similarity of the neighbours who bought it."""

    name: ClassVar[str] = "userknn"

    def __init__(
        self, neighbours: sp.csr_matrix, user_items: sp.csr_matrix, params: dict[str, object]
    ) -> None:
        self.neighbours = neighbours.tocsr().astype(np.float32)
        self.user_items = user_items
        bought = user_items.tocsr().astype(np.float32)
        bought.data[:] = 1.0
        self.bought = bought
        self.bought_csc = bought.tocsc()
        self.per_user = np.diff(bought.indptr).astype(np.float32)
        self.per_item = np.diff(self.bought_csc.indptr).astype(np.float32)
        self._params = params

    @classmethod
    def fit(cls, data: Dataset, settings: RecsysSettings, progress: bool = False) -> UserKNNModel:
        """Find every user's neighbours."""
        start = time.perf_counter()
        neighbours = pearson_neighbours(
            data.confidence,
            k=settings.userknn_neighbours,
            min_overlap=settings.userknn_min_overlap,
            shrinkage=settings.userknn_shrinkage,
            progress=progress,
        )
        log.info(
            "userknn: %d neighbour pairs in %.2fs", neighbours.nnz, time.perf_counter() - start
        )
        params: dict[str, object] = {
            "neighbours": settings.userknn_neighbours,
            "min_overlap": settings.userknn_min_overlap,
            "shrinkage": settings.userknn_shrinkage,
        }
        return cls(neighbours, data.confidence, params)

    @classmethod
    def load(
        cls, directory: Path, user_items: sp.csr_matrix, params: dict[str, object]
    ) -> UserKNNModel:
        """Read `neighbours.npz` from an artifact's model folder."""
        return cls(sp.load_npz(directory / "neighbours.npz"), user_items, params)

    def save(self, directory: Path) -> None:
        """Write `neighbours.npz`."""
        with open(directory / "neighbours.npz", "wb") as f:
            sp.save_npz(f, self.neighbours)

    def params(self) -> dict[str, object]:
        """The neighbourhood settings."""
        return dict(self._params)

    @staticmethod
    def _dense(scores: Any) -> FloatArray:
        if sp.issparse(scores):
            scores = scores.todense()
        out = np.asarray(scores, dtype=np.float32)
        out[out <= 0] = -np.inf
        return out

    def score_users(self, users: IntArray) -> FloatArray:
        """Summed similarity of each user's neighbours who bought each item."""
        return self._dense(self.neighbours[users] @ self.bought)

    def _session_neighbours(self, seen: IntArray) -> tuple[IntArray, FloatArray]:
        # Anonymous shoppers have no ratings to centre, so neighbours come from the
        # cosine of item sets: shared items / sqrt(|seen| * |user's items|).
        k = int(self._params.get("neighbours", 50))  # type: ignore[call-overload]
        shared = np.asarray(self.bought_csc[:, seen].sum(axis=1)).ravel()
        sims = shared / np.sqrt(len(seen) * np.maximum(self.per_user, 1))
        candidates = np.flatnonzero(sims > 0)
        if len(candidates) > k:
            candidates = candidates[np.argsort(-sims[candidates], kind="stable")[:k]]
        return candidates.astype(np.int64), sims[candidates].astype(np.float32)

    def score_session(self, seen: IntArray) -> FloatArray:
        """Summed similarity of the customers whose items overlap the session most."""
        if not len(seen):
            return np.full(self.bought.shape[1], -np.inf, dtype=np.float32)
        users, sims = self._session_neighbours(seen)
        return self._dense(self.bought[users].T @ sims)

    def score_similar(self, item: int) -> FloatArray:
        """Cosine of the items' customer sets (customers who bought this also bought ...)."""
        buyers = self.bought_csc[:, item].T
        shared = np.asarray((buyers @ self.bought).todense()).ravel()
        scores = shared / np.sqrt(max(self.per_item[item], 1.0) * np.maximum(self.per_item, 1.0))
        return self._dense(scores)

    def _bought_by(self, users: IntArray, targets: IntArray) -> list[Explanation]:
        counts = np.asarray(self.bought[users][:, targets].sum(axis=0)).ravel()
        return [Explanation("neighbours", count=int(c)) for c in counts]

    def explain_user(self, user: int, targets: IntArray) -> list[Explanation]:
        """How many of the user's neighbours bought each target."""
        return self._bought_by(row_items(self.neighbours, user), targets)

    def explain_session(self, seen: IntArray, targets: IntArray) -> list[Explanation]:
        """How many customers with overlapping items bought each target."""
        return self._bought_by(self._session_neighbours(seen)[0], targets)

    def explain_similar(self, item: int, targets: IntArray) -> list[Explanation]:
        """How many customers bought both."""
        buyers = self.bought_csc[:, item].T
        shared = np.asarray((buyers @ self.bought[:, targets]).todense()).ravel()
        return [Explanation("similar", anchor=item, count=int(c)) for c in shared]
