"""Dependency aliases for routes: the parts and services the app's lifespan built, by type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from assistant import CircuitBreaker
from recsys import Recommender
from retrieval import ProductSearch
from web.chat.events import EventRecorder
from web.chat.gateway import Gateway
from web.chat.hub import ConversationHub
from web.chat.staff import StaffDesk
from web.errors import Unavailable
from web.parts import Parts
from web.settings import WebSettings
from web.shoppers import ShopperTokens

__all__ = [
    "CatalogBreakerDep",
    "EventsDep",
    "GatewayDep",
    "HubDep",
    "PartsDep",
    "RecommenderBreakerDep",
    "RecommenderDep",
    "SearchDep",
    "SettingsDep",
    "ShopperTokensDep",
    "StaffDeskDep",
]


class Starting(Unavailable):
    """The app's lifespan has not built its parts yet."""


def get_settings(conn: HTTPConnection) -> WebSettings:
    """The app's settings."""
    settings: WebSettings = conn.app.state.settings
    return settings


def get_parts(conn: HTTPConnection) -> Parts:
    """The parts the lifespan built.

    Raises:
        Starting: not yet.
    """
    parts: Parts | None = getattr(conn.app.state, "parts", None)
    if parts is None:
        raise Starting("the server is starting", retry_after=5)
    return parts


def get_gateway(conn: HTTPConnection) -> Gateway:
    """The chat gateway."""
    gateway: Gateway = conn.app.state.gateway
    return gateway


SettingsDep = Annotated[WebSettings, Depends(get_settings)]
PartsDep = Annotated[Parts, Depends(get_parts)]
GatewayDep = Annotated[Gateway, Depends(get_gateway)]


def get_search(parts: PartsDep) -> ProductSearch | None:
    """The catalog (None: the app runs without one)."""
    return parts.search


def get_recommender(parts: PartsDep) -> Recommender | None:
    """The recommender (None: recsys is not available)."""
    return parts.recommender


def get_hub(parts: PartsDep) -> ConversationHub:
    """The conversation hub."""
    return parts.hub


def get_catalog_breaker(parts: PartsDep) -> CircuitBreaker:
    """The catalog's circuit breaker (shop API calls)."""
    return parts.catalog_breaker


def get_recommender_breaker(parts: PartsDep) -> CircuitBreaker:
    """The recommender's circuit breaker (shop API calls)."""
    return parts.recommender_breaker


def get_events(gateway: GatewayDep) -> EventRecorder:
    """Records product events for recsys and the transcript."""
    return gateway.events


def get_staff_desk(gateway: GatewayDep) -> StaffDesk:
    """Staff actions on live conversations."""
    return gateway.staff


def get_shopper_tokens(gateway: GatewayDep) -> ShopperTokens:
    """The shopper token verifier."""
    return gateway.sessions.shopper_tokens


SearchDep = Annotated[ProductSearch | None, Depends(get_search)]
RecommenderDep = Annotated[Recommender | None, Depends(get_recommender)]
HubDep = Annotated[ConversationHub, Depends(get_hub)]
CatalogBreakerDep = Annotated[CircuitBreaker, Depends(get_catalog_breaker)]
RecommenderBreakerDep = Annotated[CircuitBreaker, Depends(get_recommender_breaker)]
EventsDep = Annotated[EventRecorder, Depends(get_events)]
StaffDeskDep = Annotated[StaffDesk, Depends(get_staff_desk)]
ShopperTokensDep = Annotated[ShopperTokens, Depends(get_shopper_tokens)]
