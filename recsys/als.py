"""Alternating least squares (implicit feedback) from `implicit`, GPU when CUDA is present.

Tuned defaults (settings): confidence = purchases decayed with a 30-day half-life (floor
0.05), 128 factors, regularization 30, alpha 8, 15 iterations; see bench/RESULTS.md.
An anonymous session is folded in with implicit's `recalculate_user`: the session's
items solve for a fresh user vector against the trained item factors.

A customer's score adds two "selling now" terms to the dot products:

    z(user . items) + trend_weight * z(log(1 + recent buyers)) + arrivals_weight * z(new)

z standardises over the catalog; recent buyers are each item's distinct customers in the
last `trend_window_days` of the data, and `new` marks the items first seen within the last
`arrivals_window_days`. A shop's range changes under the factors (new lines arrive, old
ones stop selling), and ALS, trained on months of history, learns a new line late; the
terms lift what sells now. Chosen on validation folds inside the training period
(bench/recsys_families.py, bench/RESULTS.md). Sessions keep the fold-in alone: the terms
were validated on customers with a history. Both weights at 0 serve the dot products.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import ClassVar, Self

import implicit.als
import implicit.cpu.als
import numpy as np
import scipy.sparse as sp

from recsys.dataset import Dataset
from recsys.factors import FactorModel, single_threaded_blas, use_gpu
from recsys.scoring import FloatArray, IntArray, session_row, standardise
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


def now_scores(
    recent_buyers: np.ndarray, new_arrivals: np.ndarray, trend_weight: float, arrivals_weight: float
) -> FloatArray:
    """The two "selling now" terms, weighted and summed (one score per item)."""
    trend = standardise(np.log1p(np.asarray(recent_buyers, dtype=np.float32)))
    new = standardise(np.asarray(new_arrivals, dtype=np.float32))
    out: FloatArray = (trend_weight * trend + arrivals_weight * new).astype(np.float32)
    return out


class ALSModel(FactorModel):
    """implicit's ALS on the confidence matrix, plus the trend term (see the module)."""

    name: ClassVar[str] = "als"

    def __init__(
        self,
        user_factors: np.ndarray,
        item_factors: np.ndarray,
        user_items: sp.csr_matrix,
        params: dict[str, object],
        recent_buyers: np.ndarray | None = None,
        new_arrivals: np.ndarray | None = None,
    ) -> None:
        super().__init__(user_factors, item_factors, user_items, params)
        self._solver: implicit.cpu.als.AlternatingLeastSquares | None = None
        self.recent_buyers = recent_buyers
        self.new_arrivals = new_arrivals
        trend = float(params.get("trend_weight", 0.0))  # type: ignore[arg-type]
        arrivals = float(params.get("arrivals_weight", 0.0))  # type: ignore[arg-type]
        self._now: FloatArray | None = None
        if (trend or arrivals) and recent_buyers is not None and new_arrivals is not None:
            self._now = now_scores(recent_buyers, new_arrivals, trend, arrivals)
        # A user's scores are item_factors @ u, so their mean over the catalog is
        # mean_item . u and their variance u' Cov u: standardising costs k^2, not a second
        # and third pass over every item's score (this is the serving path).
        factors = self.item_factors.astype(np.float64)
        self._item_mean = factors.mean(axis=0).astype(np.float32)
        k = self.item_factors.shape[1]
        self._item_cov = np.cov(factors, rowvar=False, bias=True).reshape(k, k).astype(np.float32)

    @classmethod
    def load(cls, directory: Path, user_items: sp.csr_matrix, params: dict[str, object]) -> Self:
        """Read `factors.npz` and, when present (artifacts since the trend terms), `now.npz`."""
        recent = arrived = None
        if (directory / "now.npz").is_file():
            with np.load(directory / "now.npz", allow_pickle=False) as now:
                recent, arrived = now["recent_buyers"], now["new_arrivals"]
        with np.load(directory / "factors.npz", allow_pickle=False) as f:
            return cls(f["user_factors"], f["item_factors"], user_items, params, recent, arrived)

    def save(self, directory: Path) -> None:
        """Write `factors.npz` and `now.npz` (recent buyers and new arrivals per item)."""
        super().save(directory)
        if self.recent_buyers is not None and self.new_arrivals is not None:
            with open(directory / "now.npz", "wb") as f:
                np.savez(f, recent_buyers=self.recent_buyers, new_arrivals=self.new_arrivals)

    def _score(self, users: IntArray) -> FloatArray:
        """The users' dot products with every item, standardised, plus the "now" terms."""
        scores = super()._score(users)
        if self._now is None:
            return scores
        vectors = self.user_factors[users]
        variance = ((vectors @ self._item_cov) * vectors).sum(axis=1)
        std = np.sqrt(np.maximum(variance, 0.0))
        scores -= (vectors @ self._item_mean)[:, None]  # a fresh array: safe to reuse
        scores /= np.where(std > 0, std, 1.0)[:, None]
        scores += self._now
        return scores

    @classmethod
    def fit(cls, data: Dataset, settings: RecsysSettings, progress: bool = False) -> ALSModel:
        """Train on `data.confidence` with the settings' ALS hyperparameters."""
        params: dict[str, object] = {
            "factors": settings.als_factors,
            "regularization": settings.als_regularization,
            "alpha": settings.als_alpha,
            "iterations": settings.als_iterations,
            "random_state": settings.random_state,
            "trend_weight": settings.trend_weight,
            "trend_window_days": settings.trend_window_days,
            "arrivals_weight": settings.arrivals_weight,
            "arrivals_window_days": settings.arrivals_window_days,
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
        return cls(
            model.user_factors,
            model.item_factors,
            data.confidence,
            params,
            data.recent_buyers,
            data.new_arrivals,
        )

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
