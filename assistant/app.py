"""The assistant pod: POST /turn streams a turn's events as NDJSON (`python -m assistant`).

Its calls to the retrieval and recsys pods go through a circuit breaker per pod and each
turn's budget (assistant/budget.py), as the web's in-process assistant's do: a stalled pod
costs a turn at most `AISLE_ASSISTANT_CALL_TIMEOUT_S`, and nothing once its breaker opens.
The pod's first event, `assistant.start`, goes out before any of those calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.breaker import CircuitBreaker
from assistant.budget import TurnBudget, turn_budget
from assistant.composition import build_assistant, guard_pods
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

    retrieval = retrieval or RetrievalSettings(default_currency=settings.default_currency)
    recsys = recsys or RecsysSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        breakers = [
            CircuitBreaker(part, settings.breaker_failures, settings.breaker_reset_s)
            if url
            else None
            for part, url in (("catalog", retrieval.url), ("recommender", recsys.url))
        ]
        built = assistant
        if built is None:
            built = await run_in_threadpool(build_assistant, settings, retrieval, recsys)
        app.state.assistant = guard_pods(built, *breakers)
        # Load the catalog and the query model before the first shopper arrives.
        await run_in_threadpool(app.state.assistant.warm)
        try:
            yield
        finally:
            for breaker in breakers:
                if breaker is not None:
                    breaker.close()

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

        received = time.perf_counter()

        async def lines() -> AsyncIterator[str]:
            # Calls to the retrieval and recsys pods take their timeouts from the turn's.
            budget = TurnBudget(received + settings.turn_timeout_s, settings.call_timeout_s)
            try:
                with turn_budget(budget):
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
