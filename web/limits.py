"""Rate and connection limits of the gateway: sliding windows per key, socket counts per IP."""

from __future__ import annotations

import time
from collections import defaultdict, deque

__all__ = ["RateLimiter", "SocketCounter"]


class RateLimiter:
    """At most `limit` hits per `window_s` seconds for each key (a sliding window)."""

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def hit(self, key: str, now: float | None = None) -> bool:
        """Count a hit; False (and not counted) when the key is over its limit."""
        now = time.monotonic() if now is None else now
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def retry_after(self, key: str, now: float | None = None) -> float:
        """Seconds until the key may hit again."""
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if not hits or len(hits) < self.limit:
            return 0.0
        return max(0.0, hits[0] + self.window_s - now)

    def forget(self, key: str) -> None:
        """Drop a key's window (its session ended)."""
        self._hits.pop(key, None)


class SocketCounter:
    """Open sockets, in all and per client IP."""

    def __init__(self, per_ip: int, total: int) -> None:
        self.per_ip = per_ip
        self.total = total
        self.open = 0
        self._by_ip: dict[str, int] = defaultdict(int)

    def acquire(self, ip: str) -> str | None:
        """Take a slot; returns why not when a limit is reached."""
        if self.open >= self.total:
            return "the server has too many open chats; try again shortly"
        if self._by_ip[ip] >= self.per_ip:
            return "too many open chats from this address"
        self.open += 1
        self._by_ip[ip] += 1
        return None

    def release(self, ip: str) -> None:
        """Give a slot back."""
        self.open -= 1
        self._by_ip[ip] -= 1
        if self._by_ip[ip] <= 0:
            del self._by_ip[ip]
