"""A turn's budget bounds each call the in-process assistant makes to a pod: a stalled part
is given up on within the call's share of the turn, then not waited on again in that turn."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.breaker import CircuitBreaker, PartDown
from assistant.budget import GuardedRecommender, GuardedSearch, TurnBudget, turn_budget


class StalledSearch:
    """A catalog whose calls hang until released, counting how often it is asked."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.asked: list[tuple[Any, ...]] = []

    def search(self, *args: Any) -> Any:
        self.asked.append(args)
        self.release.wait(30)
        return "page"

    def get_many(self, ids: Any) -> Any:
        self.asked.append((ids,))
        self.release.wait(30)
        return []


@pytest.fixture
def stalled() -> Iterator[StalledSearch]:
    search = StalledSearch()
    yield search
    search.release.set()


def _budget(call_timeout_s: float = 0.05, left_s: float = 60.0) -> TurnBudget:
    return TurnBudget(time.perf_counter() + left_s, call_timeout_s)


async def test_a_stalled_pod_is_given_up_on_then_not_asked_again_in_that_turn(
    stalled: StalledSearch,
) -> None:
    breaker = CircuitBreaker("catalog", failures=5, reset_s=60)
    search = GuardedSearch(stalled, breaker)  # type: ignore[arg-type]
    with turn_budget(_budget()):
        with pytest.raises(TimeoutError):
            await asyncio.to_thread(search.get_many, ["85123A"])
        with pytest.raises(PartDown):
            await asyncio.to_thread(search.search, "mugs")
    assert stalled.asked == [(["85123A"],)], "the second call was not made"
    assert breaker.state == "closed", "one failure of five"
    # The next turn asks the pod again.
    with turn_budget(_budget()), pytest.raises(TimeoutError):
        await asyncio.to_thread(search.search, "mugs")
    assert len(stalled.asked) == 2


async def test_with_too_little_of_the_turn_left_no_call_is_made(stalled: StalledSearch) -> None:
    breaker = CircuitBreaker("catalog", failures=1, reset_s=60)
    search = GuardedSearch(stalled, breaker)  # type: ignore[arg-type]
    with turn_budget(_budget(call_timeout_s=10, left_s=0.1)), pytest.raises(TimeoutError):
        await asyncio.to_thread(search.search, "mugs")
    assert stalled.asked == []
    assert breaker.state == "closed", "the pod was not asked, so it did not fail"


async def test_an_open_breaker_answers_every_turn_at_once(stalled: StalledSearch) -> None:
    breaker = CircuitBreaker("catalog", failures=1, reset_s=60)
    search = GuardedSearch(stalled, breaker)  # type: ignore[arg-type]
    with turn_budget(_budget()), pytest.raises(TimeoutError):
        await asyncio.to_thread(search.search, "mugs")
    assert breaker.state == "open"
    with turn_budget(_budget()), pytest.raises(PartDown):
        await asyncio.to_thread(search.search, "mugs")
    assert len(stalled.asked) == 1


def test_outside_a_turn_a_call_goes_to_the_pod_as_it_is() -> None:
    class Recommender:
        def similar_items(self, *args: Any, **kwargs: Any) -> Any:
            return [(args, kwargs)]

    breaker = CircuitBreaker("recommender")
    guarded = GuardedRecommender(Recommender(), breaker)  # type: ignore[arg-type]
    assert guarded.similar_items("85123A", 4, None, model="ease") == [
        (("85123A", 4, None), {"model": "ease"})
    ]


async def test_the_turn_budget_reaches_the_worker_threads_of_the_turns_tasks(
    stalled: StalledSearch,
) -> None:
    search = GuardedSearch(stalled, CircuitBreaker("catalog"))  # type: ignore[arg-type]

    async def a_tool_call() -> Any:
        return await asyncio.to_thread(search.search, "mugs")

    with turn_budget(_budget()):
        task = asyncio.ensure_future(a_tool_call())  # as the pipeline steps the assistant
    with pytest.raises(TimeoutError):
        await task
