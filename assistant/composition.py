"""The composition root: `build_assistant(settings)` wires catalog, recommender and policies.

With no URLs set everything runs in this process: the embedded catalog (sharing
its embedder and Chroma with the policy index) and the in-process recommender.
With `AISLE_ASSISTANT_RETRIEVAL_URL` / `..._RECSYS_URL` the HTTP clients are used.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.errors import PoliciesUnavailable
from assistant.policies import PolicyIndex, read_policies
from assistant.settings import AssistantSettings
from assistant.turn import Assistant
from recsys import HttpRecommender, Recommender, RecsysSettings, make_recommender
from retrieval import (
    Embedder,
    HttpProductSearch,
    HybridSearch,
    ProductSearch,
    RetrievalSettings,
    VectorStore,
    make_embedder,
    make_store,
)

__all__ = ["build_assistant", "build_policies"]

log = logging.getLogger(__name__)


def build_policies(
    settings: AssistantSettings, store: VectorStore | None, embedder: Embedder | None
) -> PolicyIndex | None:
    """The policy index over `settings.policies_dir` (None when unset or missing)."""
    if settings.policies_dir is None:
        log.info("no policy pages configured; policy questions go to staff")
        return None
    try:
        sections = read_policies(settings.policies_dir)
    except PoliciesUnavailable as e:
        log.warning("%s; policy questions will be answered without passages", e.message)
        return None
    index = PolicyIndex(sections, store, embedder)
    try:
        index.load()
    except Exception as e:
        # Word overlap still answers; the vectors are retried on the next question.
        log.warning("policy passages not embedded yet: %s", type(e).__name__)
    return index


def build_assistant(
    settings: AssistantSettings,
    retrieval: RetrievalSettings | None = None,
    recsys: RecsysSettings | None = None,
) -> Assistant:
    """The assistant that settings describe, with its ports in-process or over HTTP.

    Args:
        settings: the assistant's settings (`AISLE_ASSISTANT_*`, `AISLE_LLM_*`).
        retrieval: settings of the in-process catalog (default: from `AISLE_RETRIEVAL_*`).
        recsys: settings of the in-process recommender (default: from `AISLE_RECSYS_*`).
    """
    from_env: dict[str, Any] = {}
    rs = retrieval or RetrievalSettings(**from_env)
    store: VectorStore | None = None
    embedder: Embedder | None = None
    search: ProductSearch
    if settings.retrieval_url:
        search = HttpProductSearch(settings.retrieval_url, timeout=settings.service_timeout_s)
        try:
            store = make_store(rs)
            embedder = make_embedder(rs)
        except Exception as e:
            log.warning(
                "no vector store for the policies (%s); word overlap only", type(e).__name__
            )
    else:
        store, embedder = make_store(rs), make_embedder(rs)
        search = HybridSearch(store, embedder, rs)
    recommender: Recommender
    if settings.recsys_url:
        recommender = HttpRecommender(settings.recsys_url, timeout=settings.service_timeout_s)
    else:
        recommender = make_recommender(recsys or RecsysSettings(**from_env))
    policies = build_policies(settings, store, embedder)
    return Assistant(search, recommender, policies, settings)
