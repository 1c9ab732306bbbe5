"""recsys: collaborative filtering over shoppers' interactions.

`make_recommender(settings)` returns the in-process `LocalRecommender` or, with
`AISLE_RECSYS_URL` set, the `HttpRecommender` for a recsys pod; both implement
`Recommender`. `train()` publishes a new artifact; `evaluate()` measures the models.
"""

from recsys.client import HttpRecommender
from recsys.errors import (
    ArtifactError,
    BadInteraction,
    BadRequest,
    NoModelLoaded,
    RecsysError,
    RecsysUnavailable,
    TrainingFailed,
)
from recsys.evaluate import EvalReport, evaluate, split_by_time
from recsys.interactions import BadRow, IngestReport, Interaction
from recsys.local import LocalRecommender
from recsys.recommender import Recommender, make_recommender
from recsys.registry import MODEL_NAMES, ModelName
from recsys.results import Fallback, Filters, Reason, ReasonCode, Recommendation
from recsys.settings import RecsysSettings
from recsys.store import InteractionStore
from recsys.training import TrainResult, train

__all__ = [
    "MODEL_NAMES",
    "ModelName",
    "ArtifactError",
    "BadInteraction",
    "BadRequest",
    "BadRow",
    "EvalReport",
    "Fallback",
    "Filters",
    "HttpRecommender",
    "IngestReport",
    "Interaction",
    "InteractionStore",
    "LocalRecommender",
    "NoModelLoaded",
    "Reason",
    "ReasonCode",
    "Recommendation",
    "Recommender",
    "RecsysError",
    "RecsysSettings",
    "RecsysUnavailable",
    "TrainResult",
    "TrainingFailed",
    "evaluate",
    "make_recommender",
    "split_by_time",
    "train",
]
