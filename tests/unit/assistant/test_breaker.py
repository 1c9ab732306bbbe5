"""The per-part circuit breaker: fails fast once a part is known down, probes it back, and bounds
every call by its budget."""

from __future__ import annotations

import threading

import pytest

from assistant.breaker import CircuitBreaker, PartDown


def test_it_opens_after_failures_in_a_row_and_a_probe_closes_it() -> None:
    breaker = CircuitBreaker("catalog", failures=2, reset_s=0.0)
    breaker.failure()
    breaker.check()  # one failure: still closed
    breaker.failure()
    assert breaker.state == "half-open"  # reset_s=0: the probe may go at once
    breaker.check()
    with pytest.raises(PartDown):
        breaker.check()  # only one probe at a time
    breaker.success()
    assert breaker.state == "closed"


def test_an_open_breaker_fails_at_once_until_its_reset() -> None:
    breaker = CircuitBreaker("recommender", failures=1, reset_s=3600)
    breaker.failure()
    assert breaker.state == "open"
    with pytest.raises(PartDown) as down:
        breaker.check()
    assert down.value.part == "recommender"


async def test_a_call_past_its_budget_times_out_and_counts_as_a_failure() -> None:
    breaker = CircuitBreaker("catalog", failures=1, reset_s=3600)
    release = threading.Event()
    try:
        with pytest.raises(TimeoutError):
            await breaker.run(0.05, release.wait, 30)
    finally:
        release.set()
    assert breaker.state == "open"
    with pytest.raises(PartDown):
        await breaker.run(5, lambda: "never called")


async def test_a_refusal_says_the_part_is_up() -> None:
    class Refused(Exception):
        status = 404

    def refuse() -> None:
        raise Refused

    breaker = CircuitBreaker("catalog", failures=1, reset_s=3600)
    with pytest.raises(Refused):
        await breaker.run(5, refuse)
    assert breaker.state == "closed"
    assert await breaker.run(5, lambda: 42) == 42
