"""The demo storefront (demo mode only): its pages, and a stand-in for the shop's token signer."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from web.deps import SettingsDep, ShopperTokensDep
from web.errors import NotFound

__all__ = ["STATIC_DIR", "router"]

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
STOREFRONT = STATIC_DIR / "storefront.html"

router = APIRouter(include_in_schema=False)


class DemoShopper(BaseModel):
    """Whom the demo storefront signs in as."""

    shopper_id: str = Field(pattern=r"^[\w.@:+-]{1,128}$")


@router.get("/")
def home(settings: SettingsDep) -> Response:
    """The demo storefront (demo mode), else what the service offers."""
    if settings.demo and STOREFRONT.exists():
        return FileResponse(STOREFRONT, media_type="text/html")
    return JSONResponse(
        {"service": "aisle", "chat": "/ws/chat", "protocol": "/protocol/v1.schema.json"}
    )


@router.get("/products/{product_id}")
def product_page(product_id: str, settings: SettingsDep) -> Response:
    """The storefront's product view (the page reads the id from its URL)."""
    if settings.demo and STOREFRONT.exists():
        return FileResponse(STOREFRONT, media_type="text/html")
    raise NotFound("no storefront")


@router.post("/demo/shopper-token")
async def demo_shopper_token(
    body: DemoShopper, settings: SettingsDep, tokens: ShopperTokensDep
) -> JSONResponse:
    """Demo mode only: the demo server plays the shop's backend and signs a shopper token."""
    if not settings.demo:
        raise NotFound("demo only")
    token = tokens.issue(body.shopper_id, ttl_s=3600)
    return JSONResponse({"token": token, "expires_in": 3600})
