"""A circuit breaker per part: once a part is known to be down, fail fast, and probe it back.

Closed: calls go through; `failures` failures in a row open it. Open: calls fail at once
for `reset_s`, so a shopper hears "I can't reach ..." in milliseconds instead of waiting
out a timeout each turn. Half-open: after `reset_s` one call goes through as a probe;
its success closes the breaker, its failure opens it again.

Calls made through the breaker (`run` from the event loop, `call` from a worker thread)
run on the part's own few threads: a stalled part can hold those until its client's
timeout, but never the threads the transcript store and the other parts share.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
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

    def __init__(
        self, part: str, failures: int = 3, reset_s: float = 15.0, workers: int = 8
    ) -> None:
        self.part = part
        self.failures = failures
        self.reset_s = reset_s
        self._failed = 0
        self._opened_at: float | None = None
        self._probing = False
        # The shop API's calls come from the event loop, a turn's from worker threads.
        self._lock = threading.Lock()
        self._workers = workers
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

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
        with self._lock:
            state = self.state
            if state == "open" or (state == "half-open" and self._probing):
                raise PartDown(self.part)
            if state == "half-open":
                self._probing = True

    def success(self) -> None:
        """The call worked: the part is up."""
        with self._lock:
            self._failed, self._opened_at, self._probing = 0, None, False

    def failure(self) -> None:
        """The call failed or timed out."""
        with self._lock:
            self._failed += 1
            self._probing = False
            if self._failed >= self.failures or self._opened_at is not None:
                self._opened_at = time.monotonic()

    def _settle(self, error: BaseException | None) -> None:
        # A part's answer that refuses the request (a 4xx) says the part is up.
        if error is None or not (
            isinstance(error, TimeoutError) or int(getattr(error, "status", 500)) >= 500
        ):
            self.success()
        else:
            self.failure()

    @property
    def _threads(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    self._workers, thread_name_prefix=f"aisle-{self.part}"
                )
            return self._pool

    async def run(self, timeout_s: float, fn: Callable[..., T], *args: Any) -> T:
        """Call a blocking `fn` on the part's threads, within `timeout_s`, through the breaker.

        A stalled part leaves its thread waiting on the client's own timeout; the caller
        is answered at `timeout_s`, and once the breaker opens, at once.

        Raises:
            PartDown: the breaker is open.
            TimeoutError: the call took longer than `timeout_s`.
        """
        self.check()
        loop = asyncio.get_running_loop()
        try:
            result = await asyncio.wait_for(
                loop.run_in_executor(self._threads, lambda: fn(*args)), timeout_s
            )
        except Exception as e:
            self._settle(e)
            raise
        self._settle(None)
        return result

    def call(self, timeout_s: float | None, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` from a worker thread, through the breaker.

        With `timeout_s`, on the part's threads, and the caller is answered within it;
        with None, in the caller's thread, bounded by the client's own timeout.

        Raises:
            PartDown: the breaker is open.
            TimeoutError: the call took longer than `timeout_s`.
        """
        self.check()
        try:
            if timeout_s is None:
                result = fn(*args, **kwargs)
            else:
                result = self._threads.submit(fn, *args, **kwargs).result(timeout=timeout_s)
        except Exception as e:
            self._settle(e)
            raise
        self._settle(None)
        return result

    def close(self) -> None:
        """Let go of the part's threads (a stalled call's thread ends with its timeout)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
