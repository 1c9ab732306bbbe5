"""Rate windows and socket counts of the gateway."""

from __future__ import annotations

from web.limits import RateLimiter, SocketCounter


def test_a_window_admits_its_limit_then_refuses_until_it_slides() -> None:
    limiter = RateLimiter(3, window_s=60)
    assert [limiter.hit("s", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limiter.retry_after("s", now=3) == 57
    assert limiter.hit("other", now=3), "keys are independent"
    assert limiter.hit("s", now=60.5), "the first hit left the window"


def test_socket_slots_per_ip_and_in_all() -> None:
    counter = SocketCounter(per_ip=2, total=3)
    assert counter.acquire("a") is None and counter.acquire("a") is None
    assert "address" in (counter.acquire("a") or "")
    assert counter.acquire("b") is None
    assert "too many" in (counter.acquire("c") or "")
    counter.release("a")
    assert counter.acquire("c") is None
