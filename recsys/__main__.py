"""`python -m recsys`: serve the recsys app with uvicorn, settings from `AISLE_RECSYS_*`.

`aisle serve recsys` (the chart's command) calls `main` too, with its options applied to
the settings: one way to start the pod.
"""

from __future__ import annotations

import logging

import uvicorn
from threadpoolctl import threadpool_limits

from recsys.app import create_app
from recsys.settings import RecsysSettings


def main(settings: RecsysSettings | None = None) -> None:
    """Serve the recsys app until interrupted.

    Args:
        settings: the pod's settings (default: from `AISLE_RECSYS_*`).
    """
    # A no-op when the `aisle` command configured logging already (`-v`).
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = settings or RecsysSettings()
    # Each request is one small matrix-vector product: a BLAS thread pool only adds jitter
    # (and contends with uvicorn's worker threads), so serving keeps BLAS single-threaded.
    with threadpool_limits(limits=1, user_api="blas"):
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level="info",
            access_log=settings.access_log,
        )


if __name__ == "__main__":
    main()
