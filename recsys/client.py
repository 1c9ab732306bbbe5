"""`HttpRecommender`: the `Recommender` interface over HTTP, against a recsys pod (httpx)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import TracebackType
from typing import Any, NoReturn
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from recsys.errors import BadRequest, RecsysError, RecsysUnavailable, error_for_code
from recsys.interactions import Interaction
from recsys.results import Filters, Recommendation

__all__ = ["HttpRecommender"]

log = logging.getLogger(__name__)


class _Page(BaseModel):
    items: list[Recommendation]
    version: str | None = None


class HttpRecommender:
    """The same calls as `LocalRecommender`, answered by `recsys.app` over HTTP.

    Server errors come back as the same typed `RecsysError`s; a server that cannot be
    reached raises `RecsysUnavailable`.
    """

    def __init__(
        self,
        base_url: str,
        timeout: float = 5.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._version: str | None = None

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> HttpRecommender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as e:
            raise RecsysUnavailable(f"recsys at {self.base_url} did not answer: {e}") from e
        if not response.is_success:
            self._raise(response)
        return response

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._send(method, path, body).json()

    @staticmethod
    def _raise(response: httpx.Response) -> NoReturn:
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if isinstance(payload, dict) and "code" in payload:
            raise error_for_code(
                str(payload["code"]), str(payload.get("message", "")), payload.get("row")
            )
        if response.status_code == 422:
            raise BadRequest(f"recsys rejected the request: {payload}")
        if response.status_code >= 500:
            raise RecsysUnavailable(f"recsys answered {response.status_code}")
        raise RecsysError(f"recsys answered {response.status_code}: {payload}")

    def _items(self, path: str, body: dict[str, Any]) -> list[Recommendation]:
        # One pass of pydantic-core over the bytes: parsing, then validating, item by
        # item would cost more than the server's own work.
        page = _Page.model_validate_json(self._send("POST", path, body).content)
        self._version = page.version
        return page.items

    @staticmethod
    def _filters(filters: Filters | None) -> dict[str, Any] | None:
        return filters.model_dump(exclude_none=True) if filters else None

    def recommend(
        self,
        user_id: str,
        n: int = 10,
        filters: Filters | None = None,
        exclude_purchased: bool = True,
    ) -> list[Recommendation]:
        """Personal recommendations; see `Recommender.recommend`."""
        return self._items(
            "/recommend",
            {
                "user_id": user_id,
                "n": n,
                "filters": self._filters(filters),
                "exclude_purchased": exclude_purchased,
            },
        )

    def similar_items(
        self, product_id: str, n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """Items similar to one product; see `Recommender.similar_items`."""
        body = {"product_id": product_id, "n": n, "filters": self._filters(filters)}
        return self._items("/similar-items", body)

    def bought_together(
        self, product_id: str, n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """Items bought with one product; see `Recommender.bought_together`."""
        body = {"product_id": product_id, "n": n, "filters": self._filters(filters)}
        return self._items("/bought-together", body)

    def recommend_for_session(
        self, product_ids_seen: Sequence[str], n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """Recommendations for an anonymous session; see `Recommender.recommend_for_session`."""
        body = {
            "product_ids_seen": list(product_ids_seen),
            "n": n,
            "filters": self._filters(filters),
        }
        return self._items("/recommend-for-session", body)

    def record(self, events: Sequence[Interaction]) -> int:
        """Store events on the server; returns how many it stored."""
        body = {"events": [e.model_dump(mode="json") for e in events]}
        return int(self._call("POST", "/events", body)["recorded"])

    def forget(self, user_id: str) -> int:
        """Forget a user on the server; returns how many interactions were deleted."""
        path = "/forget/" + quote(user_id, safe="")
        return int(self._call("POST", path)["removed"])

    def version(self) -> str | None:
        """The version the server is serving (None when it has no model yet)."""
        try:
            payload = self._call("GET", "/readyz")
        except RecsysError as e:
            if e.status == 503 and not isinstance(e, RecsysUnavailable):
                return None
            raise
        version = payload.get("version")
        return None if version is None else str(version)

    def reload(self) -> str | None:
        """Ask the server to look for a new artifact now; returns the version it serves."""
        version = self._call("POST", "/admin/reload").get("version")
        return None if version is None else str(version)
