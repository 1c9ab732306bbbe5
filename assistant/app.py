"""The assistant pod: POST /turn streams a turn's events as NDJSON (`python -m assistant`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.composition import build_assistant
from assistant.errors import AssistantError
from assistant.settings import AssistantSettings
from assistant.state import TurnRequest
from assistant.turn import Assistant
from recsys import RecsysSettings
from retrieval import RetrievalSettings

__all__ = ["AssistantDep", "create_app", "get_assistant"]

log = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"


def get_assistant(request: Request) -> Assistant:
    """The assistant built in the lifespan."""
    assistant: Assistant = request.app.state.assistant
    return assistant


AssistantDep = Annotated[Assistant, Depends(get_assistant)]


def create_app(
    settings: AssistantSettings,
    retrieval: RetrievalSettings | None = None,
    recsys: RecsysSettings | None = None,
    assistant: Assistant | None = None,
) -> FastAPI:
    """The assistant app; the assistant is built from settings in the lifespan unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.assistant = assistant or await run_in_threadpool(
            build_assistant, settings, retrieval, recsys
        )
        # Load the catalog and the query model before the first shopper arrives.
        await run_in_threadpool(app.state.assistant.warm)
        yield

    app = FastAPI(title="Aisle assistant", version="1", lifespan=lifespan)

    @app.exception_handler(AssistantError)
    async def _error(_: Request, exc: AssistantError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz(assistant: AssistantDep) -> JSONResponse:
        """Readiness: the catalog answers; the recommender answers (a missing model is fine:
        recommendations then come from search)."""
        body: dict[str, Any] = {"status": "ready", "brain": assistant.brain.name}
        status = 200
        try:
            body["catalog"] = assistant.search.stats().model_dump()
        except Exception as e:
            body["catalog"] = {"error": getattr(e, "code", type(e).__name__)}
            status = 503
        try:
            version = assistant.recommender.version() if assistant.recommender else None
            body["recsys"] = {"version": version}
        except Exception as e:
            body["recsys"] = {"error": getattr(e, "code", type(e).__name__)}
            status = 503
        if status != 200:
            body["status"] = "not ready"
        return JSONResponse(body, status_code=status)

    @app.post("/turn")
    async def turn(body: TurnRequest, assistant: AssistantDep) -> StreamingResponse:
        """One turn as NDJSON: one protocol event per line, `assistant.done` last."""

        async def lines() -> AsyncIterator[str]:
            try:
                async for event in assistant.turn(body):
                    yield event.model_dump_json() + "\n"
            except AssistantError as e:
                yield _error_line(e.code, e.message)
            except Exception:
                log.exception("turn failed")
                yield _error_line("assistant_error", "the turn failed")

        return StreamingResponse(lines(), media_type=NDJSON)

    return app


def _error_line(code: str, message: str) -> str:
    import json

    return json.dumps({"type": "error", "data": {"code": code, "message": message}}) + "\n"
