"""Latent-factor models (ALS, BPR from `implicit`): shared scoring, explanations and storage.

Serving never touches `implicit`'s GPU objects: a model trained on the GPU is copied to
the CPU before it is saved, and scores are plain numpy dot products over the factors.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, Self

import implicit.gpu
import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from recsys.errors import TrainingFailed
from recsys.scoring import Explanation, FloatArray, IntArray, cosine_rows, row_items
from recsys.settings import RecsysSettings

__all__ = ["FactorModel", "single_threaded_blas", "use_gpu"]

log = logging.getLogger(__name__)


def use_gpu(settings: RecsysSettings) -> bool:
    """Pick implicit's backend: the GPU when CUDA is present (or demanded), else the CPU.

    Raises:
        TrainingFailed: `device` is "gpu" but this implicit build has no CUDA.
    """
    if settings.device == "cpu":
        return False
    has_cuda = bool(implicit.gpu.HAS_CUDA)
    if settings.device == "gpu" and not has_cuda:
        raise TrainingFailed("device=gpu but implicit was built without CUDA (implicit.gpu)")
    return has_cuda


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """One BLAS thread while implicit runs: its own threads do the work, and a BLAS pool
    inside them slows training down several times (implicit warns about exactly this)."""
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*threads.*", category=RuntimeWarning)
        yield


class FactorModel:
    """Users and items as vectors; a score is their dot product."""

    name: ClassVar[str] = "factors"

    def __init__(
        self,
        user_factors: np.ndarray,
        item_factors: np.ndarray,
        user_items: sp.csr_matrix,
        params: dict[str, object],
    ) -> None:
        self.user_factors = np.ascontiguousarray(user_factors, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(item_factors, dtype=np.float32)
        self.user_items = user_items
        self._params = params
        self._unit_items = cosine_rows(self.item_factors)
        self._table: FloatArray | None = None

    @classmethod
    def load(cls, directory: Path, user_items: sp.csr_matrix, params: dict[str, object]) -> Self:
        """Read `factors.npz` from an artifact's model folder."""
        with np.load(directory / "factors.npz", allow_pickle=False) as f:
            return cls(f["user_factors"], f["item_factors"], user_items, params)

    def save(self, directory: Path) -> None:
        """Write `factors.npz`."""
        with open(directory / "factors.npz", "wb") as f:
            np.savez(f, user_factors=self.user_factors, item_factors=self.item_factors)

    def params(self) -> dict[str, object]:
        """The hyperparameters the model was trained with."""
        return dict(self._params)

    def precompute(self, max_bytes: int) -> bool:
        """Score every known user once, if the users x items table fits in `max_bytes`.

        A serving process then reads one row per call instead of multiplying every item's
        factors, whose megabytes are cold in the cache between requests (bench/RESULTS.md,
        2026-11-27). Returns whether the table exists.
        """
        n_users, n_items = len(self.user_factors), len(self.item_factors)
        if self._table is None and 0 < n_users * n_items * 4 <= max_bytes:
            table = np.empty((n_users, n_items), dtype=np.float32)
            for start in range(0, n_users, 512):
                batch = np.arange(start, min(start + 512, n_users), dtype=np.int64)
                table[batch] = self._score(batch)
            self._table = table
        return self._table is not None

    def score_users(self, users: IntArray) -> FloatArray:
        """Every item's score for each user (from the precomputed table when there is one)."""
        if self._table is not None:
            rows: FloatArray = self._table[users]
            return rows
        return self._score(users)

    def _score(self, users: IntArray) -> FloatArray:
        """Dot products of the users' and every item's factors."""
        if len(users) == 1:  # the serving path: a matrix-vector product is cheaper
            one: FloatArray = (self.item_factors @ self.user_factors[int(users[0])])[None, :]
            return one
        scores: FloatArray = self.user_factors[users] @ self.item_factors.T
        return scores

    def score_session(self, seen: IntArray) -> FloatArray:
        """Item-item sums: each item's summed cosine to the seen items."""
        if not len(seen):
            return np.full(len(self.item_factors), -np.inf, dtype=np.float32)
        scores: FloatArray = self._unit_items @ self._unit_items[seen].sum(axis=0)
        return scores

    def score_similar(self, item: int) -> FloatArray:
        """Cosine of every item's factors to the item's."""
        scores: FloatArray = self._unit_items @ self._unit_items[item]
        return scores

    def _anchors(self, history: IntArray, targets: IntArray) -> IntArray:
        sims = self._unit_items[targets] @ self._unit_items[history].T
        anchors: IntArray = history[sims.argmax(axis=1)]
        return anchors

    def explain_user(self, user: int, targets: IntArray) -> list[Explanation]:
        """Because you bought (or viewed) the history item closest to each target."""
        history = row_items(self.user_items, user)
        if not len(history):
            return [Explanation("popular") for _ in targets]
        return [Explanation("history", anchor=int(a)) for a in self._anchors(history, targets)]

    def explain_session(self, seen: IntArray, targets: IntArray) -> list[Explanation]:
        """Because you looked at the seen item closest to each target."""
        return [Explanation("session", anchor=int(a)) for a in self._anchors(seen, targets)]

    def explain_similar(self, item: int, targets: IntArray) -> list[Explanation]:
        """Similar to the item."""
        return [Explanation("similar", anchor=item) for _ in targets]
