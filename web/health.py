"""Health and metrics: `/healthz`, `/readyz` (every dependency), `/metrics`, the protocol schema."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from web.chat.protocol import json_schema
from web.deps import SettingsDep
from web.errors import NotFound, Unauthenticated
from web.metrics import GatewayMetrics
from web.parts import Parts

__all__ = ["router"]

router = APIRouter(tags=["ops"])


@router.get("/protocol/v1.schema.json")
def protocol_schema() -> JSONResponse:
    """The JSON Schema of every frame of /ws/chat."""
    return JSONResponse(json_schema())


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


async def _checks(parts: Parts) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}

    async def check(name: str, probe: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        try:
            checks[name] = {"ok": True, **(await probe())}
        except Exception as e:
            checks[name] = {"ok": False, "error": getattr(e, "code", type(e).__name__)}

    async def catalog() -> dict[str, Any]:
        if parts.search is None:
            return {"products": None}
        stats = await asyncio.to_thread(parts.search.stats)
        return {"products": stats.active}

    async def recommender() -> dict[str, Any]:
        if parts.recommender is None:
            return {"version": None}
        return {"version": await asyncio.to_thread(parts.recommender.version)}

    async def assistant() -> dict[str, Any]:
        if parts.assistant_pod is not None:
            await parts.assistant_pod.ready()
        return {}

    async def store() -> dict[str, Any]:
        await asyncio.to_thread(parts.store.ping)
        return {}

    async def hub() -> dict[str, Any]:
        await parts.hub.ping()
        return {}

    await asyncio.gather(
        check("catalog", catalog),
        check("recommender", recommender),
        check("assistant", assistant),
        check("transcripts", store),
        check("sessions", hub),
    )
    return checks


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Readiness: every dependency answers (catalog, recommender, assistant, store, Redis)."""
    parts: Parts | None = getattr(request.app.state, "parts", None)
    if parts is None or not request.app.state.ready:
        return JSONResponse({"status": "starting"}, status_code=503)
    checks = await _checks(parts)
    ok = all(v["ok"] for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": checks},
        status_code=200 if ok else 503,
    )


@router.get("/metrics")
def prometheus(request: Request, settings: SettingsDep) -> Response:
    """Prometheus metrics (AISLE_WEB_METRICS_ENABLED; a bearer token when one is set)."""
    metrics_on = settings.metrics_enabled if settings.metrics_enabled is not None else settings.demo
    if not metrics_on:
        raise NotFound("metrics are off")
    if settings.metrics_token is not None:
        sent = request.headers.get("authorization", "")
        wanted = f"Bearer {settings.metrics_token.get_secret_value()}"
        if not hmac.compare_digest(sent.encode(), wanted.encode()):
            raise Unauthenticated("metrics need the token")
    metrics: GatewayMetrics = request.app.state.metrics
    return Response(metrics.render(), media_type="text/plain; version=0.0.4")
