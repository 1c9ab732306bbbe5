"""The catalog in memory and in store records: one place that defines what a filter means.

A filter is applied twice, to the vector store (`where_clause`) and to the
keyword channel (`CatalogTable.mask`); both are built here from the same
record fields so that they always agree.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.analyzer import Analyzer
from retrieval.product import (
    FacetCount,
    Facets,
    Product,
    SearchFilters,
    Vocabulary,
    normalize_category,
)
from retrieval.store import Where

MAX_CATEGORY_DEPTH = 6
_WORDS = re.compile(r"[a-z]+")
Mask = npt.NDArray[np.bool_]
# Bump when what gets embedded changes, so that re-ingest re-embeds everything.
TEXT_VERSION = "1"


def attribute_key(name: str) -> str:
    """Store key of an attribute: `a_` and the name in lower snake case."""
    return "a_" + re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def category_prefixes(category: str) -> list[str]:
    """`A > B > C` -> ["a", "a > b", "a > b > c"] (lower case), capped at the max depth."""
    parts = [p.lower() for p in normalize_category(category).split(" > ") if p]
    return [" > ".join(parts[: i + 1]) for i in range(min(len(parts), MAX_CATEGORY_DEPTH))]


def embedding_text(product: Product, max_description_chars: int) -> str:
    """What the vector channel sees of a product."""
    parts = [product.title, product.brand, product.category.replace(" > ", ", ")]
    if product.description and max_description_chars:
        parts.append(product.description[:max_description_chars])
    if product.attributes:
        parts.append(", ".join(f"{k} {v}" for k, v in sorted(product.attributes.items())))
    return "\n".join(p for p in parts if p)


def keyword_fields(product: Product) -> dict[str, str]:
    """What the keyword channel sees of a product, by field."""
    return {
        "title": product.title,
        "brand": product.brand,
        "category": product.category.replace(" > ", " "),
        "description": product.description,
        "attributes": " ".join(product.attributes.values()),
    }


def content_hash(product: Product, model: str, max_description_chars: int) -> str:
    """Hash of everything that decides a product's record; equal hash, nothing to redo."""
    payload = product.model_dump_json() + "\0" + model + "\0" + TEXT_VERSION
    payload += "\0" + str(max_description_chars)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def to_metadata(product: Product, digest: str, active: bool = True) -> dict[str, Any]:
    """The flat record a store keeps: the product itself plus the fields filters use.

    `rec` is the content hash, a space, and the product as JSON. Keys a filter
    would only compare against an empty value (no rating, no brand) are left
    out: a missing key fails `$gte` and `$in` just as the mask does, and every
    key costs the store time on each write.
    """
    meta: dict[str, Any] = {
        "rec": f"{digest} {product.model_dump_json()}",
        "active": active,
        "price": float(product.price),
        "in_stock": product.in_stock,
    }
    if product.rating is not None:
        meta["rating"] = float(product.rating)
    if product.brand.strip():
        meta["brand"] = product.brand.strip().lower()
    for depth, prefix in enumerate(category_prefixes(product.category), start=1):
        meta[f"cat{depth}"] = prefix
    for name, value in product.attributes.items():
        meta[attribute_key(name)] = value.strip().lower()
    return meta


def record_hash(meta: dict[str, Any]) -> str:
    """The content hash a record was written with."""
    return str(meta.get("rec", "")).partition(" ")[0]


def from_metadata(meta: dict[str, Any]) -> Product:
    """The product a record holds."""
    # Records written before the hash moved into `rec` keep the product in `p`.
    raw = str(meta["rec"]).partition(" ")[2] if "rec" in meta else str(meta["p"])
    return Product.model_validate(json.loads(raw))


def where_clause(filters: SearchFilters | None, *, active_only: bool = True) -> Where | None:
    """The Chroma `where` for a filter (None when nothing constrains)."""
    conds: list[Where] = [{"active": True}] if active_only else []
    f = filters or SearchFilters()
    if f.price_min is not None:
        conds.append({"price": {"$gte": float(f.price_min)}})
    if f.price_max is not None:
        conds.append({"price": {"$lte": float(f.price_max)}})
    if f.brands:
        conds.append({"brand": {"$in": [b.strip().lower() for b in f.brands]}})
    if f.category:
        prefixes = category_prefixes(f.category)
        if prefixes:
            conds.append({f"cat{len(prefixes)}": prefixes[-1]})
    if f.in_stock is not None:
        conds.append({"in_stock": f.in_stock})
    if f.min_rating is not None:
        conds.append({"rating": {"$gte": float(f.min_rating)}})
    for name, value in sorted(f.attributes.items()):
        conds.append({attribute_key(name): value.strip().lower()})
    if f.exclude_brands:
        conds.append({"brand": {"$nin": [b.strip().lower() for b in f.exclude_brands]}})
    for path in f.exclude_categories:
        prefixes = category_prefixes(path)
        if prefixes:
            conds.append({f"cat{len(prefixes)}": {"$ne": prefixes[-1]}})
    # Excluded terms have no Chroma form: the caller filters vector hits by `mask`.
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


class CatalogTable:
    """Products of the live collection as columns, for masks, facets and lookup."""

    def __init__(self, products: Sequence[Product], active: Sequence[bool]) -> None:
        self.products = list(products)
        self.index = {p.id: i for i, p in enumerate(self.products)}
        self.active: Mask = np.asarray(active, dtype=bool)
        # Most catalogs have no product marked gone: then the store needs no filter for it.
        self.all_active = bool(self.active.all())
        self.price = np.asarray([float(p.price) for p in self.products], dtype=np.float64)
        self.in_stock: Mask = np.asarray([p.in_stock for p in self.products], dtype=bool)
        self.rating = np.asarray(
            [-1.0 if p.rating is None else p.rating for p in self.products], dtype=np.float64
        )
        self.brand = np.asarray([p.brand.strip().lower() for p in self.products], dtype=object)
        self._cats = [category_prefixes(p.category) for p in self.products]
        self._cat_levels = [
            np.asarray([c[d] if len(c) > d else "" for c in self._cats], dtype=object)
            for d in range(MAX_CATEGORY_DEPTH)
        ]
        self._attrs = [
            {attribute_key(k): v.strip().lower() for k, v in p.attributes.items()}
            for p in self.products
        ]
        self._postings: dict[str, np.ndarray] = {}
        self._analyzer: Analyzer | None = None

    def __len__(self) -> int:
        return len(self.products)

    def mask(self, filters: SearchFilters | None, *, active_only: bool = True) -> Mask:
        """Which products pass the filter; the same semantics as `where_clause`."""
        m: Mask = self.active.copy() if active_only else np.ones(len(self), dtype=bool)
        f = filters or SearchFilters()
        if f.price_min is not None:
            m &= self.price >= f.price_min
        if f.price_max is not None:
            m &= self.price <= f.price_max
        if f.brands:
            m &= np.isin(self.brand, [b.strip().lower() for b in f.brands])
        if f.category:
            prefixes = category_prefixes(f.category)
            if prefixes:
                m &= self._cat_levels[len(prefixes) - 1] == prefixes[-1]
        if f.in_stock is not None:
            m &= self.in_stock == f.in_stock
        if f.min_rating is not None:
            m &= self.rating >= f.min_rating
        for name, value in f.attributes.items():
            key, want = attribute_key(name), value.strip().lower()
            m &= np.fromiter((a.get(key) == want for a in self._attrs), dtype=bool, count=len(self))
        if f.exclude_brands:
            m &= ~np.isin(self.brand, [b.strip().lower() for b in f.exclude_brands])
        for path in f.exclude_categories:
            prefixes = category_prefixes(path)
            if prefixes:
                m &= self._cat_levels[len(prefixes) - 1] != prefixes[-1]
        if f.exclude_terms and self._analyzer is not None:
            for word in f.exclude_terms:
                forms = self._analyzer.tokenize(word)
                forms += [b for w in word.split() for b in self._analyzer.base_forms(w)]
                for token in forms:
                    rows = self._postings.get(token)
                    if rows is not None:
                        m[rows] = False
        return m

    def index_terms(self, analyzer: Analyzer) -> None:
        """Index which products carry each token in their title, brand, category or attribute
        values, so that excluded words are masked before any top-k cut."""
        postings: dict[str, list[int]] = {}
        for i, p in enumerate(self.products):
            text = " ".join([p.title, p.brand, p.category.replace(">", " "),
                             *p.attributes.values()])
            tokens = set(analyzer.tokenize(text))
            # "Spotty Bag" is also a spot product: excluding spots leaves it out.
            tokens.update(b for w in _WORDS.findall(text.lower()) for b in analyzer.base_forms(w))
            for token in tokens:
                postings.setdefault(token, []).append(i)
        self._postings = {t: np.asarray(rows, dtype=np.int64) for t, rows in postings.items()}
        self._analyzer = analyzer

    def vocabulary(self) -> Vocabulary:
        """Categories (with every prefix), brands and attribute values of active products."""
        cats: Counter[str] = Counter()
        brands: Counter[str] = Counter()
        attrs: dict[str, Counter[str]] = {}
        currencies: Counter[str] = Counter()
        live = [p for p, on in zip(self.products, self.active, strict=True) if on]
        for p in live:
            parts = p.category.split(" > ") if p.category else []
            for depth in range(1, len(parts) + 1):
                cats[" > ".join(parts[:depth])] += 1
            if p.brand:
                brands[p.brand] += 1
            for name, value in p.attributes.items():
                attrs.setdefault(name, Counter())[value] += 1
            currencies[p.currency] += 1
        prices = [float(p.price) for p in live]
        return Vocabulary(
            categories=dict(cats.most_common()),
            brands=dict(brands.most_common()),
            attributes={k: dict(v.most_common()) for k, v in sorted(attrs.items())},
            price_min=min(prices, default=0.0),
            price_max=max(prices, default=0.0),
            currency=currencies.most_common(1)[0][0] if currencies else "",
            products=len(live),
        )

    def facets(self, indices: Sequence[int], price_bands: Sequence[float]) -> Facets:
        """Counts by category (top level and full path), brand and price band."""
        cats: Counter[str] = Counter()
        brands: Counter[str] = Counter()
        bands: Counter[str] = Counter()
        edges = sorted(price_bands)
        labels = _band_labels(edges)
        for i in indices:
            p = self.products[i]
            if p.category:
                top = p.category.split(" > ")[0]
                cats[top] += 1
                if p.category != top:
                    cats[p.category] += 1
            if p.brand:
                brands[p.brand] += 1
            bands[labels[int(np.searchsorted(edges, float(p.price), side="right"))]] += 1
        band_order = {label: n for n, label in enumerate(labels)}
        return Facets(
            category=[FacetCount(value=v, count=c) for v, c in cats.most_common()],
            brand=[FacetCount(value=v, count=c) for v, c in brands.most_common()],
            price_band=[
                FacetCount(value=v, count=bands[v])
                for v in sorted(bands, key=band_order.__getitem__)
            ],
            total=len(indices),
        )


def _band_labels(edges: Sequence[float]) -> list[str]:
    def fmt(x: float) -> str:
        return f"{x:g}"

    if not edges:
        return ["all"]
    labels = [f"under {fmt(edges[0])}"]
    labels += [f"{fmt(a)}-{fmt(b)}" for a, b in zip(edges, edges[1:], strict=False)]
    labels.append(f"{fmt(edges[-1])} and over")
    return labels
