"""`python -m retrieval`: the retrieval pod, settings from AISLE_RETRIEVAL_* variables."""

from __future__ import annotations

import logging
import os

import uvicorn

from retrieval.app import create_app
from retrieval.settings import RetrievalSettings


def main() -> None:
    """Serve the retrieval app with uvicorn."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    settings = RetrievalSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
