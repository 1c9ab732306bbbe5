"""The shop's side: the REST API beside the chat, and the demo storefront."""

from web.shop.api import router as api_router
from web.shop.storefront import router as storefront_router

__all__ = ["api_router", "storefront_router"]
