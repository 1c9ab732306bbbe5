"""A turn's deadline budget, shared with the calls the turn makes to the retrieval and recsys pods.

Whoever runs the assistant opens a `TurnBudget` for each turn: the web's turn pipeline
(web/chat/turns.py) with the assistant in its process, or the assistant pod
(assistant/app.py). The assistant's catalog and recommender, when they are pods, are wrapped
here (`GuardedSearch`, `GuardedRecommender`): each call goes through the part's circuit
breaker and gets a timeout derived from the turn, the smaller of `call_timeout_s` and
what is left of the deadline less a reserve for saying the answer. A call that times out
marks its part down for the rest of the turn, so the turn's later calls to it fail at
once: the assistant's tool says "I can't reach the catalog" (or answers from the catalog
when recsys is the one down) within the shopper's first two seconds, not at the deadline.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from assistant.breaker import CircuitBreaker, PartDown
from recsys import Filters, Interaction, Recommendation, Recommender
from retrieval import (
    Facets,
    IndexStats,
    Product,
    ProductSearch,
    SearchFilters,
    SearchMode,
    SearchPage,
    Vocabulary,
)

__all__ = ["GuardedRecommender", "GuardedSearch", "TurnBudget", "turn_budget"]

T = TypeVar("T")

# The least time worth giving a call: with less left, the call is not made.
MIN_CALL_S = 0.05


@dataclass
class TurnBudget:
    """What is left of one turn, for the calls it makes to other parts.

    Attributes:
        deadline: `time.perf_counter()` by which the shopper must have the answer.
        call_timeout_s: the longest one call may take.
        reserve_s: kept back from the deadline for saying the answer after a call gave up.
        down: the parts whose calls timed out in this turn (their next calls fail at once).
    """

    deadline: float
    call_timeout_s: float
    reserve_s: float = 0.5
    down: set[str] = field(default_factory=set)

    def timeout_s(self) -> float:
        """The timeout of a call made now."""
        left = self.deadline - self.reserve_s - time.perf_counter()
        return min(self.call_timeout_s, left)


# Set around the assistant's turn by whoever runs it; asyncio tasks and the worker
# threads of `asyncio.to_thread` inherit it from there.
_BUDGET: ContextVar[TurnBudget | None] = ContextVar("aisle_turn_budget", default=None)


@contextlib.contextmanager
def turn_budget(budget: TurnBudget) -> Iterator[TurnBudget]:
    """Make `budget` the budget of the calls made inside the block (and the tasks it starts)."""
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        # The assistant pod streams a turn from inside the block; a stream closed by its
        # finalizer runs this in another context, where there is nothing to restore.
        with contextlib.suppress(ValueError):
            _BUDGET.reset(token)


def _guarded(breaker: CircuitBreaker, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` through the part's breaker, within the turn's budget."""
    budget = _BUDGET.get()
    if budget is None:  # outside a turn (warming up): the client's own timeout
        return breaker.call(None, fn, *args, **kwargs)
    if breaker.part in budget.down:
        raise PartDown(breaker.part)
    timeout = budget.timeout_s()
    if timeout < MIN_CALL_S:
        budget.down.add(breaker.part)
        raise TimeoutError(f"no time left in the turn for the {breaker.part}")
    try:
        return breaker.call(timeout, fn, *args, **kwargs)
    except TimeoutError:
        budget.down.add(breaker.part)
        raise


class GuardedSearch:
    """The catalog pod's client behind its breaker and each turn's budget (a ProductSearch)."""

    def __init__(self, search: ProductSearch, breaker: CircuitBreaker) -> None:
        self._search = search
        self._breaker = breaker

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 10,
        offset: int = 0,
        mode: SearchMode = "hybrid",
        facets: bool = False,
    ) -> SearchPage:
        """One page of products for a query."""
        return _guarded(self._breaker, self._search.search, query, filters, k, offset, mode, facets)

    def get(self, product_id: str) -> Product | None:
        """A product by id, or None."""
        return _guarded(self._breaker, self._search.get, product_id)

    def get_many(self, product_ids: Sequence[str]) -> list[Product]:
        """The products the catalog carries among `product_ids`."""
        return _guarded(self._breaker, self._search.get_many, product_ids)

    def facets(self, query: str, filters: SearchFilters | None = None) -> Facets:
        """Counts by category, brand and price band over a query's result set."""
        return _guarded(self._breaker, self._search.facets, query, filters)

    def stats(self) -> IndexStats:
        """What the live index holds."""
        return _guarded(self._breaker, self._search.stats)

    def vocabulary(self) -> Vocabulary:
        """The catalog's categories, brands, attribute values and price range."""
        return _guarded(self._breaker, self._search.vocabulary)


class GuardedRecommender:
    """The recsys pod's client behind its breaker and each turn's budget (a Recommender)."""

    def __init__(self, recommender: Recommender, breaker: CircuitBreaker) -> None:
        self._recommender = recommender
        self._breaker = breaker

    def recommend(
        self,
        user_id: str,
        n: int = 10,
        filters: Filters | None = None,
        exclude_purchased: bool = True,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Personal recommendations for a known shopper."""
        r = self._recommender
        return _guarded(
            self._breaker, r.recommend, user_id, n, filters, exclude_purchased, model=model
        )

    def similar_items(
        self, product_id: str, n: int = 10, filters: Filters | None = None, model: str | None = None
    ) -> list[Recommendation]:
        """Items similar to one product."""
        r = self._recommender
        return _guarded(self._breaker, r.similar_items, product_id, n, filters, model=model)

    def bought_together(
        self, product_id: str, n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """Items bought in the same orders as one product."""
        return _guarded(self._breaker, self._recommender.bought_together, product_id, n, filters)

    def recommend_for_session(
        self,
        product_ids_seen: Sequence[str],
        n: int = 10,
        filters: Filters | None = None,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Recommendations for an anonymous shopper from what they looked at."""
        r = self._recommender
        return _guarded(
            self._breaker, r.recommend_for_session, product_ids_seen, n, filters, model=model
        )

    def next_after_basket(
        self, product_ids: Sequence[str], n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """What people add next to a basket holding these products."""
        r = self._recommender
        return _guarded(self._breaker, r.next_after_basket, product_ids, n, filters)

    def record(self, events: Sequence[Interaction]) -> int:
        """Store shopper events for the next training."""
        return _guarded(self._breaker, self._recommender.record, events)

    def forget(self, user_id: str) -> int:
        """Delete a shopper's interactions."""
        return _guarded(self._breaker, self._recommender.forget, user_id)

    def version(self) -> str | None:
        """The artifact version being served."""
        return _guarded(self._breaker, self._recommender.version)
