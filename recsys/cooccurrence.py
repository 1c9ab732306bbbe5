"""Item co-occurrence from baskets: "bought together", and item-to-item recommendations.

Two items co-occur when one basket (an order; user + day where the data has none) holds
both. `counts[i, j]` is the number of such baskets, kept for the top `cooc_max_neighbours`
partners of each item. Rankings use the cosine of basket vectors,
`counts[i, j] / sqrt(baskets[i] * baskets[j])`, so that best-sellers do not partner every item.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from recsys.dataset import Dataset
from recsys.scoring import Explanation, ExplanationKind, FloatArray, IntArray, row_items
from recsys.settings import RecsysSettings

__all__ = ["CooccurrenceModel", "top_per_row"]

log = logging.getLogger(__name__)


def top_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the `k` largest entries of each CSR row (ties: lower column first)."""
    matrix = matrix.tocsr()
    rows, cols, vals = [], [], []
    for r in range(matrix.shape[0]):
        start, end = matrix.indptr[r], matrix.indptr[r + 1]
        idx, val = matrix.indices[start:end], matrix.data[start:end]
        if len(val) > k:
            keep = np.lexsort((idx, -val))[:k]
            idx, val = idx[keep], val[keep]
        rows.append(np.full(len(idx), r, dtype=np.int64))
        cols.append(idx)
        vals.append(val)
    out = sp.csr_matrix(
        (np.concatenate(vals) if vals else [], (np.concatenate(rows), np.concatenate(cols)))
        if rows
        else ([], ([], [])),
        shape=matrix.shape,
        dtype=matrix.dtype,
    )
    out.sort_indices()
    return out


def _dense(rows: Any) -> FloatArray:
    """Scores as a dense array, with -inf where no co-occurrence gave evidence."""
    if sp.issparse(rows):
        rows = rows.todense()
    dense = np.asarray(rows, dtype=np.float32)
    dense[dense == 0] = -np.inf
    return dense


class CooccurrenceModel:
    """Bought-together counts and the item-to-item ranking built on them."""

    name: ClassVar[str] = "cooc"

    def __init__(
        self, counts: sp.csr_matrix, baskets: np.ndarray, user_items: sp.csr_matrix
    ) -> None:
        self.counts = counts.tocsr().astype(np.float32)
        self.baskets = np.asarray(baskets, dtype=np.int64)
        self.user_items = user_items
        inv = 1.0 / np.sqrt(np.maximum(self.baskets, 1)).astype(np.float32)
        self.similarity = sp.csr_matrix(sp.diags(inv) @ self.counts @ sp.diags(inv))
        self.max_neighbours = int(np.diff(self.counts.indptr).max(initial=0))

    @classmethod
    def fit(cls, data: Dataset, settings: RecsysSettings) -> CooccurrenceModel:
        """Count co-occurrences over every basket."""
        baskets = data.baskets.tocsc().astype(np.float32)
        counts = (baskets.T @ baskets).tocsr()
        per_item = counts.diagonal().astype(np.int64)
        counts.setdiag(0)
        counts.eliminate_zeros()
        counts = top_per_row(counts, settings.cooc_max_neighbours)
        log.debug("co-occurrence: %d item pairs kept", counts.nnz)
        return cls(counts, per_item, data.confidence)

    @classmethod
    def load(cls, directory: Path, user_items: sp.csr_matrix) -> CooccurrenceModel:
        """Read `counts.npz` and `baskets.npy` from an artifact's model folder."""
        counts = sp.load_npz(directory / "counts.npz").tocsr()
        baskets = np.load(directory / "baskets.npy", allow_pickle=False)
        return cls(counts, baskets, user_items)

    def save(self, directory: Path) -> None:
        """Write `counts.npz` and `baskets.npy`."""
        with open(directory / "counts.npz", "wb") as f:
            sp.save_npz(f, self.counts)
        with open(directory / "baskets.npy", "wb") as f:
            np.save(f, self.baskets, allow_pickle=False)

    def params(self) -> dict[str, object]:
        """The pruning depth."""
        return {"max_neighbours": self.max_neighbours}

    def together(self, item: int) -> tuple[IntArray, IntArray]:
        """Items bought with `item` and in how many baskets, most frequent first."""
        partners = row_items(self.counts, item)
        start = self.counts.indptr[item]
        counts = self.counts.data[start : start + len(partners)].astype(np.int64)
        order = np.lexsort((partners, -counts))
        return partners[order], counts[order]

    def score_users(self, users: IntArray) -> FloatArray:
        """Sum over each user's items (weighted by confidence) of their partners' similarity."""
        return _dense(self.user_items[users] @ self.similarity)

    def score_session(self, seen: IntArray) -> FloatArray:
        """Sum of the seen items' partner similarities."""
        if not len(seen):
            return np.full(self.similarity.shape[1], -np.inf, dtype=np.float32)
        scores: FloatArray = _dense(self.similarity[seen].sum(axis=0))[0]
        return scores

    def score_similar(self, item: int) -> FloatArray:
        """Partner similarity of every item to `item`."""
        scores: FloatArray = _dense(self.similarity[item])[0]
        return scores

    def _anchors(
        self, history: IntArray, targets: IntArray, kind: ExplanationKind
    ) -> list[Explanation]:
        if not len(history):
            return [Explanation("popular") for _ in targets]
        sims = np.asarray(self.similarity[history][:, targets].todense())
        best = sims.argmax(axis=0)
        out = []
        for col, target in enumerate(targets.tolist()):
            anchor = int(history[best[col]])
            out.append(Explanation(kind, anchor=anchor, count=int(self.counts[anchor, target])))
        return out

    def explain_user(self, user: int, targets: IntArray) -> list[Explanation]:
        """Because you bought the history item that co-occurs most with each target."""
        return self._anchors(row_items(self.user_items, user), targets, "history")

    def explain_session(self, seen: IntArray, targets: IntArray) -> list[Explanation]:
        """Because you looked at the seen item that co-occurs most with each target."""
        return self._anchors(seen, targets, "session")

    def explain_similar(self, item: int, targets: IntArray) -> list[Explanation]:
        """Bought together with `item` in this many baskets."""
        return [
            Explanation("together", anchor=item, count=int(self.counts[item, t]))
            for t in targets.tolist()
        ]
