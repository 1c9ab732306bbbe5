"""Rate and connection limits of the gateway: the `limits` package, and socket counts per IP.

Rates are moving windows kept by `limits`: in this process (its memory storage expires
each key with its window, so memory stays bounded however many sessions and addresses
pass by) or, with AISLE_WEB_REDIS_URL, in Redis, where every gateway replica counts
against the same windows. If Redis stops answering, counting goes on in this process.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

__all__ = ["RateLimits", "SocketCounter"]

log = logging.getLogger(__name__)


class RateLimits:
    """Hits per minute for keys ("session:<id>", "ip:<address>", ...), each with its limit."""

    def __init__(self, redis_url: str | None = None, prefix: str = "aisle-limits") -> None:
        """Limits in memory, or in Redis at `redis_url` (shared by every replica)."""
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url is not None:
            storage: Storage = RedisStorage(
                redis_url.replace("redis://", "async+redis://", 1)
                if redis_url.startswith("redis://")
                else redis_url.replace("rediss://", "async+rediss://", 1),
                implementation="redispy",
                key_prefix=prefix,
            )
            self._shared = MovingWindowRateLimiter(storage)
        self._items: dict[int, RateLimitItem] = {}

    def _item(self, per_minute: int) -> RateLimitItem:
        item = self._items.get(per_minute)
        if item is None:
            item = self._items[per_minute] = RateLimitItemPerMinute(per_minute)
        return item

    async def hit(self, key: str, per_minute: int) -> float | None:
        """Count a hit; None when allowed, else the seconds until the key may hit again."""
        item = self._item(per_minute)
        limiter = self._shared or self._local
        try:
            if await limiter.hit(item, key):
                return None
            stats = await limiter.get_window_stats(item, key)
        except Exception as e:
            if limiter is self._local:
                raise
            log.warning("rate limits: no Redis (%s); counting locally", type(e).__name__)
            if await self._local.hit(item, key):
                return None
            stats = await self._local.get_window_stats(item, key)
        return max(1.0, stats.reset_time - time.time())


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
