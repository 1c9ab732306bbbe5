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
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from web.chat.events import EventRecorder
from web.chat.gateway import Gateway
from web.errors import InvalidRequest, WebError, error_for_status
from web.headers import SecurityHeaders, security_headers
from web.health import router as health_router
from web.metrics import GatewayMetrics
from web.parts import Parts, PartsFactory
from web.server import server_options
from web.settings import WebSettings
from web.shop import api_router, storefront_router
from web.shop.storefront import STATIC_DIR
from web.staff import error_page_of, open_console
from web.staff import install as install_console

__all__ = ["STATIC_DIR", "create_app", "error_response", "server_options"]

log = logging.getLogger(__name__)


def as_web_error(exc: Exception) -> WebError:
    """Any error a route raised, as a `WebError`: the framework's 404, 405 and validation
    errors keep their status; anything else is a 500 `server_error` that says nothing more."""
    if isinstance(exc, WebError):
        return exc
    if isinstance(exc, RequestValidationError):
        first: dict[str, Any] = next(iter(exc.errors()), {})
        where = ".".join(str(p) for p in first.get("loc", ()))
        return InvalidRequest(f"{where}: {first.get('msg', 'invalid')}" if where else "invalid")
    if isinstance(exc, HTTPException):
        return error_for_status(exc.status_code, str(exc.detail))
    return WebError("something went wrong on the server")


async def error_response(request: Request, exc: Exception) -> Response:
    """The app's one error handler: `{"code": ..., "message": ...}` with the error's status
    and headers (a console page gets the login form or an error page instead)."""
    # An unhandled exception is logged by the server (Starlette raises it on after this).
    error = as_web_error(exc)
    page = error_page_of(request, error)
    if page is not None:
        return page
    headers = {**error.headers(), "Cache-Control": "no-store"}
    if isinstance(exc, HTTPException) and exc.headers:
        headers = {**exc.headers, **headers}
    return JSONResponse(
        {"code": error.code, "message": error.message}, status_code=error.status, headers=headers
    )


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

    for kind in (WebError, HTTPException, RequestValidationError, Exception):
        app.add_exception_handler(kind, error_response)

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
