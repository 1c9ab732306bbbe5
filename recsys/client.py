"""`HttpRecommender`: the `Recommender` interface over HTTP, against a recsys pod (urllib3).

The one client in Aisle that is not httpx (DESIGN.md names httpx for the parts' clients),
and why: a recommendation is a sub-millisecond lookup that the assistant makes several
times a turn, and issue 3 asks for p99 <= 5 ms over HTTP on a 2-core machine. There,
httpx spends 1.6 to 2.0 ms of client CPU a call against urllib3's 0.5 ms, and its p99
was 6.9 to 7.7 ms against 4.1 ms in the same run (bench/RESULTS.md, 2026-11-27).
urllib3 is the pool under `requests`, thread-safe like httpx.Client, and keeps the same
keep-alive, timeouts and errors here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from types import TracebackType
from typing import Any, NoReturn
from urllib.parse import quote

import urllib3
from pydantic import BaseModel
from urllib3.exceptions import HTTPError

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

    def __init__(self, base_url: str, timeout: float = 5.0, *, max_connections: int = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self._prefix = urllib3.util.parse_url(self.base_url).path or ""
        # One reconnect on a failed connect; a request the server may have seen is never
        # sent twice (a POST /events twice would count the events twice).
        self._pool = urllib3.connection_from_url(
            self.base_url,
            maxsize=max_connections,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=urllib3.Retry(total=1, read=0, redirect=0, status=0, other=0),
        )
        self._version: str | None = None

    def close(self) -> None:
        """Close the connection pool."""
        self._pool.close()

    def __enter__(self) -> HttpRecommender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None
    ) -> urllib3.BaseHTTPResponse:
        data = None if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json"} if data is not None else None
        try:
            response = self._pool.urlopen(
                method, self._prefix + path, body=data, headers=headers, redirect=False
            )
        except HTTPError as e:
            raise RecsysUnavailable(f"recsys at {self.base_url} did not answer: {e}") from e
        if not 200 <= response.status < 300:
            self._raise(response)
        return response

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._send(method, path, body).json()

    @staticmethod
    def _raise(response: urllib3.BaseHTTPResponse) -> NoReturn:
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if isinstance(payload, dict) and "code" in payload:
            raise error_for_code(
                str(payload["code"]), str(payload.get("message", "")), payload.get("row")
            )
        if response.status == 422:
            raise BadRequest(f"recsys rejected the request: {payload}")
        if response.status >= 500:
            raise RecsysUnavailable(f"recsys answered {response.status}")
        raise RecsysError(f"recsys answered {response.status}: {payload}")

    def _items(self, path: str, body: dict[str, Any]) -> list[Recommendation]:
        # One pass of pydantic-core over the bytes: parsing, then validating, item by
        # item would cost more than the server's own work.
        page = _Page.model_validate_json(self._send("POST", path, body).data)
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
        model: str | None = None,
    ) -> list[Recommendation]:
        """Personal recommendations; see `Recommender.recommend`."""
        body = {
            "user_id": user_id,
            "n": n,
            "filters": self._filters(filters),
            "exclude_purchased": exclude_purchased,
        }
        return self._items("/recommend", self._arm(body, model))

    @staticmethod
    def _arm(body: dict[str, Any], model: str | None) -> dict[str, Any]:
        # Only an experiment names a model: other bodies stay as older servers know them.
        return body if model is None else {**body, "model": model}

    def similar_items(
        self,
        product_id: str,
        n: int = 10,
        filters: Filters | None = None,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Items similar to one product; see `Recommender.similar_items`."""
        body = {"product_id": product_id, "n": n, "filters": self._filters(filters)}
        return self._items("/similar-items", self._arm(body, model))

    def bought_together(
        self, product_id: str, n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """Items bought with one product; see `Recommender.bought_together`."""
        body = {"product_id": product_id, "n": n, "filters": self._filters(filters)}
        return self._items("/bought-together", body)

    def recommend_for_session(
        self,
        product_ids_seen: Sequence[str],
        n: int = 10,
        filters: Filters | None = None,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Recommendations for an anonymous session; see `Recommender.recommend_for_session`."""
        body = {
            "product_ids_seen": list(product_ids_seen),
            "n": n,
            "filters": self._filters(filters),
        }
        return self._items("/recommend-for-session", self._arm(body, model))

    def next_after_basket(
        self, product_ids: Sequence[str], n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """What comes next after a basket; see `Recommender.next_after_basket`."""
        body = {"product_ids": list(product_ids), "n": n, "filters": self._filters(filters)}
        return self._items("/next-after-basket", body)

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
