"""What the assistant sends and gets back: filters, recommendations and their reasons."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Fallback", "Filters", "Reason", "ReasonCode", "Recommendation"]

ReasonCode = Literal[
    "popular",
    "popular_in_category",
    "bought_together",
    "because_you_bought",
    "because_you_viewed",
    "because_you_looked_at",
    "sequence",
    "goes_with_basket",
    "similar_item",
    "similar_customers",
]
# Why a list fell back to popularity: the shopper is unknown, was forgotten, brought no
# usable history, or the model ran out of candidates and popularity filled the rest.
Fallback = Literal["unknown_user", "forgotten_user", "no_history", "backfill"]


class Filters(BaseModel):
    """Constraints the assistant passes through; a result never violates one.

    `category` matches a path prefix by whole segments, case-insensitively:
    "Home Decor" matches "Home Decor > Candles & Holders" but not "Home Decorations".
    Items whose metadata is unknown fail every filter that needs it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    in_stock: bool | None = None
    category: str | None = None
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered_prices(self) -> Filters:
        if (
            self.price_min is not None
            and self.price_max is not None
            and self.price_min > self.price_max
        ):
            raise ValueError("price_min must not exceed price_max")
        return self

    @property
    def empty(self) -> bool:
        """True when no constraint is set."""
        return (
            self.in_stock is None
            and not self.category
            and self.price_min is None
            and self.price_max is None
        )


class Reason(BaseModel):
    """A short machine-readable reason: a code, its parameters and the rendered text.

    Example: ``{"code": "bought_together", "product_id": "85123A", "count": 42,
    "text": "bought together with WHITE HANGING HEART T-LIGHT HOLDER in 42 orders"}``.
    A sequence reason names its steps in time order: ``{"code": "sequence",
    "product_ids": ["22423", "85123A"], "product_id": "85123A", "text": "because you viewed
    REGENCY CAKESTAND 3 TIER, then WHITE HANGING HEART T-LIGHT HOLDER"}``.
    """

    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    text: str
    product_id: str | None = None
    product_ids: list[str] | None = None
    count: int | None = None
    category: str | None = None
    fallback: Fallback | None = None


class Recommendation(BaseModel):
    """One recommended product with its score (higher is better, per list) and reason."""

    model_config = ConfigDict(frozen=True)

    product_id: str
    score: float
    reason: Reason
