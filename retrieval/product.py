"""The catalog's data contract: products, search filters, hits, pages and facets."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

# Prices are decimals in the contract but travel as JSON numbers, which is what
# every client (and JavaScript) expects.
Price = Annotated[
    Decimal, Field(ge=0), PlainSerializer(lambda d: float(d), return_type=float, when_used="json")
]

SearchMode = Literal["hybrid", "keyword", "vector"]
BrowseOrder = Literal["default", "price_asc", "price_desc", "rating_desc", "popularity"]


def normalize_category(path: str) -> str:
    """Canonical form of a category path: `A > B > C`, single spaces, no empty parts."""
    return " > ".join(p for p in (part.strip() for part in path.split(">")) if p)


class Product(BaseModel):
    """One catalog row, as DESIGN.md defines it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    brand: str = ""
    category: str = ""
    price: Price
    currency: str = "USD"
    in_stock: bool = True
    rating: float | None = Field(default=None, ge=0, le=5)
    rating_count: int = Field(default=0, ge=0)
    image_url: str = ""
    url: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)

    @field_validator("category")
    @classmethod
    def _canonical_category(cls, value: str) -> str:
        return normalize_category(value)


class SearchFilters(BaseModel):
    """Structured constraints applied inside the index, before any top-k cut."""

    model_config = ConfigDict(extra="forbid")

    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)
    brands: list[str] | None = None
    category: str | None = Field(
        default=None, description="category path prefix, e.g. 'Home > Candles'"
    )
    in_stock: bool | None = None
    min_rating: float | None = Field(default=None, ge=0, le=5)
    attributes: dict[str, str] = Field(default_factory=dict)
    exclude_terms: list[str] = Field(
        default_factory=list,
        description="words no result may carry in its title, brand, category or attributes "
        "(read by the catalog's analyzer: 'glass' also excludes 'Glasses')",
    )
    exclude_brands: list[str] = Field(default_factory=list, description="brands to leave out")
    exclude_categories: list[str] = Field(
        default_factory=list, description="category path prefixes to leave out"
    )
    order: BrowseOrder = Field(
        default="default",
        description="how an empty query lists the filtered catalog (a query ranks by relevance)",
    )

    def is_empty(self) -> bool:
        """True when no constraint is set."""
        return self.model_copy(update={"order": "default"}) == SearchFilters()


class Hit(BaseModel):
    """A product in a result list, with its fused score and the channels that found it."""

    product: Product
    score: float
    channels: list[Literal["keyword", "vector", "browse"]]


class FacetCount(BaseModel):
    """One value of a facet and how many results carry it."""

    value: str
    count: int


class Facets(BaseModel):
    """Counts over a result set: by top-level and full category, brand and price band."""

    category: list[FacetCount]
    brand: list[FacetCount]
    price_band: list[FacetCount]
    total: int


class SearchPage(BaseModel):
    """One page of results for a query."""

    query: str
    corrected_query: str | None = None
    mode: SearchMode = "hybrid"
    hits: list[Hit]
    offset: int = 0
    facets: Facets | None = None


class IndexStats(BaseModel):
    """What the live index holds."""

    products: int
    active: int
    collection: str | None
    model: str


class Vocabulary(BaseModel):
    """The catalog's own words for constraints: what a shopper can name and filter on."""

    categories: dict[str, int] = Field(description="every category path and prefix, with counts")
    brands: dict[str, int]
    attributes: dict[str, dict[str, int]] = Field(description="attribute name -> value -> count")
    price_min: float
    price_max: float
    currency: str
    products: int
