"""`python -m web`: the web gateway pod, settings from `AISLE_WEB_*`.

`aisle serve web` (the chart's command and the image's default) and `aisle serve` (every
part in one process) call `main` too: one way to start the gateway. `python -m web`
takes the options `aisle serve web` takes (`--host`, `--port`, `--data-dir`, `--demo`).
"""

from __future__ import annotations

import logging
import os
import sys

from web.parts import PartsFactory
from web.settings import WebSettings


def main(
    settings: WebSettings | None = None,
    parts: PartsFactory | None = None,
    *,
    quiet: bool = False,
) -> int:
    """Serve the web app with uvicorn until interrupted.

    Args:
        settings: the gateway's settings (default: from `AISLE_WEB_*`).
        parts: how to build its parts (default: each part's settings from its own
            variables, with the data dir's `retrieval/`, `recsys/` and `policies/`).
        quiet: warnings only, uvicorn's too (`aisle serve`: every part in one terminal).

    Returns:
        The exit status: 2 when the settings are not safe to serve with.
    """
    import uvicorn

    from assistant import AssistantSettings
    from recsys import RecsysSettings
    from retrieval import RetrievalSettings
    from web.app import create_app, server_options
    from web.cli.output import echo
    from web.settings import UnsafeSettings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # A no-op when the `aisle` command configured logging already (`-v`).
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = settings or WebSettings()
    try:
        settings.refuse_unsafe()
    except UnsafeSettings as e:
        echo(f"aisle serve: refusing to start: {e}", err=True)
        return 2
    if parts is None:
        assistant = AssistantSettings()
        parts = PartsFactory(
            assistant.with_data_dir(settings.data_dir),
            RetrievalSettings(
                data_dir=settings.data_dir / "retrieval",
                default_currency=assistant.default_currency,
            ),
            RecsysSettings(data_dir=settings.data_dir / "recsys"),
        )
    if not quiet and settings.assistant_url is None:
        echo("note: AISLE_WEB_ASSISTANT_URL is unset; the assistant runs in this process", err=True)
    app = create_app(settings, parts)
    shown = "localhost" if settings.host in ("0.0.0.0", "127.0.0.1") else settings.host
    echo(f"Aisle is starting: open http://{shown}:{settings.port}/ (Ctrl-C to stop)")
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning" if quiet else "info",
        timeout_graceful_shutdown=10,
        **server_options(settings),
    )
    return 0


if __name__ == "__main__":
    from web.cli import main as cli

    sys.exit(cli(["serve", "web", *sys.argv[1:]]))
