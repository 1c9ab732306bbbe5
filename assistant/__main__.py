"""`python -m assistant`: the assistant pod, settings from AISLE_ASSISTANT_* and AISLE_LLM_*."""

from __future__ import annotations

import logging
import os

import uvicorn

from assistant.app import create_app
from assistant.settings import AssistantSettings


def main() -> None:
    """Serve the assistant app with uvicorn."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = AssistantSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
