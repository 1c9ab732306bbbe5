"""ALS + EASE, each score row standardised, then mixed: a choice (`model=hybrid`), not the default.

ALS (user and item vectors) and EASE (closed-form item-item weights) make different
mistakes on purchase data: ALS smooths over similar customers, EASE follows the items a
shopper actually bought. Their scores live on different scales, so each row is turned
into z-scores over the catalog before `w * als + (1 - w) * ease` (w = `hybrid_als_weight`).
The mix and EASE's lambda were chosen on validation folds inside the training period
(bench/recsys_tuning.py, bench/RESULTS.md). Sessions use ALS's fold-in and EASE's row
product; reasons come from EASE, whose anchors are the shopper's own items.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from recsys.als import ALSModel
from recsys.dataset import Dataset
from recsys.ease import EASEModel
from recsys.scoring import Explanation, FloatArray, IntArray, standardise
from recsys.settings import RecsysSettings

__all__ = ["HybridModel"]

log = logging.getLogger(__name__)


class HybridModel:
    """A weighted sum of ALS's and EASE's standardised scores."""

    name: ClassVar[str] = "hybrid"

    def __init__(self, als: ALSModel, ease: EASEModel, als_weight: float) -> None:
        self.als = als
        self.ease = ease
        self.als_weight = als_weight

    @classmethod
    def fit(cls, data: Dataset, settings: RecsysSettings, progress: bool = False) -> HybridModel:
        """Fit both parts on the same confidence matrix."""
        als = ALSModel.fit(data, settings, progress)
        ease = EASEModel.fit(data, settings)
        return cls(als, ease, settings.hybrid_als_weight)

    @classmethod
    def load(
        cls, directory: Path, user_items: sp.csr_matrix, params: dict[str, object]
    ) -> HybridModel:
        """Read the parts from `als/` and `ease/` under the model folder."""
        als_params = params.get("als", {})
        ease_params = params.get("ease", {})
        weight = params.get("als_weight", 0.5)
        assert isinstance(als_params, dict) and isinstance(ease_params, dict)
        assert isinstance(weight, int | float)
        return cls(
            ALSModel.load(directory / "als", user_items, als_params),
            EASEModel.load(directory / "ease", user_items, ease_params),
            float(weight),
        )

    def save(self, directory: Path) -> None:
        """Write each part into its own subfolder."""
        for part, model in (("als", self.als), ("ease", self.ease)):
            (directory / part).mkdir()
            model.save(directory / part)

    def params(self) -> dict[str, object]:
        """Both parts' hyperparameters and the ALS weight."""
        return {"als_weight": self.als_weight, "als": self.als.params(), "ease": self.ease.params()}

    def _mix(self, als: FloatArray, ease: FloatArray) -> FloatArray:
        w = self.als_weight
        mixed: FloatArray = w * standardise(als) + (1.0 - w) * standardise(ease)
        return mixed

    def score_users(self, users: IntArray) -> FloatArray:
        """The mix of both parts' user scores."""
        return self._mix(self.als.score_users(users), self.ease.score_users(users))

    def score_session(self, seen: IntArray) -> FloatArray:
        """ALS's fold-in and EASE's row product, mixed."""
        if not len(seen):
            return np.full(self.ease.weights.shape[1], -np.inf, dtype=np.float32)
        return self._mix(self.als.score_session(seen), self.ease.score_session(seen))

    def score_similar(self, item: int) -> FloatArray:
        """ALS's factor cosine and EASE's weights from the item, mixed."""
        return self._mix(self.als.score_similar(item), self.ease.score_similar(item))

    def explain_user(self, user: int, targets: IntArray) -> list[Explanation]:
        """EASE's anchor: the shopper's item adding most to each target."""
        return self.ease.explain_user(user, targets)

    def explain_session(self, seen: IntArray, targets: IntArray) -> list[Explanation]:
        """EASE's anchor among the seen items."""
        return self.ease.explain_session(seen, targets)

    def explain_similar(self, item: int, targets: IntArray) -> list[Explanation]:
        """Similar to the item."""
        return self.ease.explain_similar(item, targets)
