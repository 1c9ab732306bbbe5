"""Rate windows and socket counts of the gateway."""

from __future__ import annotations

import uuid

import pytest

from web.limits import RateLimits, SocketCounter

REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_a_window_admits_its_limit_then_says_how_long_to_wait() -> None:
    limits = RateLimits()
    assert [await limits.hit("s", 3) for _ in range(3)] == [None, None, None]
    wait = await limits.hit("s", 3)
    assert wait is not None and 1 <= wait <= 60
    assert await limits.hit("other", 3) is None, "keys are independent"


async def test_redis_windows_are_shared_by_every_replica() -> None:
    key = f"session:{uuid.uuid4().hex}"
    a, b = RateLimits(REDIS_URL), RateLimits(REDIS_URL)
    try:
        assert await a.hit(key, 2) is None and await b.hit(key, 2) is None
    except Exception as e:  # pragma: no cover - the message names what to start
        pytest.fail(f"Redis at {REDIS_URL} is needed (make services): {e}")
    assert await a.hit(key, 2) is not None, "the second replica's hit counted on the first"


async def test_without_redis_counting_goes_on_in_the_process() -> None:
    limits = RateLimits("redis://127.0.0.1:1/0")  # nothing listens there
    assert await limits.hit("s", 1) is None
    assert await limits.hit("s", 1) is not None


def test_socket_slots_per_ip_and_in_all() -> None:
    counter = SocketCounter(per_ip=2, total=3)
    assert counter.acquire("a") is None and counter.acquire("a") is None
    assert "address" in (counter.acquire("a") or "")
    assert counter.acquire("b") is None
    assert "too many" in (counter.acquire("c") or "")
    counter.release("a")
    assert counter.acquire("c") is None
