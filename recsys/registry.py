"""The one registry of model names: settings, training, artifacts, the CLI and the chart use it.

`ModelName` is the `Literal` that `RecsysSettings.model` accepts; `MODEL_NAMES` is the same
list as a tuple, in the order `aisle train --model all` fits them. `fit_model` and
`load_model` dispatch on a name, importing the model's module only when it is needed (the
sequence model brings torch, which a process serving ALS never loads). The Helm chart's
`recsys.model` enum is checked against `MODEL_NAMES` by tests/unit/recsys/test_registry.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

import scipy.sparse as sp

if TYPE_CHECKING:
    from recsys.dataset import Dataset
    from recsys.scoring import Scorer
    from recsys.settings import RecsysSettings

__all__ = ["MODEL_NAMES", "ModelName", "fit_model", "is_model_name", "load_model"]

ModelName = Literal["pop", "cooc", "hybrid", "als", "ease", "bpr", "userknn", "sasrec"]
MODEL_NAMES: tuple[ModelName, ...] = get_args(ModelName)

Fit = Callable[["Dataset", "RecsysSettings", bool], "Scorer"]
Load = Callable[[Path, sp.csr_matrix, dict[str, object]], "Scorer"]


def is_model_name(name: str) -> bool:
    """True when `name` is a registered model."""
    return name in MODEL_NAMES


def _fitters() -> dict[str, Fit]:
    from recsys.als import ALSModel
    from recsys.bpr import BPRModel
    from recsys.cooccurrence import CooccurrenceModel
    from recsys.ease import EASEModel
    from recsys.hybrid import HybridModel
    from recsys.popularity import PopularityModel
    from recsys.userknn import UserKNNModel

    def sasrec(data: Dataset, settings: RecsysSettings, progress: bool) -> Scorer:
        from recsys.sasrec import SASRecModel

        return SASRecModel.fit(data, settings, progress)

    return {
        "pop": lambda data, settings, progress: PopularityModel.fit(data),
        "cooc": lambda data, settings, progress: CooccurrenceModel.fit(data, settings),
        "hybrid": HybridModel.fit,
        "als": ALSModel.fit,
        "ease": lambda data, settings, progress: EASEModel.fit(data, settings),
        "bpr": BPRModel.fit,
        "userknn": UserKNNModel.fit,
        "sasrec": sasrec,
    }


def _loaders() -> dict[str, Load]:
    from recsys.als import ALSModel
    from recsys.bpr import BPRModel
    from recsys.cooccurrence import CooccurrenceModel
    from recsys.ease import EASEModel
    from recsys.hybrid import HybridModel
    from recsys.popularity import PopularityModel
    from recsys.userknn import UserKNNModel

    def sasrec(folder: Path, user_items: sp.csr_matrix, params: dict[str, object]) -> Scorer:
        from recsys.sasrec import SASRecModel

        return SASRecModel.load(folder, user_items, params)

    return {
        "pop": lambda folder, user_items, params: PopularityModel.load(folder),
        "cooc": lambda folder, user_items, params: CooccurrenceModel.load(folder, user_items),
        "hybrid": HybridModel.load,
        "als": ALSModel.load,
        "ease": EASEModel.load,
        "bpr": BPRModel.load,
        "userknn": UserKNNModel.load,
        "sasrec": sasrec,
    }


def fit_model(name: str, data: Dataset, settings: RecsysSettings, progress: bool) -> Scorer:
    """Fit the model called `name`.

    Raises:
        KeyError: `name` is not registered (callers check `is_model_name` first).
    """
    return _fitters()[name](data, settings, progress)


def load_model(
    name: str, folder: Path, user_items: sp.csr_matrix, params: dict[str, object]
) -> Scorer:
    """Load the model called `name` from its artifact folder.

    Raises:
        KeyError: `name` is not registered.
    """
    return _loaders()[name](folder, user_items, params)
