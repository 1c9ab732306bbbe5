"""What a conversation carries between turns: the compact state, the history and a request.

The assistant keeps nothing between requests. The caller sends the state it got
back from the previous turn (a small JSON object), so any replica can serve any turn.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from retrieval import SearchFilters

__all__ = [
    "MAX_SEEN",
    "ChatMessage",
    "Constraints",
    "ConversationState",
    "ProductFilters",
    "SortOrder",
    "TurnRequest",
]

SortOrder = Literal["relevance", "price_asc", "price_desc", "rating_desc", "popularity"]
MAX_SEEN = 40


class ProductFilters(BaseModel):
    """Conditions every product shown must satisfy."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(default=None, description="category path prefix")
    brands: list[str] = Field(default_factory=list)
    attributes: dict[str, str] = Field(
        default_factory=dict, description="color, material, pack_size ..."
    )
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)
    in_stock: bool | None = None
    min_rating: float | None = Field(default=None, ge=0, le=5)
    sort: SortOrder = "relevance"
    exclude: list[str] = Field(
        default_factory=list,
        description="words a result's title, brand, category or attributes must not have "
        "('red', 'glass', 'cards')",
    )
    exclude_brands: list[str] = Field(default_factory=list, description="brands to leave out")
    exclude_categories: list[str] = Field(
        default_factory=list, description="category path prefixes to leave out"
    )
    prefer: list[str] = Field(
        default_factory=list,
        description="what or whom the product is for ('canon printer', 'women'): products "
        "carrying these words come first; none is required",
    )
    avoid: list[str] = Field(
        default_factory=list,
        description="marks of products made for someone else ('men' when the shopper wants "
        "women's): products carrying these and none of `prefer` are left out while others "
        "remain",
    )

    def search_filters(self) -> SearchFilters:
        """The part the index applies itself."""
        return SearchFilters(
            price_min=self.price_min,
            price_max=self.price_max,
            brands=self.brands or None,
            category=self.category,
            in_stock=self.in_stock,
            min_rating=self.min_rating,
            attributes=dict(self.attributes),
            exclude_terms=list(self.exclude),
            exclude_brands=list(self.exclude_brands),
            exclude_categories=list(self.exclude_categories),
            order="default" if self.sort == "relevance" else self.sort,
        )

    def is_empty(self) -> bool:
        """True when nothing constrains."""
        return self == ProductFilters()

    def describe(self, currency_symbol: str = "£") -> str:
        """A short human phrase for the filters, e.g. 'red, under £5, in stock'."""
        parts: list[str] = []
        parts += [v for k, v in sorted(self.attributes.items()) if k != "pack_size"]
        if "pack_size" in self.attributes:
            parts.append(f"in packs of {self.attributes['pack_size']}")
        parts += self.brands
        lo, hi = self.price_min, self.price_max
        if lo is not None and hi is not None:
            parts.append(f"between {currency_symbol}{lo:.2f} and {currency_symbol}{hi:.2f}")
        elif hi is not None:
            parts.append(f"up to {currency_symbol}{hi:.2f}")
        elif lo is not None:
            parts.append(f"from {currency_symbol}{lo:.2f}")
        if self.in_stock:
            parts.append("in stock")
        if self.min_rating is not None:
            parts.append(f"rated {self.min_rating:g}+")
        gone = [*self.exclude_brands, *(c.split(">")[-1].strip() for c in self.exclude_categories)]
        gone += [w for w in self.exclude if not any(w in g.lower() for g in gone)]
        # A whole kind ("nuts": almond, cashew ...) is named by its first words.
        parts += [f"no {w}" for w in gone[:3]] + (["and more"] if len(gone) > 3 else [])
        return ", ".join(parts)


class Constraints(ProductFilters):
    """The shopper's active request: product words plus the conditions on results."""

    query: str = Field(default="", description="product words, e.g. 'heart candle holder'")

    def filters(self) -> ProductFilters:
        """The conditions without the product words."""
        return ProductFilters.model_validate(self.model_dump(exclude={"query"}))

    def is_empty(self) -> bool:
        """True when the shopper has asked for nothing yet."""
        return self == Constraints()


class ConversationState(BaseModel):
    """The compact, JSON-serialisable memory of one conversation."""

    model_config = ConfigDict(extra="ignore")

    conversation_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    turn: int = Field(default=0, ge=0, description="turns answered so far")
    constraints: Constraints = Field(default_factory=Constraints)
    shown: list[str] = Field(default_factory=list, description="ids shown last, in order")
    shown_prices: list[float] = Field(default_factory=list, description="their prices then")
    seen: list[str] = Field(
        default_factory=list, description="ids shown or talked about, newest last"
    )
    focus: str | None = Field(default=None, description="the product 'it' refers to")
    pending: str | None = Field(
        default=None, description="a clarifying question awaiting its answer"
    )
    last_intent: str | None = None
    offset: int = Field(
        default=0, ge=0, description="results already paged past for the active query"
    )

    def remember(self, product_ids: list[str]) -> None:
        """Add products to `seen` (most recent last, without repeats, capped)."""
        for pid in product_ids:
            if pid in self.seen:
                self.seen.remove(pid)
            self.seen.append(pid)
        del self.seen[:-MAX_SEEN]


class ChatMessage(BaseModel):
    """One message of the visible history."""

    role: Literal["user", "assistant"]
    content: str


class TurnRequest(BaseModel):
    """One turn: the shopper's message plus what the caller kept of the conversation."""

    message: str
    state: ConversationState | None = None
    history: list[ChatMessage] = Field(default_factory=list)
    user_id: str | None = Field(
        default=None, description="the signed-in shopper, set by the gateway, never by the message"
    )
    arms: dict[str, str] = Field(
        default_factory=dict,
        description="experiment arm (recommender model) per chat placement, set by the gateway",
    )
