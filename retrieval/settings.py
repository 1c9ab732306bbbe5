"""Settings of the retrieval part (env prefix AISLE_RETRIEVAL_)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

# The names the retrieval pod's URL had before `AISLE_RETRIEVAL_URL`, one per part that
# asked it: still read, with a warning, when the one name is unset.
DEPRECATED_URL_NAMES = ("AISLE_WEB_RETRIEVAL_URL", "AISLE_ASSISTANT_RETRIEVAL_URL")


class RetrievalSettings(BaseSettings):
    """Everything retrieval needs, built by the entrypoint and passed into factories.

    `url` is how every other part finds the retrieval pod (the web gateway's shop API and
    the assistant alike), as `AISLE_RECSYS_URL` is for recsys: one setting per dependency.
    """

    model_config = SettingsConfigDict(env_prefix="AISLE_RETRIEVAL_", extra="ignore")

    url: str | None = Field(
        None, description="the retrieval pod's URL for the parts that search it; unset: in-process"
    )
    timeout_s: float = Field(10.0, gt=0, description="timeout of a call to the retrieval pod")
    data_dir: Path = Field(Path("var/retrieval"), description="embedded Chroma and caches")
    chroma_url: str | None = Field(None, description="Chroma server URL; unset: embedded")
    chroma_token: SecretStr | None = Field(None, description="bearer token for the Chroma server")
    collection_prefix: str = Field("products", description="prefix of the versioned collections")
    keep_versions: int = Field(2, ge=1, description="collections kept, the live one included")

    embedder: Literal["sentence-transformers", "hashing"] = "sentence-transformers"
    model_path: str | None = Field(
        None, description="local sentence-transformers model; unset: bundled MiniLM"
    )
    models_dir: Path | None = Field(
        None, description="fine-tuned embedding models; unset: models/ in the data dir"
    )
    keep_models: int = Field(3, ge=1, description="fine-tuned models kept beside the promoted")
    device: str = Field("cpu", description="torch device for embedding and training: cpu, cuda")
    batch_size: int = Field(64, ge=1)
    max_description_chars: int = Field(
        400, ge=0, description="description text embedded per product"
    )

    language: str = Field("english", description="stemmer language of the keyword index")
    candidates: int = Field(100, ge=1, description="results each channel hands to the fusion")
    fusion_method: Literal["rrf", "weighted"] | None = Field(
        None, description="unset: tuned default"
    )
    keyword_weight: float | None = Field(None, ge=0)
    vector_weight: float | None = Field(None, ge=0)
    rrf_k: float | None = Field(None, gt=0)
    facet_depth: int = Field(200, ge=1, description="results that facets are counted over")
    price_bands: list[float] = Field(
        default_factory=lambda: [5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0]
    )
    default_currency: str = "USD"
    reload_interval_s: float = Field(
        10.0, ge=0, description="how often the live version is checked"
    )

    host: str = "127.0.0.1"
    port: int = 8001

    @model_validator(mode="before")
    @classmethod
    def _deprecated_url(cls, data: Any) -> Any:
        # Read when the settings are built (by an entrypoint), never at import time.
        if not isinstance(data, dict) or data.get("url") is not None:
            return data
        for name in DEPRECATED_URL_NAMES:
            value = os.environ.get(name)
            if value:
                log.warning(
                    "%s is deprecated and will be removed: set AISLE_RETRIEVAL_URL, the one "
                    "setting every part reads the retrieval pod's URL from",
                    name,
                )
                return {**data, "url": value}
        return data
