"""`python -m assistant`: the assistant pod, settings from AISLE_ASSISTANT_* and AISLE_LLM_*.

`aisle serve assistant` (the chart's command) calls `main` too, with its options applied
to the settings: one way to start the pod.
"""

from __future__ import annotations

import logging
import os

import uvicorn

from assistant.app import create_app
from assistant.settings import AssistantSettings
from recsys import RecsysSettings
from retrieval import RetrievalSettings


def main(
    settings: AssistantSettings | None = None,
    retrieval: RetrievalSettings | None = None,
    recsys: RecsysSettings | None = None,
) -> None:
    """Serve the assistant app with uvicorn until interrupted.

    Args:
        settings: the pod's settings (default: from `AISLE_ASSISTANT_*`, `AISLE_LLM_*`).
        retrieval: the catalog's settings (default: from `AISLE_RETRIEVAL_*`, with the
            assistant's `default_currency`).
        recsys: the recommender's settings (default: from `AISLE_RECSYS_*`).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # A no-op when the `aisle` command configured logging already (`-v`).
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = settings or AssistantSettings()
    retrieval = retrieval or RetrievalSettings(default_currency=settings.default_currency)
    recsys = recsys or RecsysSettings()
    uvicorn.run(
        create_app(settings, retrieval, recsys),
        host=settings.host,
        port=settings.port,
        log_level="info",
    )


if __name__ == "__main__":
    main()
