"""EASE (Steck 2019): a closed-form item-item model, `scores = user_row @ B`.

`B = I - P diag(1/diag(P))` with `P = (X'X + lambda I)^-1` and a zero diagonal, where X
marks (1/0) which items each user interacted with. The user's row at scoring time is
their recency-weighted confidence, so fresh purchases pull hardest. B is a dense
items x items float32 matrix (64 MB for the 4k items of Online Retail II); the fit is
one Cholesky inverse. A session is scored exactly like a user: EASE has no user vectors,
so an anonymous shopper needs no fold-in, and a forgotten user leaves nothing behind.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.linalg.lapack as lapack
import scipy.sparse as sp

from recsys.dataset import Dataset
from recsys.errors import TrainingFailed
from recsys.scoring import Explanation, FloatArray, IntArray, row_items, session_row
from recsys.settings import RecsysSettings

__all__ = ["EASEModel", "ease_weights"]

log = logging.getLogger(__name__)


def ease_weights(
    interacted: sp.csr_matrix, regularization: float, *, binarize: bool = True
) -> FloatArray:
    """The EASE weight matrix B for a users x items matrix (nonzero = interacted).

    With `binarize=False` the Gram matrix is built from the values themselves (worse on
    Online Retail II's folds; kept for the search in bench/recsys_tuning.py).

    Raises:
        TrainingFailed: the regularised Gram matrix is not positive definite (lambda <= 0
            with a rank-deficient X).
    """
    x = interacted.astype(bool) if binarize else interacted
    x = x.astype(np.float64)
    gram = np.asarray((x.T @ x).toarray(), dtype=np.float64)
    gram[np.diag_indices_from(gram)] += regularization
    # Cholesky then its inverse: half the work of a general inverse, on a symmetric matrix.
    chol, info = lapack.dpotrf(gram, lower=False, overwrite_a=True)
    if info:
        raise TrainingFailed(f"ease: Gram matrix is not positive definite (lapack info {info})")
    inverse, info = lapack.dpotri(chol, lower=False, overwrite_c=True)
    if info:
        raise TrainingFailed(f"ease: cannot invert the Gram matrix (lapack info {info})")
    upper = np.triu(inverse)
    inverse = upper + np.triu(upper, 1).T  # potri writes one triangle only
    weights = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(weights, 0.0)
    out: FloatArray = weights.astype(np.float32)
    return out


class EASEModel:
    """Item-item weights learned in closed form; a score sums the user's items' weights."""

    name: ClassVar[str] = "ease"

    def __init__(
        self, weights: FloatArray, user_items: sp.csr_matrix, params: dict[str, object]
    ) -> None:
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.user_items = user_items
        self._params = params

    @classmethod
    def fit(cls, data: Dataset, settings: RecsysSettings) -> EASEModel:
        """Solve for B on which items each user interacted with (any event)."""
        start = time.perf_counter()
        weights = ease_weights(data.confidence, settings.ease_regularization)
        log.info("ease: %d items fitted in %.2fs", data.n_items, time.perf_counter() - start)
        return cls(weights, data.confidence, {"regularization": settings.ease_regularization})

    @classmethod
    def load(
        cls, directory: Path, user_items: sp.csr_matrix, params: dict[str, object]
    ) -> EASEModel:
        """Read `weights.npy` from an artifact's model folder."""
        return cls(np.load(directory / "weights.npy", allow_pickle=False), user_items, params)

    def save(self, directory: Path) -> None:
        """Write `weights.npy`."""
        with open(directory / "weights.npy", "wb") as f:
            np.save(f, self.weights, allow_pickle=False)

    def params(self) -> dict[str, object]:
        """The L2 regularization (lambda)."""
        return dict(self._params)

    def score_users(self, users: IntArray) -> FloatArray:
        """Each user's confidence row times B."""
        scores: FloatArray = np.asarray(self.user_items[users] @ self.weights, dtype=np.float32)
        return scores

    def score_session(self, seen: IntArray) -> FloatArray:
        """The session as a user row (confidence 1 per seen item) times B."""
        if not len(seen):
            return np.full(self.weights.shape[1], -np.inf, dtype=np.float32)
        row = session_row(seen, self.weights.shape[0])
        scores: FloatArray = np.asarray(row @ self.weights, dtype=np.float32)[0]
        return scores

    def score_similar(self, item: int) -> FloatArray:
        """How strongly `item` alone predicts every other item (its row of B)."""
        scores: FloatArray = self.weights[item].copy()
        return scores

    def _anchors(self, history: IntArray, weights: FloatArray, targets: IntArray) -> IntArray:
        # The history item that contributes most to each target's score.
        contributions = weights[:, None] * self.weights[np.ix_(history, targets)]
        anchors: IntArray = history[contributions.argmax(axis=0)]
        return anchors

    def explain_user(self, user: int, targets: IntArray) -> list[Explanation]:
        """Because you bought (or viewed) the history item adding most to each target."""
        history = row_items(self.user_items, user)
        if not len(history):
            return [Explanation("popular") for _ in targets]
        start = self.user_items.indptr[user]
        weights = np.asarray(self.user_items.data[start : start + len(history)], np.float32)
        anchors = self._anchors(history, weights, targets)
        return [Explanation("history", anchor=int(a)) for a in anchors]

    def explain_session(self, seen: IntArray, targets: IntArray) -> list[Explanation]:
        """Because you looked at the seen item adding most to each target."""
        anchors = self._anchors(seen, np.ones(len(seen), np.float32), targets)
        return [Explanation("session", anchor=int(a)) for a in anchors]

    def explain_similar(self, item: int, targets: IntArray) -> list[Explanation]:
        """Similar to the item."""
        return [Explanation("similar", anchor=item) for _ in targets]
