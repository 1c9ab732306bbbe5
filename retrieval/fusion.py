"""Fusion of the keyword and vector channels' ranked lists into one ranking."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Ranked = tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]
FusionMethod = Literal["rrf", "weighted"]


@dataclass(frozen=True)
class FusionParams:
    """How the two channels are combined.

    Attributes:
        method: "weighted" sums min-max normalised scores; "rrf" sums
            weight / (rrf_k + rank).
        keyword_weight: weight of the keyword channel.
        vector_weight: weight of the vector channel.
        rrf_k: the RRF rank constant.
    """

    method: FusionMethod = "weighted"
    keyword_weight: float = 0.5
    vector_weight: float = 0.5
    rrf_k: float = 60.0


def fuse(keyword: Ranked, vector: Ranked, k: int, params: FusionParams) -> list[tuple[int, float]]:
    """Merge two ranked lists (doc indices and scores, best first) into the k best docs.

    Args:
        keyword: the keyword channel's doc indices and scores, best first.
        vector: the vector channel's doc indices and scores, best first.
        k: how many fused results to return.
        params: the fusion method, weights and constants.

    Returns:
        (doc index, fused score) pairs, best first.
    """
    fused: dict[int, float] = {}
    for (docs, scores), weight in ((keyword, params.keyword_weight),
                                   (vector, params.vector_weight)):
        if len(docs) == 0 or weight == 0:
            continue
        if params.method == "rrf":
            contrib = weight / (params.rrf_k + np.arange(1, len(docs) + 1, dtype=np.float64))
        else:
            contrib = weight * _minmax(np.asarray(scores, dtype=np.float64))
        for doc, value in zip(docs.tolist(), contrib.tolist(), strict=True):
            fused[doc] = fused.get(doc, 0.0) + value
    ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:k]


def _minmax(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lo, hi = float(scores.min()), float(scores.max())
    if hi - lo <= 1e-12:
        return np.ones_like(scores)
    return (scores - lo) / (hi - lo)
