"""The composition root: `build_assistant(settings)` wires catalog, recommender and policies.

With no URLs set everything runs in this process: the embedded catalog (sharing
its embedder and Chroma with the policy index) and the in-process recommender.
With `AISLE_RETRIEVAL_URL` / `AISLE_RECSYS_URL` (the settings every part reads) the HTTP
clients are used.
The web app builds its parts through these functions too: one wiring.
"""

from __future__ import annotations

import logging

from assistant.breaker import CircuitBreaker
from assistant.budget import GuardedRecommender, GuardedSearch
from assistant.errors import PoliciesUnavailable
from assistant.policies import PolicyIndex, read_policies
from assistant.settings import AssistantSettings
from assistant.turn import Assistant
from recsys import Recommender, RecsysSettings, make_recommender
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

__all__ = ["build_assistant", "build_policies", "build_ports", "guard_pods"]

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


def _catalog(
    settings: AssistantSettings, rs: RetrievalSettings, *, for_policies: bool
) -> tuple[ProductSearch, VectorStore | None, Embedder | None]:
    """The catalog (in-process, or the retrieval pod's client) and, for the policy index,
    the vector store and embedder."""
    if not rs.url:
        store, embedder = make_store(rs), make_embedder(rs)
        return HybridSearch(store, embedder, rs), store, embedder
    search = HttpProductSearch(rs.url, timeout=rs.timeout_s)
    if not for_policies:
        return search, None, None
    try:
        return search, make_store(rs), make_embedder(rs)
    except Exception as e:
        log.warning("no vector store for the policies (%s); word overlap only", type(e).__name__)
        return search, None, None


def build_ports(
    settings: AssistantSettings,
    retrieval: RetrievalSettings | None = None,
    recsys: RecsysSettings | None = None,
) -> tuple[ProductSearch, Recommender]:
    """The catalog and the recommender the settings describe, in-process or over HTTP.

    Args:
        settings: the assistant's settings.
        retrieval: the catalog's settings (default: from `AISLE_RETRIEVAL_*`;
            `AISLE_RETRIEVAL_URL` picks the retrieval pod).
        recsys: the recommender's settings (default: from `AISLE_RECSYS_*`;
            `AISLE_RECSYS_URL` picks the recsys pod).
    """
    search, _, _ = _catalog(settings, retrieval or RetrievalSettings(), for_policies=False)
    return search, make_recommender(recsys or RecsysSettings())


def build_assistant(
    settings: AssistantSettings,
    retrieval: RetrievalSettings | None = None,
    recsys: RecsysSettings | None = None,
) -> Assistant:
    """The assistant that settings describe, with its ports in-process or over HTTP.

    Args:
        settings: the assistant's settings (`AISLE_ASSISTANT_*`, `AISLE_LLM_*`).
        retrieval: the catalog's settings (default: from `AISLE_RETRIEVAL_*`;
            `AISLE_RETRIEVAL_URL` picks the retrieval pod).
        recsys: the recommender's settings (default: from `AISLE_RECSYS_*`;
            `AISLE_RECSYS_URL` picks the recsys pod).
    """
    search, store, embedder = _catalog(
        settings, retrieval or RetrievalSettings(), for_policies=True
    )
    recommender = make_recommender(recsys or RecsysSettings())
    policies = build_policies(settings, store, embedder)
    return Assistant(search, recommender, policies, settings)


def guard_pods(
    assistant: Assistant, catalog: CircuitBreaker | None, recommender: CircuitBreaker | None
) -> Assistant:
    """The assistant with its retrieval and recsys pods behind their breakers and each
    turn's budget (assistant/budget.py); a None breaker leaves that port as it is.

    Both hosts of the assistant use this: the web with the assistant in its process, and
    the assistant pod. They open a `TurnBudget` around each turn.
    """
    if catalog is None and (recommender is None or assistant.recommender is None):
        return assistant
    rec = assistant.recommender
    return Assistant(
        GuardedSearch(assistant.search, catalog) if catalog is not None else assistant.search,
        GuardedRecommender(rec, recommender) if recommender is not None and rec else rec,
        assistant.policies,
        assistant.settings,
        brain=assistant.brain,
    )
