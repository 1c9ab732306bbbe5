"""HttpProductSearch: the ProductSearch interface over the retrieval pod's HTTP API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from retrieval.errors import BadQuery, CatalogUnavailable, IndexNotReady, RetrievalError
from retrieval.product import (
    Facets,
    IndexStats,
    Product,
    SearchFilters,
    SearchMode,
    SearchPage,
    Vocabulary,
)

_ERRORS: dict[str, type[RetrievalError]] = {
    cls.code: cls for cls in (BadQuery, CatalogUnavailable, IndexNotReady)
}


class HttpProductSearch:
    """Talks to `python -m retrieval`; the same calls and results as HybridSearch."""

    def __init__(
        self, base_url: str, timeout: float = 10.0, client: httpx.Client | None = None
    ) -> None:
        self._http = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=json)
        except httpx.HTTPError as e:
            raise CatalogUnavailable(f"retrieval service: {type(e).__name__}: {e}") from e
        if response.status_code >= 400 and response.status_code != 404:
            try:
                body = response.json()
                code, message = body.get("code", ""), body.get("message", response.text)
            except ValueError:
                code, message = "", response.text
            if response.status_code == 422 and not code:
                raise BadQuery(message)
            raise _ERRORS.get(code, CatalogUnavailable)(message)
        return response

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 10,
        offset: int = 0,
        mode: SearchMode = "hybrid",
        facets: bool = False,
    ) -> SearchPage:
        body = {
            "query": query,
            "filters": None if filters is None else filters.model_dump(mode="json"),
            "k": k,
            "offset": offset,
            "mode": mode,
            "facets": facets,
        }
        return SearchPage.model_validate(self._request("POST", "/search", body).json())

    def get(self, product_id: str) -> Product | None:
        response = self._request("GET", f"/products/{quote(product_id, safe='')}")
        return None if response.status_code == 404 else Product.model_validate(response.json())

    def get_many(self, product_ids: Sequence[str]) -> list[Product]:
        response = self._request("POST", "/products:batch", {"ids": list(product_ids)})
        return [Product.model_validate(p) for p in response.json()]

    def facets(self, query: str, filters: SearchFilters | None = None) -> Facets:
        body = {
            "query": query,
            "filters": None if filters is None else filters.model_dump(mode="json"),
        }
        return Facets.model_validate(self._request("POST", "/facets", body).json())

    def stats(self) -> IndexStats:
        return IndexStats.model_validate(self._request("GET", "/readyz").json())

    def vocabulary(self) -> Vocabulary:
        return Vocabulary.model_validate(self._request("GET", "/vocabulary").json())
