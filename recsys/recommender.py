"""The `Recommender` protocol the assistant calls, and the factory that picks an adapter.

Two adapters implement it: `LocalRecommender` (in-process, the embedded default) and
`HttpRecommender` (the same calls against a recsys pod), chosen by `settings.url`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from recsys.interactions import Interaction
from recsys.results import Filters, Recommendation
from recsys.settings import RecsysSettings

__all__ = ["Recommender", "make_recommender"]


@runtime_checkable
class Recommender(Protocol):
    """Recommendations for the assistant; every call returns a ranked list with reasons.

    Unknown users get popular items (the reason says so); unknown product ids give an
    empty list, never an error. Filters are never violated, and the list is only shorter
    than n when fewer items pass them (bought_together lists real co-purchases only).
    """

    def recommend(
        self,
        user_id: str,
        n: int = 10,
        filters: Filters | None = None,
        exclude_purchased: bool = True,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Personal recommendations for a known shopper (from `model`, an experiment's arm,
        when given: one the served artifact holds, else `BadRequest`)."""
        ...

    def similar_items(
        self,
        product_id: str,
        n: int = 10,
        filters: Filters | None = None,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Items similar to one product (from `model` when given)."""
        ...

    def bought_together(
        self, product_id: str, n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """Items bought in the same orders as one product, with the number of orders."""
        ...

    def recommend_for_session(
        self,
        product_ids_seen: Sequence[str],
        n: int = 10,
        filters: Filters | None = None,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Recommendations for an anonymous shopper from what they looked at in this chat,
        oldest first (the sequence model reads the order; the others a set); from `model`
        when given."""
        ...

    def next_after_basket(
        self, product_ids: Sequence[str], n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """What people add next to a basket holding these products ("what else do people
        buy with these?"); the basket's own products are never returned."""
        ...

    def record(self, events: Sequence[Interaction]) -> int:
        """Store shopper events for the next training; returns how many were stored."""
        ...

    def forget(self, user_id: str) -> int:
        """Delete a shopper's interactions and stop personalising from them at once."""
        ...

    def version(self) -> str | None:
        """The artifact version being served, or None."""
        ...


def make_recommender(settings: RecsysSettings) -> Recommender:
    """The in-process recommender, or the HTTP client when `settings.url` is set.

    Args:
        settings: the recsys settings (`AISLE_RECSYS_URL` picks the HTTP client).

    Returns:
        A `Recommender`.
    """
    if settings.url:
        from recsys.client import HttpRecommender

        return HttpRecommender(settings.url, timeout=settings.timeout_s)
    from recsys.local import LocalRecommender

    return LocalRecommender(settings)
