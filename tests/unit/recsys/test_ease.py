"""EASE's closed form and the hybrid's score mixing."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recsys.ease import ease_weights
from recsys.errors import TrainingFailed
from recsys.scoring import standardise


def test_ease_weights_match_the_closed_form() -> None:
    rng = np.random.default_rng(0)
    dense = (rng.random((40, 12)) < 0.3) * rng.integers(1, 4, (40, 12))
    lam = 5.0
    binary = (dense > 0).astype(np.float64)
    p = np.linalg.inv(binary.T @ binary + lam * np.eye(12))
    expected = np.eye(12) - p / np.diag(p)[None, :]
    weights = ease_weights(sp.csr_matrix(dense.astype(np.float32)), lam)
    np.testing.assert_allclose(weights, expected, atol=1e-5)
    assert not np.diag(weights).any()


def test_ease_refuses_a_singular_gram_matrix() -> None:
    with pytest.raises(TrainingFailed, match="positive definite"):
        ease_weights(sp.csr_matrix(np.zeros((3, 4), np.float32)), 0.0)


def test_standardise_gives_z_scores_and_keeps_missing_evidence() -> None:
    scores = np.array([[1.0, 2.0, 3.0, -np.inf], [5.0, 5.0, 5.0, 5.0]], np.float32)
    z = standardise(scores)
    np.testing.assert_allclose(z[0, :3], [-1.2247449, 0.0, 1.2247449], rtol=1e-6)
    assert z[0, 3] == -np.inf
    assert not z[1].any()
