"""Artifacts: versioned folders, the atomic switch, failures that keep the old one, reload."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from recsys import LocalRecommender, TrainingFailed, train
from recsys.als import ALSModel
from recsys.versions import POINTER, current_version, list_versions
from tests.unit.recsys.shop import shop_settings


def test_training_writes_a_versioned_artifact_and_points_current_at_it(
    fresh_shop: Path,
) -> None:
    settings = shop_settings(fresh_shop, "als")
    result = train(settings, ["als"])
    root = settings.artifacts_dir
    assert (root / POINTER).read_text().strip() == result.version
    meta = json.loads((root / result.version / "meta.json").read_text())
    assert meta["version"] == result.version
    assert meta["primary"] == "als"
    assert set(meta["models"]) == {"als", "cooc", "pop"}
    assert meta["params"]["als"]["factors"] == settings.als_factors
    assert len(meta["data_hash"]) == 64 and meta["created"]
    assert meta["metrics"]["users"] == 60 and meta["metrics"]["items"] == 24
    assert meta["metrics"]["catalog_items_matched"] == 24
    assert not [p for p in root.iterdir() if p.name.startswith(".tmp-")]


def test_a_new_training_is_served_without_a_restart(fresh_shop: Path) -> None:
    settings = shop_settings(fresh_shop, "als", reload_interval_s=3600.0)
    first = train(settings, ["als"]).version
    serving = LocalRecommender(settings)
    assert serving.version() == first
    second = train(settings, ["cooc"]).version
    # The pointer is only looked at every reload_interval_s ...
    assert serving.version() == first
    # ... or at once when asked (what /admin/reload does).
    assert serving.reload() == second
    assert serving.recommend("c01", 3)[0].reason.code == "because_you_bought"

    quick = LocalRecommender(shop_settings(fresh_shop, "als", reload_interval_s=0.0))
    assert quick.version() == second
    third = train(settings, ["pop"]).version
    assert quick.version() == third
    assert quick.recommend("c01", 1)[0].reason.code == "popular"


def test_a_failed_training_leaves_the_previous_artifact_serving(
    fresh_shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = shop_settings(fresh_shop, "als")
    good = train(settings, ["als"]).version
    serving = LocalRecommender(settings)
    before = serving.recommend("m02", 5)

    def broken_fit(*args: object, **kwargs: object) -> ALSModel:
        raise RuntimeError("out of memory halfway through ALS")

    monkeypatch.setattr(ALSModel, "fit", broken_fit)
    with pytest.raises(TrainingFailed, match="out of memory"):
        train(settings, ["als"])
    assert current_version(settings.artifacts_dir) == good
    assert list_versions(settings.artifacts_dir) == [good]
    assert serving.reload() == good
    assert serving.recommend("m02", 5) == before


def test_a_crash_while_writing_files_leaves_no_half_artifact(
    fresh_shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = shop_settings(fresh_shop, "als")
    good = train(settings, ["als"]).version
    import recsys.artifacts

    real_save = recsys.artifacts.save_artifact

    def save_then_crash(artifact: object, directory: Path) -> None:
        real_save(artifact, directory)  # type: ignore[arg-type]
        raise OSError("disk full")

    monkeypatch.setattr("recsys.training.save_artifact", save_then_crash)
    with pytest.raises(TrainingFailed, match="disk full"):
        train(settings, ["als"])
    root = settings.artifacts_dir
    assert current_version(root) == good
    assert {p.name for p in root.iterdir() if p.name != ".lock"} == {POINTER, good}
    assert LocalRecommender(settings).recommend("m02", 2)


def test_a_crash_before_the_pointer_switch_keeps_the_old_pointer(
    fresh_shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = shop_settings(fresh_shop, "als")
    good = train(settings, ["als"]).version
    real_replace = os.replace

    def no_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if str(dst).endswith(POINTER):
            raise OSError("power cut")
        real_replace(src, dst)

    monkeypatch.setattr("recsys.versions.os.replace", no_replace)
    with pytest.raises(TrainingFailed, match="power cut"):
        train(settings, ["als"])
    assert current_version(settings.artifacts_dir) == good
    assert LocalRecommender(settings).version() == good


def test_only_the_last_k_versions_are_kept(fresh_shop: Path) -> None:
    settings = shop_settings(fresh_shop, "pop", keep_versions=2)
    versions = [train(settings, ["pop"]).version for _ in range(4)]
    assert list_versions(settings.artifacts_dir) == versions[-2:]
    assert current_version(settings.artifacts_dir) == versions[-1]


def test_serving_before_any_training_says_so(fresh_shop: Path) -> None:
    from recsys import NoModelLoaded

    serving = LocalRecommender(shop_settings(fresh_shop, "als"))
    assert serving.version() is None
    with pytest.raises(NoModelLoaded, match="aisle train"):
        serving.recommend("c01", 3)


def test_an_unreadable_new_artifact_is_not_served(fresh_shop: Path) -> None:
    settings = shop_settings(fresh_shop, "als")
    good = train(settings, ["als"]).version
    serving = LocalRecommender(settings)
    assert serving.version() == good
    broken = train(settings, ["als"]).version
    (settings.artifacts_dir / broken / "models" / "als" / "factors.npz").unlink()
    assert serving.reload() == good
    assert serving.recommend("c01", 2)
