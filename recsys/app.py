"""The recsys pod: a FastAPI app over the in-process recommender.

`create_app(settings)` is the composition root: the lifespan builds a `LocalRecommender`
and keeps it on `app.state`; routes get it through the `RecommenderDep` alias. The
artifact is reloaded without a restart (the pointer is checked at most every
`reload_interval_s`, and at once on `POST /admin/reload`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from recsys.errors import NoModelLoaded, RecsysError
from recsys.interactions import Interaction
from recsys.local import MAX_N, LocalRecommender
from recsys.results import Filters, Recommendation
from recsys.settings import RecsysSettings

__all__ = ["create_app"]

log = logging.getLogger(__name__)


class RecommendRequest(BaseModel):
    """Body of `POST /recommend`."""

    user_id: str = Field(min_length=1)
    n: int = Field(default=10, ge=1, le=MAX_N)
    filters: Filters | None = None
    exclude_purchased: bool = True
    model: str | None = Field(default=None, max_length=64)


class ItemRequest(BaseModel):
    """Body of `POST /similar-items` and `POST /bought-together`."""

    product_id: str = Field(min_length=1)
    n: int = Field(default=10, ge=1, le=MAX_N)
    filters: Filters | None = None
    model: str | None = Field(default=None, max_length=64)


class SessionRequest(BaseModel):
    """Body of `POST /recommend-for-session`."""

    product_ids_seen: list[str] = Field(default_factory=list, max_length=1000)
    n: int = Field(default=10, ge=1, le=MAX_N)
    filters: Filters | None = None
    model: str | None = Field(default=None, max_length=64)


class BasketRequest(BaseModel):
    """Body of `POST /next-after-basket`."""

    product_ids: list[str] = Field(default_factory=list, max_length=1000)
    n: int = Field(default=10, ge=1, le=MAX_N)
    filters: Filters | None = None


class Recommendations(BaseModel):
    """A ranked list and the artifact version that produced it."""

    items: list[Recommendation]
    version: str | None


class EventsRequest(BaseModel):
    """Body of `POST /events`."""

    events: list[Interaction] = Field(max_length=10_000)


class Recorded(BaseModel):
    """How many events were stored."""

    recorded: int


class Forgotten(BaseModel):
    """How many interactions of the user were deleted."""

    user_id: str
    removed: int


class Status(BaseModel):
    """Liveness, readiness and reload answers."""

    status: str
    version: str | None = None


def _json(body: BaseModel) -> Response:
    # Serialised once by pydantic-core: FastAPI's generic path would validate, dump to a
    # dict and encode it again, which costs more than computing the recommendations.
    return Response(content=body.model_dump_json(exclude_none=True), media_type="application/json")


async def _watch(recommender: LocalRecommender, interval: float) -> None:
    """Look at the CURRENT pointer every `interval` seconds; loads run in a worker thread,
    so requests never wait for an artifact to load."""
    while True:
        await anyio.sleep(max(interval, 0.2))
        try:
            await anyio.to_thread.run_sync(recommender.reload)
        except Exception:  # a broken artifact must not stop the watcher
            log.exception("artifact reload failed; still serving the previous one")


async def get_recommender(request: Request) -> LocalRecommender:
    """The app's recommender, built in the lifespan."""
    recommender: LocalRecommender = request.app.state.recommender
    return recommender


RecommenderDep = Annotated[LocalRecommender, Depends(get_recommender)]


def create_app(settings: RecsysSettings) -> FastAPI:
    """Build the recsys app.

    Args:
        settings: where the artifacts live and how often to look for a new one.

    Returns:
        The FastAPI app (serve it with uvicorn: `python -m recsys`).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        recommender = LocalRecommender(settings, watch=False)
        version = await anyio.to_thread.run_sync(recommender.reload)
        if version is None:
            log.warning("no trained model yet in %s; /readyz answers 503", settings.artifacts_dir)
        app.state.recommender = recommender
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_watch, recommender, settings.reload_interval_s)
            yield
            tasks.cancel_scope.cancel()

    app = FastAPI(
        title="Aisle recsys",
        version="1",
        summary="Collaborative filtering for the Aisle shopping assistant.",
        lifespan=lifespan,
    )

    @app.exception_handler(RecsysError)
    async def recsys_error(request: Request, exc: RecsysError) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content=exc.to_dict())

    @app.get("/healthz", response_model_exclude_none=True)
    async def healthz() -> Status:
        """Liveness: the process answers."""
        return Status(status="ok")

    @app.get("/readyz", responses={503: {"description": "no model loaded yet"}})
    async def readyz(recommender: RecommenderDep) -> Status:
        """Readiness: 200 with the artifact version once a model is loaded, else 503."""
        version = recommender.version()
        if version is None:
            raise NoModelLoaded("no model loaded yet")
        return Status(status="ready", version=version)

    @app.post("/admin/reload")
    async def reload(recommender: RecommenderDep) -> Status:
        """Look at the CURRENT pointer now and load a new artifact if there is one."""
        version = await anyio.to_thread.run_sync(recommender.reload)
        return Status(status="ok", version=version)

    # The four calls take well under a millisecond of CPU and never load an artifact
    # (the watcher does), so they run on the event loop without a thread-pool hop.
    @app.post("/recommend", response_model=Recommendations)
    async def recommend(body: RecommendRequest, recommender: RecommenderDep) -> Response:
        """Personal recommendations (popular items, saying so, for an unknown user)."""
        items = recommender.recommend(
            body.user_id, body.n, body.filters, body.exclude_purchased, body.model
        )
        return _json(Recommendations(items=items, version=recommender.version()))

    @app.post("/similar-items", response_model=Recommendations)
    async def similar_items(body: ItemRequest, recommender: RecommenderDep) -> Response:
        """Items similar to a product (empty for an unknown product)."""
        items = recommender.similar_items(body.product_id, body.n, body.filters, body.model)
        return _json(Recommendations(items=items, version=recommender.version()))

    @app.post("/bought-together", response_model=Recommendations)
    async def bought_together(body: ItemRequest, recommender: RecommenderDep) -> Response:
        """Items bought in the same orders as a product, with the number of orders."""
        items = recommender.bought_together(body.product_id, body.n, body.filters)
        return _json(Recommendations(items=items, version=recommender.version()))

    @app.post("/recommend-for-session", response_model=Recommendations)
    async def recommend_for_session(body: SessionRequest, recommender: RecommenderDep) -> Response:
        """Recommendations for an anonymous shopper from the products seen in this chat."""
        items = recommender.recommend_for_session(
            body.product_ids_seen, body.n, body.filters, body.model
        )
        return _json(Recommendations(items=items, version=recommender.version()))

    @app.post("/next-after-basket", response_model=Recommendations)
    async def next_after_basket(body: BasketRequest, recommender: RecommenderDep) -> Response:
        """What people add next to a basket holding these products (never those products)."""
        items = recommender.next_after_basket(body.product_ids, body.n, body.filters)
        return _json(Recommendations(items=items, version=recommender.version()))

    @app.post("/events")
    def events(body: EventsRequest, recommender: RecommenderDep) -> Recorded:
        """Store shopper events for the next training."""
        return Recorded(recorded=recommender.record(body.events))

    @app.post("/forget/{user_id:path}")
    def forget(user_id: str, recommender: RecommenderDep) -> Forgotten:
        """Delete a shopper's interactions; their history stops shaping results at once."""
        return Forgotten(user_id=user_id, removed=recommender.forget(user_id))

    return app
