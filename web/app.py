"""The web app: `create_app(settings, parts=None)`, the one composition root and lifespan.

The lifespan builds the parts (web/parts.py: the assistant, catalog and recommender
in this process or over HTTP, the hub, the transcript store), then the chat gateway
and the staff console on top of them, and tears them down in the reverse order.
Routes: `/ws/chat` (web/chat), the shop API and storefront (web/shop), the staff
console (web/staff), health and metrics (web/health.py), the widget's static files.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from web.chat.events import EventRecorder
from web.chat.gateway import Gateway
from web.errors import WebError
from web.headers import SecurityHeaders, security_headers
from web.health import router as health_router
from web.metrics import GatewayMetrics
from web.parts import Parts, PartsFactory
from web.server import server_options
from web.settings import WebSettings
from web.shop import api_router, storefront_router
from web.shop.storefront import STATIC_DIR
from web.staff import install as install_console
from web.staff import open_console

__all__ = ["STATIC_DIR", "create_app", "server_options"]

log = logging.getLogger(__name__)


def create_app(settings: WebSettings, parts: PartsFactory | None = None) -> FastAPI:
    """The web app for `settings`; its parts are built in the lifespan.

    Args:
        settings: the web settings (`AISLE_WEB_*`).
        parts: how to build the parts (default: from the settings and the environment).

    Raises:
        UnsafeSettings: outside demo mode, the signing key is a published or short one.
    """
    settings.refuse_unsafe()
    factory = parts or PartsFactory()
    metrics = GatewayMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built: Parts = await factory.build(settings)
        gateway = Gateway(
            settings,
            built.hub,
            built.runner,
            built.store,
            EventRecorder(built.recommender, built.store, built.experiments),
            metrics,
        )
        console = await open_console(settings, built.store, gateway.staff)
        app.state.parts, app.state.gateway, app.state.console = built, gateway, console
        # The console's Experiments page and the shop's rows read these.
        app.state.experiments, app.state.impressions = built.experiments, built.impressions
        await gateway.start()
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            await gateway.drain()
            await console.aclose()
            await built.aclose()

    # No /docs or /redoc: Swagger's page loads its assets from a CDN (which fails offline
    # and is a third party on the page); the schema itself is served in demo mode or on ask.
    schema_on = settings.api_schema if settings.api_schema is not None else settings.demo
    app = FastAPI(
        title="Aisle",
        version="1",
        description="Shopper chat (`/ws/chat`, protocol v1), the shop API and the staff console.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if schema_on else None,
    )
    app.add_middleware(SecurityHeaders, headers=security_headers(settings))
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.ready = False

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, exc: HTTPException) -> JSONResponse:
        detail: Any = exc.detail
        body = (
            detail if isinstance(detail, dict) else {"code": "http_error", "message": str(detail)}
        )
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(WebError)
    async def _web_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, WebError)
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)

    app.include_router(api_router)
    app.include_router(storefront_router)
    app.include_router(health_router)
    install_console(app)

    @app.websocket("/ws/chat")
    async def chat(ws: WebSocket) -> None:
        """Protocol v1 (see /protocol/v1.schema.json)."""
        gateway: Gateway = ws.app.state.gateway
        await gateway.serve(ws)

    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
