"""`python -m recsys`: serve the recsys app with uvicorn, settings from `AISLE_RECSYS_*`."""

from __future__ import annotations

import logging

import uvicorn
from threadpoolctl import threadpool_limits

from recsys.app import create_app
from recsys.settings import RecsysSettings


def main() -> None:
    """Build settings from the environment and serve until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Each request is one small matrix-vector product: a BLAS thread pool only adds jitter
    # (and contends with uvicorn's worker threads), so serving keeps BLAS single-threaded.
    threadpool_limits(limits=1, user_api="blas")
    settings = RecsysSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=settings.access_log,
    )


if __name__ == "__main__":
    main()
