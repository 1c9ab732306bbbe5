"""Alternating least squares (implicit feedback) from `implicit`, GPU when CUDA is present.

Tuned defaults (settings): confidence = purchases decayed with a 30-day half-life (floor
0.05), 128 factors, regularization 30, alpha 8, 15 iterations; see bench/RESULTS.md. It
is half of the default `hybrid` model (recsys.hybrid) and can serve alone as "als".
An anonymous session is folded in with implicit's `recalculate_user`: the session's
items solve for a fresh user vector against the trained item factors.
"""

from __future__ import annotations

import logging
import time
from typing import ClassVar

import implicit.als
import implicit.cpu.als
import numpy as np
import scipy.sparse as sp

from recsys.dataset import Dataset
from recsys.factors import FactorModel, single_threaded_blas, use_gpu
from recsys.scoring import FloatArray, IntArray, session_row
from recsys.settings import RecsysSettings

__all__ = ["ALSModel", "fit_implicit_als"]

log = logging.getLogger(__name__)


def fit_implicit_als(
    matrix: sp.csr_matrix,
    *,
    factors: int = 100,
    regularization: float = 0.01,
    alpha: float = 1.0,
    iterations: int = 15,
    random_state: int | None = None,
    num_threads: int = 0,
    gpu: bool = False,
    progress: bool = False,
) -> implicit.cpu.als.AlternatingLeastSquares:
    """Fit implicit's ALS (through its CPU/GPU factory) and return a CPU model.

    The keyword defaults are implicit's own, so `fit_implicit_als(counts)` is the untuned
    baseline the evaluation compares against.
    """
    with single_threaded_blas():
        model = implicit.als.AlternatingLeastSquares(
            factors=factors,
            regularization=regularization,
            alpha=alpha,
            iterations=iterations,
            random_state=random_state,
            num_threads=num_threads,
            use_gpu=gpu,
        )
        model.fit(matrix, show_progress=progress)
    if gpu:
        model = model.to_cpu()
    return model


class ALSModel(FactorModel):
    """implicit's ALS on the confidence matrix."""

    name: ClassVar[str] = "als"

    def __init__(
        self,
        user_factors: np.ndarray,
        item_factors: np.ndarray,
        user_items: sp.csr_matrix,
        params: dict[str, object],
    ) -> None:
        super().__init__(user_factors, item_factors, user_items, params)
        self._solver: implicit.cpu.als.AlternatingLeastSquares | None = None

    @classmethod
    def fit(cls, data: Dataset, settings: RecsysSettings, progress: bool = False) -> ALSModel:
        """Train on `data.confidence` with the settings' ALS hyperparameters."""
        params: dict[str, object] = {
            "factors": settings.als_factors,
            "regularization": settings.als_regularization,
            "alpha": settings.als_alpha,
            "iterations": settings.als_iterations,
            "random_state": settings.random_state,
        }
        gpu = use_gpu(settings)
        start = time.perf_counter()
        model = fit_implicit_als(
            data.confidence,
            factors=settings.als_factors,
            regularization=settings.als_regularization,
            alpha=settings.als_alpha,
            iterations=settings.als_iterations,
            random_state=settings.random_state,
            num_threads=settings.num_threads,
            gpu=gpu,
            progress=progress,
        )
        log.info("als: fitted in %.2fs on %s", time.perf_counter() - start, "gpu" if gpu else "cpu")
        return cls(model.user_factors, model.item_factors, data.confidence, params)

    def _fold_in_solver(self) -> implicit.cpu.als.AlternatingLeastSquares:
        if self._solver is None:
            with single_threaded_blas():
                solver = implicit.cpu.als.AlternatingLeastSquares(
                    factors=self.item_factors.shape[1],
                    regularization=float(self._params.get("regularization", 0.01)),  # type: ignore[arg-type]
                    alpha=float(self._params.get("alpha", 1.0)),  # type: ignore[arg-type]
                    num_threads=1,
                )
            solver.item_factors = self.item_factors
            solver.user_factors = self.user_factors
            self._solver = solver
        return self._solver

    def score_session(self, seen: IntArray) -> FloatArray:
        """Fold the seen items in as a new user (`recalculate_user`) and score every item."""
        if not len(seen):
            return np.full(len(self.item_factors), -np.inf, dtype=np.float32)
        row = session_row(seen, len(self.item_factors))
        vector = np.asarray(self._fold_in_solver().recalculate_user(0, row)).reshape(-1)
        scores: FloatArray = self.item_factors @ vector.astype(np.float32)
        return scores
