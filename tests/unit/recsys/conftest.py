"""Fixtures for the recsys unit tests: the synthetic shop, trained once per model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from recsys import LocalRecommender, RecsysSettings
from tests.unit.recsys.shop import MODELS, PERSONAL, trained_shop


@pytest.fixture(scope="session")
def shops(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], RecsysSettings]:
    """Settings serving a model trained on the shop, trained once per session (read-only)."""
    cache: dict[str, RecsysSettings] = {}

    def get(model: str) -> RecsysSettings:
        if model not in cache:
            cache[model] = trained_shop(tmp_path_factory.mktemp(f"shop-{model}"), model)
        return cache[model]

    return get


@pytest.fixture(params=MODELS)
def recommender(
    request: pytest.FixtureRequest, shops: Callable[[str], RecsysSettings]
) -> LocalRecommender:
    """An in-process recommender over every model in turn."""
    return LocalRecommender(shops(str(request.param)))


@pytest.fixture(params=PERSONAL)
def personal(
    request: pytest.FixtureRequest, shops: Callable[[str], RecsysSettings]
) -> LocalRecommender:
    """An in-process recommender over every model that personalises (all but pop)."""
    return LocalRecommender(shops(str(request.param)))


@pytest.fixture()
def fresh_shop(tmp_path: Path) -> Path:
    """An empty folder for a test that trains, forgets or breaks things."""
    return tmp_path / "shop"
