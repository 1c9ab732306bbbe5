"""The retrieval pod: search, lookup and facets over HTTP (`python -m retrieval`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from retrieval.errors import ProductNotFound, RetrievalError
from retrieval.hybrid import MAX_PAGE, ProductSearch
from retrieval.product import (
    Facets,
    IndexStats,
    Product,
    SearchFilters,
    SearchMode,
    SearchPage,
    Vocabulary,
)
from retrieval.settings import RetrievalSettings

log = logging.getLogger(__name__)


class SearchRequest(BaseModel):
    """Body of POST /search."""

    query: str = ""
    filters: SearchFilters | None = None
    k: int = Field(10, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0)
    mode: SearchMode = "hybrid"
    facets: bool = False


class FacetsRequest(BaseModel):
    """Body of POST /facets."""

    query: str = ""
    filters: SearchFilters | None = None


class ProductsRequest(BaseModel):
    """Body of POST /products:batch."""

    ids: list[str] = Field(max_length=1000)


def _build(settings: RetrievalSettings) -> ProductSearch:
    from retrieval import make_search

    return make_search(settings)


def get_search(request: Request) -> ProductSearch:
    """The search built in the lifespan."""
    search: ProductSearch = request.app.state.search
    return search


SearchDep = Annotated[ProductSearch, Depends(get_search)]


def create_app(settings: RetrievalSettings, search: ProductSearch | None = None) -> FastAPI:
    """The retrieval app; `search` is built from settings in the lifespan unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.search = search or await run_in_threadpool(_build, settings)
        try:  # warm the index so the first shopper does not pay for loading it
            await run_in_threadpool(app.state.search.stats)
        except RetrievalError as e:
            log.warning("catalog not ready at start: %s", e.message)
        yield

    app = FastAPI(title="Aisle retrieval", version="1", lifespan=lifespan)

    @app.exception_handler(RetrievalError)
    async def _error(_: Request, exc: RetrievalError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=IndexStats)
    def readyz(search: SearchDep) -> IndexStats:
        """Readiness: the store answers and a catalog version is loaded."""
        return search.stats()

    @app.post("/search", response_model=SearchPage)
    def search_products(body: SearchRequest, search: SearchDep) -> SearchPage:
        """Hybrid (or keyword-only, vector-only) search with filters and optional facets."""
        return search.search(body.query, body.filters, body.k, body.offset, body.mode, body.facets)

    @app.post("/facets", response_model=Facets)
    def facets(body: FacetsRequest, search: SearchDep) -> Facets:
        """Counts by category, brand and price band over a query's results."""
        return search.facets(body.query, body.filters)

    @app.get("/vocabulary", response_model=Vocabulary)
    def vocabulary(search: SearchDep) -> Vocabulary:
        """Categories, brands, attribute values and the price range of the catalog."""
        return search.vocabulary()

    @app.get("/products/{product_id}", response_model=Product)
    def get_product(product_id: str, search: SearchDep) -> Product:
        """One product by id; 404 when the catalog does not carry it."""
        product = search.get(product_id)
        if product is None:
            raise ProductNotFound(f"no product with id {product_id!r}")
        return product

    @app.post("/products:batch", response_model=list[Product])
    def get_products(body: ProductsRequest, search: SearchDep) -> list[Product]:
        """The products the catalog carries among the ids, in their order."""
        return search.get_many(body.ids)

    return app
