"""One registry of model names: settings, training, artifacts, the CLI and the chart agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from recsys import MODEL_NAMES, RecsysSettings, TrainingFailed, train
from recsys.registry import _fitters, _loaders

CHART = Path(__file__).resolve().parents[3] / "charts" / "aisle"


def test_the_charts_model_enum_is_the_registry() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    enum = schema["properties"]["recsys"]["properties"]["model"]["enum"]
    assert sorted(enum) == sorted(MODEL_NAMES)


def test_every_registered_model_can_be_fitted_and_loaded() -> None:
    assert set(_fitters()) == set(MODEL_NAMES)
    assert set(_loaders()) == set(MODEL_NAMES)


def test_settings_accept_exactly_the_registered_models() -> None:
    field = RecsysSettings.model_fields["model"].annotation
    assert set(get_args(field)) == set(MODEL_NAMES)
    assert RecsysSettings(model="sasrec").model == "sasrec"
    with pytest.raises(ValidationError):
        RecsysSettings(model="gru4rec")  # type: ignore[arg-type]


def test_training_an_unknown_model_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(TrainingFailed) as info:
        train(RecsysSettings(data_dir=tmp_path), ["gru4rec"])
    assert "sasrec" in info.value.message and "als" in info.value.message
