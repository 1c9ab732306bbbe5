"""The seam every model sits behind: score users, sessions and items, and explain a score.

A `Scorer` returns one float per item; `-inf` marks an item the model has no evidence for
(the ranking layer fills those slots from popularity). Explanations name an anchor item or
a count; `recsys.ranking` renders them into `Reason`s with catalog titles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal, Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = [
    "Explanation",
    "ExplanationKind",
    "FloatArray",
    "IntArray",
    "Scorer",
    "blend_where_known",
    "cosine_rows",
    "row_items",
    "session_row",
    "standardise",
]

FloatArray = NDArray[np.float32]
IntArray = NDArray[np.int64]
ExplanationKind = Literal[
    "history", "session", "sequence", "similar", "together", "neighbours", "popular"
]


@dataclass(frozen=True)
class Explanation:
    """Why one item scored: `history`/`session`/`similar`/`together` point at an anchor;
    `sequence` at several steps in time order (`anchors`, the last one is `anchor`);
    `neighbours` counts similar customers who bought it; `popular` is the floor."""

    kind: ExplanationKind
    anchor: int | None = None
    count: int | None = None
    anchors: tuple[int, ...] = ()


class Scorer(Protocol):
    """A trained model, as the ranking layer and the evaluation use it."""

    name: ClassVar[str]

    def score_users(self, users: IntArray) -> FloatArray:
        """Scores of every item for each user (rows: users), -inf where there is no evidence."""
        ...

    def score_session(self, seen: IntArray) -> FloatArray:
        """Scores of every item for an anonymous shopper who looked at `seen`."""
        ...

    def score_similar(self, item: int) -> FloatArray:
        """Similarity of every item to `item`."""
        ...

    def explain_user(self, user: int, targets: IntArray) -> list[Explanation]:
        """One explanation per target item recommended to `user`."""
        ...

    def explain_session(self, seen: IntArray, targets: IntArray) -> list[Explanation]:
        """One explanation per target item recommended for a session."""
        ...

    def explain_similar(self, item: int, targets: IntArray) -> list[Explanation]:
        """One explanation per target item shown as similar to `item`."""
        ...

    def params(self) -> dict[str, object]:
        """Hyperparameters, recorded in the artifact's metadata."""
        ...

    def save(self, directory: Path) -> None:
        """Write the model's arrays into `directory` (which exists)."""
        ...


def row_items(matrix: sp.csr_matrix, row: int) -> IntArray:
    """Column indices of one CSR row."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return np.asarray(matrix.indices[start:end], dtype=np.int64)


def session_row(seen: IntArray, n_items: int) -> sp.csr_matrix:
    """A one-row matrix with confidence 1 on each seen item (a fresh, strong signal)."""
    data = np.ones(len(seen), dtype=np.float32)
    indptr = np.array([0, len(seen)])
    return sp.csr_matrix((data, np.asarray(seen), indptr), shape=(1, n_items))


def cosine_rows(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def standardise(scores: FloatArray) -> FloatArray:
    """Z-scores along the last axis (a constant row becomes zeros; -inf stays -inf)."""
    if np.isfinite(scores).all():  # the usual case, and the serving path: no NaN masks
        mean, std = scores.mean(axis=-1, keepdims=True), scores.std(axis=-1, keepdims=True)
        plain: FloatArray = ((scores - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
        return plain
    finite = np.where(np.isfinite(scores), scores, np.nan)
    mean = np.nanmean(finite, axis=-1, keepdims=True)
    std = np.nanstd(finite, axis=-1, keepdims=True)
    mean = np.nan_to_num(mean)
    std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
    out: FloatArray = ((scores - mean) / std).astype(np.float32)
    return out


def blend_where_known(primary: FloatArray, partner: FloatArray, weight: float) -> FloatArray:
    """`z(primary) + weight * z(partner)` where `partner` scores an item; below those, the
    items it cannot score (-inf) in `primary`'s order, so the primary model still fills
    the list where the partner has little or no evidence.
    """
    z = standardise(primary)
    known = np.isfinite(partner)
    out: FloatArray = z + weight * standardise(partner)
    rest = ~known & np.isfinite(z)
    if rest.any():
        floor = float(out[known].min()) if known.any() else 0.0
        out[rest] = floor - 1.0 - (float(z[rest].max()) - z[rest])
    return out
