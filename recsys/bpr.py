"""Bayesian personalized ranking from `implicit` (GPU when CUDA is present).

BPR learns from which items a user has (the confidence values only decide presence);
an anonymous session is scored by item-item sums over the factors' cosine.
"""

from __future__ import annotations

import logging
import time
from typing import ClassVar

import implicit.bpr

from recsys.dataset import Dataset
from recsys.factors import FactorModel, single_threaded_blas, use_gpu
from recsys.settings import RecsysSettings

__all__ = ["BPRModel"]

log = logging.getLogger(__name__)


class BPRModel(FactorModel):
    """implicit's BPR (the item factors carry a bias column, as implicit stores them)."""

    name: ClassVar[str] = "bpr"

    @classmethod
    def fit(cls, data: Dataset, settings: RecsysSettings, progress: bool = False) -> BPRModel:
        """Train on the users' items with the settings' BPR hyperparameters."""
        params: dict[str, object] = {
            "factors": settings.bpr_factors,
            "learning_rate": settings.bpr_learning_rate,
            "regularization": settings.bpr_regularization,
            "iterations": settings.bpr_iterations,
            "random_state": settings.random_state,
        }
        gpu = use_gpu(settings)
        start = time.perf_counter()
        with single_threaded_blas():
            model = implicit.bpr.BayesianPersonalizedRanking(
                factors=settings.bpr_factors,
                learning_rate=settings.bpr_learning_rate,
                regularization=settings.bpr_regularization,
                iterations=settings.bpr_iterations,
                random_state=settings.random_state,
                num_threads=settings.num_threads,
                use_gpu=gpu,
            )
            model.fit(data.confidence, show_progress=progress)
        if gpu:
            model = model.to_cpu()
        log.info("bpr: fitted in %.2fs on %s", time.perf_counter() - start, "gpu" if gpu else "cpu")
        return cls(model.user_factors, model.item_factors, data.confidence, params)
