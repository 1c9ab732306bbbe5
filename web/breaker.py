"""A circuit breaker per part: once a part is known to be down, fail fast, and probe it back.

Closed: calls go through; `failures` failures in a row open it. Open: calls fail at once
for `reset_s`, so a shopper hears "I can't reach ..." in milliseconds instead of waiting
out a timeout each turn. Half-open: after `reset_s` one call goes through as a probe;
its success closes the breaker, its failure opens it again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

__all__ = ["CircuitBreaker", "PartDown"]

T = TypeVar("T")

State = Literal["closed", "open", "half-open"]


class PartDown(Exception):
    """The breaker of `part` is open: the call was not made."""

    def __init__(self, part: str) -> None:
        super().__init__(f"{part} is down")
        self.part = part


class CircuitBreaker:
    """Counts a part's consecutive failures and opens after `failures` of them."""

    def __init__(self, part: str, failures: int = 3, reset_s: float = 15.0) -> None:
        self.part = part
        self.failures = failures
        self.reset_s = reset_s
        self._failed = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> State:
        """closed, open or half-open (an open breaker past `reset_s` lets one probe by)."""
        if self._opened_at is None:
            return "closed"
        if time.monotonic() - self._opened_at >= self.reset_s:
            return "half-open"
        return "open"

    def check(self) -> None:
        """Raise `PartDown` unless a call may go through now (one probe when half-open)."""
        state = self.state
        if state == "open" or (state == "half-open" and self._probing):
            raise PartDown(self.part)
        if state == "half-open":
            self._probing = True

    def success(self) -> None:
        """The call worked: the part is up."""
        self._failed, self._opened_at, self._probing = 0, None, False

    def failure(self) -> None:
        """The call failed or timed out."""
        self._failed += 1
        self._probing = False
        if self._failed >= self.failures or self._opened_at is not None:
            self._opened_at = time.monotonic()

    async def run(self, timeout_s: float, fn: Callable[..., T], *args: Any) -> T:
        """Call a blocking `fn` in a worker thread, within `timeout_s`, through the breaker.

        A stalled part leaves its thread waiting on the client's own timeout; the caller
        is answered at `timeout_s`, and once the breaker opens, at once.

        Raises:
            PartDown: the breaker is open.
            TimeoutError: the call took longer than `timeout_s`.
        """
        self.check()
        try:
            result = await asyncio.wait_for(asyncio.to_thread(fn, *args), timeout_s)
        except Exception as e:
            # A part's answer that refuses the request (a 4xx) says the part is up.
            if isinstance(e, TimeoutError) or int(getattr(e, "status", 500)) >= 500:
                self.failure()
            else:
                self.success()
            raise
        self.success()
        return result
