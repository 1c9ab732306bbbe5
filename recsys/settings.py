"""Settings of the recommendation part: one pydantic-settings class, env prefix `AISLE_RECSYS_`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from recsys.registry import ModelName

__all__ = ["EVENT_TYPES", "ModelName", "RecsysSettings"]

EVENT_TYPES: tuple[str, ...] = ("view", "click", "cart", "purchase", "rating")


def _default_weights() -> dict[str, float]:
    # view < click < cart < purchase; a rating counts like a purchase scaled by stars / 5.
    return {"view": 0.1, "click": 0.25, "cart": 0.5, "purchase": 1.0, "rating": 1.0}


class RecsysSettings(BaseSettings):
    """Everything the recsys part reads from its environment (`AISLE_RECSYS_*`).

    Built by an entrypoint (`aisle ...`, `python -m recsys`) and passed in; nothing reads
    the environment at import time. ALS serves by default, with its "selling now" terms
    (`trend_*`, `arrivals_*`: see recsys.als). Its parameters, and those of EASE and the
    ALS + EASE hybrid, were chosen on validation folds carved from the training period of
    Online Retail II (bench/recsys_tuning.py, bench/recsys_families.py, bench/RESULTS.md).
    The hybrid gains little on new items and loses 8% when repeat purchases count, with a
    64 MB larger artifact, so it is a choice (`AISLE_RECSYS_MODEL=hybrid`), not the default.
    The sequence model (`sasrec`) lost to ALS on customers and, blended with co-occurrence
    (`session_cooc_weight`), beat co-occurrence and ALS's fold-in on sessions by 14-16% on
    the same folds (bench/recsys_sequence.py, round 3), so the blend answers sessions
    wherever an artifact holds the sequence model, and ALS keeps serving customers.
    """

    model_config = SettingsConfigDict(env_prefix="AISLE_RECSYS_", extra="ignore")

    # Where things live.
    data_dir: Path = Path("var/recsys")
    catalog_path: Path = Path("data/demo/products.jsonl")
    interactions_path: Path = Path("data/demo/interactions.parquet")
    url: str | None = Field(
        default=None, description="recsys server URL; unset means in-process recommendations"
    )

    # How interactions become confidence.
    event_weights: dict[str, float] = Field(default_factory=_default_weights)
    recency_half_life_days: float | None = Field(default=30.0, gt=0)
    recency_floor: float = Field(
        default=0.05, ge=0, le=1, description="the least weight recency leaves an old event"
    )
    use_quantity: bool = False
    on_bad_rows: Literal["fail", "skip"] = "fail"

    # Which model serves, and how every model trains.
    model: ModelName = "als"
    device: Literal["auto", "cpu", "gpu"] = "auto"
    num_threads: int = Field(default=0, ge=0, description="0: one per core")
    random_state: int = 42
    als_factors: int = Field(default=128, ge=1)
    als_regularization: float = Field(default=30.0, ge=0)
    als_alpha: float = Field(default=8.0, gt=0)
    als_iterations: int = Field(default=15, ge=1)
    trend_weight: float = Field(
        default=0.75,
        ge=0,
        description="weight of 'selling now' (distinct recent buyers, standardised) added to "
        "ALS's standardised scores; 0 serves ALS's dot products alone",
    )
    trend_window_days: float = Field(
        default=14.0, gt=0, description="how far back from the newest event 'recent' reaches"
    )
    arrivals_weight: float = Field(
        default=0.25,
        ge=0,
        description="weight of 'new arrival' (first event within arrivals_window_days, "
        "standardised) added to ALS's score; 0 turns it off",
    )
    arrivals_window_days: float = Field(
        default=30.0, gt=0, description="how new an item's first event must be to count as new"
    )
    bpr_factors: int = Field(default=64, ge=1)
    bpr_learning_rate: float = Field(default=0.01, gt=0)
    bpr_regularization: float = Field(default=0.01, ge=0)
    bpr_iterations: int = Field(default=100, ge=1)
    userknn_neighbours: int = Field(default=100, ge=1)
    userknn_min_overlap: int = Field(default=2, ge=1)
    userknn_shrinkage: int = Field(default=50, ge=0)
    cooc_max_neighbours: int = Field(default=500, ge=1)
    ease_regularization: float = Field(
        default=1000.0, gt=0, description="EASE's lambda, in interactions (grows with the data)"
    )
    hybrid_als_weight: float = Field(
        default=0.5, ge=0, le=1, description="ALS's share of the hybrid score (EASE: the rest)"
    )
    session_model: ModelName | None = Field(
        default="sasrec",
        description="the model that answers anonymous sessions and 'next after this basket' "
        "when the served artifact holds it (`aisle train --model als,sasrec`); the served "
        "model otherwise, and always with None",
    )
    session_cooc_weight: float = Field(
        default=0.5,
        ge=0,
        description="w in z(session model) + w z(co-occurrence) for sessions and baskets "
        "answered by the session model; 0 leaves the session model alone",
    )
    sasrec_max_len: int = Field(
        default=50, ge=2, description="how many latest steps of a shopper the sequence model reads"
    )
    sasrec_dim: int = Field(default=64, ge=8, description="item embedding and attention width")
    sasrec_heads: int = Field(default=2, ge=1)
    sasrec_layers: int = Field(default=2, ge=1)
    sasrec_dropout: float = Field(default=0.2, ge=0, lt=1)
    sasrec_learning_rate: float = Field(default=1e-3, gt=0)
    sasrec_batch_size: int = Field(default=128, ge=1)
    sasrec_negatives: int = Field(
        default=1024,
        ge=0,
        description="items sampled per batch for the softmax; 0 (or a catalog no larger) "
        "uses every item",
    )
    sasrec_targets: Literal["next", "basket"] = Field(
        default="next",
        description="what each step learns to predict: the next step (SASRec's objective), "
        "or any later item of its basket (the next basket's after a basket's last step)",
    )
    sasrec_max_epochs: int = Field(
        default=20,
        ge=1,
        description="the cap; early stopping keeps the best epoch (17 and 16 on the folds)",
    )
    sasrec_patience: int = Field(
        default=3, ge=1, description="epochs without a better validation nDCG@10 before stopping"
    )
    sasrec_validation_users: int = Field(
        default=1000,
        ge=0,
        description="shoppers whose last basket is held out of training to decide when to "
        "stop (0: train all sasrec_max_epochs)",
    )

    # Serving.
    reload_interval_s: float = Field(default=5.0, ge=0)
    blas_threads: int | None = Field(
        default=1,
        ge=1,
        description="BLAS threads of a serving process (each call is one small product, "
        "where a thread pool only adds latency); None leaves them as they are",
    )
    access_log: bool = False
    score_table_mb: int = Field(
        default=256,
        ge=0,
        description="a serving process precomputes every known user's scores of the "
        "served ALS or BPR model when the users x items table fits in this many MiB "
        "(a row read per call instead of a product over every item); 0 turns it off",
    )
    keep_versions: int = Field(default=3, ge=1)
    host: str = "127.0.0.1"
    port: int = Field(default=8003, ge=0, le=65535)
    timeout_s: float = Field(default=5.0, gt=0)

    @field_validator("event_weights")
    @classmethod
    def _known_events(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(weights) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {list(EVENT_TYPES)}")
        if any(w < 0 for w in weights.values()):
            raise ValueError("event weights must be >= 0")
        return {**_default_weights(), **weights}

    @property
    def artifacts_dir(self) -> Path:
        """`<data_dir>/artifacts`: one folder per trained version plus the CURRENT pointer."""
        return self.data_dir / "artifacts"

    @property
    def store_path(self) -> Path:
        """The SQLite interaction store."""
        return self.data_dir / "interactions.sqlite3"

    @property
    def tombstones_path(self) -> Path:
        """Users forgotten since training; the server honours the list at once."""
        return self.data_dir / "tombstones.txt"
