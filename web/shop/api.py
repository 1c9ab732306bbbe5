"""REST beside the socket: product search and lookup, recommendations and storefront events."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from assistant import CircuitBreaker, PartDown, ProductCard
from recsys import Filters, Recommendation
from retrieval import (
    BadQuery,
    IndexNotReady,
    Product,
    ProductNotFound,
    ProductSearch,
    RetrievalError,
    SearchFilters,
)
from web import deps
from web.errors import ErrorCode, InvalidRequest, NotFound, Unauthenticated, Unavailable, WebError
from web.experiments import Assignment
from web.shop.experiments import arm_call, assign_row, reward, served, unheld

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["shop"])


def get_catalog(search: deps.SearchDep) -> ProductSearch:
    """The catalog.

    Raises:
        Unavailable: 503, the app runs without one.
    """
    if search is None:
        raise Unavailable("this server has no catalog", "catalog_unavailable")
    return search


SearchDep = Annotated[ProductSearch, Depends(get_catalog)]
RecommenderDep = deps.RecommenderDep


class ProductPage(BaseModel):
    """A page of products."""

    items: list[Product]
    query: str
    corrected_query: str | None = None
    offset: int
    has_more: bool
    total: int = Field(description="results known so far: offset + items (+1 when has_more)")


class Cards(BaseModel):
    """Recommended products as cards: catalog fields plus the recommender's reason."""

    items: list[ProductCard]
    kind: str
    arm: str | None = Field(
        default=None, description="the experiment arm (recommender model) that served the row"
    )


class ShopEvent(BaseModel):
    """A browsing event from the storefront outside the chat."""

    name: Literal["view", "click", "cart"]
    product_id: str = Field(min_length=1, max_length=128)
    session_id: str | None = Field(default=None, min_length=1, max_length=128)
    shopper_id: str | None = Field(default=None, min_length=1, max_length=128)


_bearer = HTTPBearer(
    auto_error=False,
    description="a shopper token the shop's backend signed (web/static/README.md)",
)


def shopper_of(
    tokens: deps.ShopperTokensDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The verified shopper of `Authorization: Bearer <shopper token>`, or None (anonymous).

    Raises:
        BadShopperToken: 401, a token was sent that does not verify.
    """
    if credentials is None:
        return None
    return tokens.verify(credentials.credentials)


ShopperDep = Annotated[str | None, Depends(shopper_of)]


def _claimed(claimed: str | None, verified: str | None) -> str | None:
    """A shopper id named in a request counts only when the bearer token says the same."""
    if claimed is not None and claimed != verified:
        raise Unauthenticated(
            "shopper_id counts only with a shopper token for that shopper "
            "(Authorization: Bearer); leave it out for anonymous picks",
            "shopper_unverified",
        )
    return verified


def _catalog(request: Request) -> CircuitBreaker:
    return deps.get_parts(request).catalog_breaker


def _recsys(request: Request) -> CircuitBreaker:
    return deps.get_parts(request).recommender_breaker


def _budget(request: Request) -> float:
    return deps.get_settings(request).api_timeout_s


# How long a client should wait before asking a part that is down again.
RETRY_AFTER_S = 5.0


def _down(code: ErrorCode, what: str, e: Exception) -> Unavailable:
    """503 at once: the part timed out or its breaker is open (it is known to be down)."""
    why = "does not answer" if isinstance(e, TimeoutError | PartDown) else "failed"
    return Unavailable(f"{what} {why}; try again shortly", code, retry_after=RETRY_AFTER_S)


def _catalog_error(e: RetrievalError) -> WebError:
    """The catalog's refusal as the shop API's error (the catalog's own codes)."""
    if isinstance(e, BadQuery):
        return InvalidRequest(e.message, "bad_query")
    if isinstance(e, ProductNotFound):
        return NotFound(e.message)
    code: ErrorCode = "index_not_ready" if isinstance(e, IndexNotReady) else "catalog_unavailable"
    return Unavailable(e.message, code, retry_after=RETRY_AFTER_S)


@router.get("/search", response_model=ProductPage)
async def search_products(
    search: SearchDep,
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str | None, Query(max_length=200)] = None,
    price_min: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
    price_max: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
    in_stock: bool | None = None,
    k: Annotated[int, Query(ge=1, le=48)] = 24,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> ProductPage:
    """Search the catalog (an empty query browses it), with filters."""
    filters = SearchFilters(
        category=category, price_min=price_min, price_max=price_max, in_stock=in_stock
    )
    try:
        page = await _catalog(request).run(
            _budget(request), search.search, q, filters, k + 1, offset
        )
    except RetrievalError as e:
        raise _catalog_error(e) from e
    except (TimeoutError, PartDown) as e:
        raise _down("catalog_unavailable", "the catalog", e) from e
    items = [h.product for h in page.hits]
    has_more = len(items) > k
    items = items[:k]
    return ProductPage(
        items=items,
        query=page.query,
        corrected_query=page.corrected_query,
        offset=offset,
        has_more=has_more,
        total=offset + len(items) + (1 if has_more else 0),
    )


@router.get("/products/{product_id}", response_model=Product)
async def get_product(product_id: str, search: SearchDep, request: Request) -> Product:
    """One product by id."""
    try:
        product = await _catalog(request).run(_budget(request), search.get, product_id)
    except RetrievalError as e:
        raise _catalog_error(e) from e
    except (TimeoutError, PartDown) as e:
        raise _down("catalog_unavailable", "the catalog", e) from e
    if product is None:
        raise NotFound(f"the shop does not carry {product_id!r}")
    return product


async def _cards(
    request: Request, search: ProductSearch, recs: list[Recommendation]
) -> list[ProductCard]:
    try:
        products = await _catalog(request).run(
            _budget(request), search.get_many, [r.product_id for r in recs]
        )
    except (TimeoutError, PartDown, RetrievalError) as e:
        raise _down("catalog_unavailable", "the catalog", e) from e
    by_id = {p.id: p for p in products}
    cards: list[ProductCard] = []
    for rec in recs:
        p = by_id.get(rec.product_id)
        if p is None:
            continue  # never show what the catalog does not carry
        cards.append(
            ProductCard(
                id=p.id,
                title=p.title,
                price=float(p.price),
                currency=p.currency,
                image_url=p.image_url,
                rating=p.rating,
                in_stock=p.in_stock,
                url=p.url,
                reason=rec.reason.text,
            )
        )
    return cards


@router.get("/recommendations", response_model=Cards)
async def recommendations(
    search: deps.SearchDep,
    request: Request,
    recommender: RecommenderDep,
    shopper: ShopperDep,
    product_id: Annotated[str | None, Query(max_length=128)] = None,
    kind: Literal["similar", "bought_together"] = "similar",
    seen: Annotated[str | None, Query(max_length=2000, description="comma-separated ids")] = None,
    shopper_id: Annotated[
        str | None, Query(max_length=128, description="only with that shopper's bearer token")
    ] = None,
    in_stock: bool | None = True,
    n: Annotated[int, Query(ge=1, le=24)] = 8,
    session_id: Annotated[
        str | None, Query(max_length=64, description="the browsing session (experiments)")
    ] = None,
) -> Cards:
    """Similar or bought-together items of a product, or picks for a shopper or session.

    Personal picks need the shopper's token (`Authorization: Bearer`); without one the
    picks come from the products seen in this session. With a `session_id`, the row's
    strategy is the session's experiment arm, and the row is recorded as an impression.
    """
    shopper_id = _claimed(shopper_id, shopper)
    if recommender is None:
        return Cards(items=[], kind="unavailable")
    filters = Filters(in_stock=in_stock)
    guarded, budget = _recsys(request), _budget(request)
    # bought_together lists real co-purchases: a fact, not a strategy to experiment on.
    placement = (
        None
        if kind == "bought_together" and product_id
        else ("shop_similar" if product_id else "shop_for_you")
    )
    arm = await assign_row(request, placement, session_id, bool(shopper_id)) if placement else None

    async def fetch(assignment: Assignment | None) -> tuple[list[Recommendation], str]:
        if product_id:
            call: Any = (
                recommender.similar_items if kind == "similar" else recommender.bought_together
            )
            return await guarded.run(
                budget, arm_call(call, assignment), product_id, n, filters
            ), kind
        if shopper_id:
            call = arm_call(recommender.recommend, assignment)
            return await guarded.run(budget, call, shopper_id, n, filters), "for_shopper"
        ids = [s for s in (seen or "").split(",") if s][:40]
        call = arm_call(recommender.recommend_for_session, assignment)
        return await guarded.run(budget, call, ids, n, filters), "for_session"

    try:
        try:
            recs, label = await fetch(arm)
        except Exception as e:
            if arm is None or not unheld(e):
                raise
            log.warning("arm %s is not in the served artifact; serving its model", arm.arm)
            arm = None
            recs, label = await fetch(None)
    except Exception as e:
        raise _down("recsys_unavailable", "the recommender", e) from e
    cards = await _cards(request, get_catalog(search), recs)
    served(request, arm, session_id, [c.id for c in cards])
    return Cards(items=cards, kind=label, arm=arm.arm if arm else None)


@router.post("/events", status_code=202)
async def shop_event(
    event: ShopEvent, request: Request, events: deps.EventsDep, shopper: ShopperDep
) -> JSONResponse:
    """A storefront event (view, click, add to cart) for the recommender.

    It counts for a shopper only with their token (`Authorization: Bearer`); otherwise it
    belongs to the session.
    """
    shopper_id = _claimed(event.shopper_id, shopper)
    if not (event.session_id or shopper_id):
        raise InvalidRequest("session_id or shopper_id is required")
    # Outside a chat: recsys learns it for the shopper, else for the storefront session.
    actor = shopper_id or f"session:{event.session_id}"
    await events.record(actor, event.name, event.product_id)
    await reward(request, event.session_id, event.name, event.product_id)
    return JSONResponse({"accepted": 1}, status_code=202)
