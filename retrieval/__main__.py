"""`python -m retrieval`: the retrieval pod, settings from AISLE_RETRIEVAL_* variables.

`aisle serve retrieval` (the chart's command) calls `main` too, with its options applied
to the settings: one way to start the pod.
"""

from __future__ import annotations

import logging
import os

import uvicorn

from retrieval.app import create_app
from retrieval.settings import RetrievalSettings


def main(settings: RetrievalSettings | None = None) -> None:
    """Serve the retrieval app with uvicorn until interrupted.

    Args:
        settings: the pod's settings (default: from `AISLE_RETRIEVAL_*`).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # A no-op when the `aisle` command configured logging already (`-v`).
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    settings = settings or RetrievalSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
