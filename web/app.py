"""The web app: `/ws/chat`, the shop REST API, the storefront and widget files, health and metrics.

`create_app(settings)` is the composition root. With no part URLs set it builds
the assistant, catalog and recommender in this process (the embedded default);
with `AISLE_WEB_ASSISTANT_URL` / `..._RETRIEVAL_URL` / `..._RECSYS_URL` it talks to
the pods. Sessions live in memory, or in Redis when `AISLE_WEB_REDIS_URL` is set.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import HTTPException
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from assistant import AssistantSettings, HttpAssistant, build_assistant
from recsys import HttpRecommender, Recommender, RecsysSettings, make_recommender
from retrieval import (
    HttpProductSearch,
    HybridSearch,
    ProductSearch,
    RetrievalSettings,
    make_embedder,
    make_store,
)
from web.breaker import CircuitBreaker
from web.chat.gateway import Gateway, TurnRunner
from web.chat.hub import make_hub
from web.chat.protocol import json_schema
from web.experiments import ExperimentSettings, start_experiments
from web.headers import SecurityHeaders, security_headers
from web.metrics import GatewayMetrics
from web.server import server_options
from web.settings import WebSettings
from web.shop.api import router as api_router
from web.store import TranscriptStore

__all__ = ["STATIC_DIR", "create_app", "server_options"]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"


def _part_settings(
    settings: WebSettings,
    assistant: AssistantSettings | None,
    retrieval: RetrievalSettings | None,
    recsys: RecsysSettings | None,
) -> tuple[AssistantSettings, RetrievalSettings, RecsysSettings]:
    a = assistant or AssistantSettings()
    r = retrieval or RetrievalSettings(
        data_dir=settings.data_dir / "retrieval", default_currency=a.default_currency
    )
    c = recsys or RecsysSettings(data_dir=settings.data_dir / "recsys")
    return a, r, c


def _build_parts(
    settings: WebSettings,
    a: AssistantSettings,
    r: RetrievalSettings,
    c: RecsysSettings,
) -> tuple[TurnRunner, ProductSearch, Recommender | None]:
    """The assistant, the catalog and the recommender, in-process or over HTTP."""
    timeout = settings.service_timeout_s
    if settings.assistant_url:
        runner: TurnRunner = HttpAssistant(settings.assistant_url, timeout=timeout)
        search: ProductSearch = (
            HttpProductSearch(settings.retrieval_url, timeout=timeout)
            if settings.retrieval_url
            else HybridSearch(make_store(r), make_embedder(r), r)
        )
        recommender: Recommender | None = (
            HttpRecommender(settings.recsys_url, timeout=timeout)
            if settings.recsys_url
            else make_recommender(c)
        )
        return runner, search, recommender
    built = build_assistant(a, r, c)
    built.warm()
    search = (
        HttpProductSearch(settings.retrieval_url, timeout=timeout)
        if settings.retrieval_url
        else built.search
    )
    recommender = (
        HttpRecommender(settings.recsys_url, timeout=timeout)
        if settings.recsys_url
        else built.recommender
    )
    return built, search, recommender


def _make_transcripts(settings: WebSettings) -> TranscriptStore:
    from web.store import make_transcript_store

    store: TranscriptStore = make_transcript_store(settings)
    return store


def create_app(
    settings: WebSettings,
    assistant_settings: AssistantSettings | None = None,
    retrieval: RetrievalSettings | None = None,
    recsys: RecsysSettings | None = None,
    *,
    runner: TurnRunner | None = None,
    transcripts: TranscriptStore | None = None,
    experiments: ExperimentSettings | None = None,
) -> FastAPI:
    """The web app for `settings`; parts are built in the lifespan unless given.

    Raises:
        UnsafeSettings: outside demo mode, the signing key is a published or short one.
    """
    settings.refuse_unsafe()
    metrics = GatewayMetrics()
    a, r, c = _part_settings(settings, assistant_settings, retrieval, recsys)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runner is not None:
            given: Any = runner  # an in-process Assistant carries its catalog and recommender
            built: tuple[TurnRunner, ProductSearch, Recommender | None] = (
                runner,
                given.search,
                getattr(given, "recommender", None),
            )
        else:
            built = await run_in_threadpool(_build_parts, settings, a, r, c)
        app.state.runner, app.state.search, app.state.recommender = built
        app.state.transcripts = transcripts or await run_in_threadpool(_make_transcripts, settings)
        redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
        app.state.hub = await make_hub(redis_url, settings.replay_frames, settings.session_ttl_s)
        app.state.gateway = Gateway(
            settings,
            app.state.hub,
            app.state.runner,
            app.state.recommender,
            app.state.transcripts,
            metrics,
        )
        await app.state.gateway.start()
        app.state.experiments, app.state.impressions = await start_experiments(
            experiments or ExperimentSettings(),
            redis_url,
            app.state.transcripts,
            settings.session_ttl_s,
        )
        app.state.gateway.experiments = app.state.experiments
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            await app.state.gateway.drain()
            if app.state.experiments is not None:
                await app.state.experiments.drain()
                await app.state.experiments.state.aclose()
            await app.state.hub.aclose()
            close = getattr(app.state.runner, "aclose", None)
            if close is not None:
                await close()
            store_close = getattr(app.state.transcripts, "close", None)
            if store_close is not None:
                await run_in_threadpool(store_close)

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
    app.state.breakers = {
        part: CircuitBreaker(part, settings.breaker_failures, settings.breaker_reset_s)
        for part in ("catalog", "recommender")
    }
    app.state.ready = False

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, exc: HTTPException) -> JSONResponse:
        detail: Any = exc.detail
        body = (
            detail if isinstance(detail, dict) else {"code": "http_error", "message": str(detail)}
        )
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    app.include_router(api_router)

    # -- staff console (web/staff): its routes, error pages and lifespan (staff bootstrap) --
    from web.staff import install as install_console

    install_console(app)

    @app.websocket("/ws/chat")
    async def chat(ws: WebSocket) -> None:
        """Protocol v1 (see /protocol/v1.schema.json)."""
        await ws.app.state.gateway.serve(ws)

    @app.get("/protocol/v1.schema.json", tags=["ops"])
    def protocol_schema() -> JSONResponse:
        """The JSON Schema of every frame of /ws/chat."""
        return JSONResponse(json_schema())

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: every dependency answers (catalog, recommender, assistant, store, Redis)."""
        state = request.app.state
        if not state.ready:
            return JSONResponse({"status": "starting"}, status_code=503)
        checks: dict[str, Any] = {}

        async def check(name: str, probe: Any) -> None:
            try:
                checks[name] = {"ok": True, **(await probe() or {})}
            except Exception as e:
                checks[name] = {"ok": False, "error": getattr(e, "code", type(e).__name__)}

        async def catalog() -> dict[str, Any]:
            stats = await asyncio.to_thread(state.search.stats)
            return {"products": stats.active}

        async def recommender() -> dict[str, Any]:
            if state.recommender is None:
                return {"version": None}
            return {"version": await asyncio.to_thread(state.recommender.version)}

        async def assistant() -> dict[str, Any]:
            if settings.assistant_url:
                http = state.runner._http
                response = await http.get("/readyz")
                response.raise_for_status()
            return {}

        async def store() -> dict[str, Any]:
            ping = getattr(state.transcripts, "ping", None)
            if ping is not None:
                await asyncio.to_thread(ping)
            return {}

        async def hub() -> dict[str, Any]:
            await state.hub.ping()
            return {}

        await asyncio.gather(
            check("catalog", catalog),
            check("recommender", recommender),
            check("assistant", assistant),
            check("transcripts", store),
            check("sessions", hub),
        )
        ok = all(v["ok"] for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    metrics_on = settings.metrics_enabled if settings.metrics_enabled is not None else settings.demo
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    @app.get("/metrics", tags=["ops"])
    def prometheus(request: Request) -> Response:
        """Prometheus metrics (AISLE_WEB_METRICS_ENABLED; a bearer token when one is set)."""
        if not metrics_on:
            raise HTTPException(
                status_code=404, detail={"code": "not_found", "message": "metrics are off"}
            )
        if metrics_token is not None:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {metrics_token}".encode()):
                raise HTTPException(
                    status_code=401,
                    detail={"code": "unauthenticated", "message": "metrics need the token"},
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    storefront = STATIC_DIR / "storefront.html"

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        """The demo storefront (demo mode), else what the service offers."""
        if settings.demo and storefront.exists():
            return FileResponse(storefront, media_type="text/html")
        return JSONResponse(
            {"service": "aisle", "chat": "/ws/chat", "protocol": "/protocol/v1.schema.json"}
        )

    @app.get("/products/{product_id}", include_in_schema=False)
    def product_page(product_id: str) -> Response:
        """The storefront's product view (the page reads the id from its URL)."""
        if settings.demo and storefront.exists():
            return FileResponse(storefront, media_type="text/html")
        raise HTTPException(
            status_code=404, detail={"code": "not_found", "message": "no storefront"}
        )

    @app.post("/demo/shopper-token", include_in_schema=False)
    async def demo_shopper_token(request: Request, body: DemoShopper) -> JSONResponse:
        """Demo mode only: the demo server plays the shop's backend and signs a shopper token."""
        if not settings.demo:
            raise HTTPException(
                status_code=404, detail={"code": "not_found", "message": "demo only"}
            )
        token = request.app.state.gateway.shopper_tokens.issue(body.shopper_id, ttl_s=3600)
        return JSONResponse({"token": token, "expires_in": 3600})

    return app


class DemoShopper(BaseModel):
    """Whom the demo storefront signs in as."""

    shopper_id: str = Field(pattern=r"^[\w.@:+-]{1,128}$")
