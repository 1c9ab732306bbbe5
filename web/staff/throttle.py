"""Login rate limits per IP and email, and per IP; in memory, or in Redis for all replicas."""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Protocol

from web.limits import RateLimits
from web.settings import WebSettings

__all__ = ["LoginThrottle", "MemoryThrottle", "RedisThrottle", "login_keys", "make_throttle"]

log = logging.getLogger(__name__)

WINDOW_S = 60
# Guessing one password on many accounts from one address is limited too, more loosely.
PER_IP_FACTOR = 5


def login_keys(ip: str, email: str, per_minute: int) -> list[tuple[str, int]]:
    """The counters a login attempt hits, each with its limit per minute.

    Emails are hashed: the counters may live in a shared Redis and are no place for them.
    """
    who = hashlib.sha256(f"{ip}\n{email.strip().lower()}".encode()).hexdigest()[:32]
    return [(f"login:{who}", per_minute), (f"login-ip:{ip}", per_minute * PER_IP_FACTOR)]


class LoginThrottle(Protocol):
    """Counts login attempts; `hit` says how long to wait when a key is over its limit."""

    async def hit(self, key: str, limit: int) -> float | None:
        """Count an attempt; None when allowed, else seconds until the key may try again."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class MemoryThrottle:
    """Moving one-minute windows in this process (`limits`' memory storage, keys expire)."""

    def __init__(self) -> None:
        self._limits = RateLimits()

    async def hit(self, key: str, limit: int) -> float | None:
        return await self._limits.hit(key, limit)

    async def aclose(self) -> None:
        return None


class RedisThrottle:
    """Fixed one-minute windows in Redis, shared by every gateway replica.

    When Redis does not answer, attempts are counted in this process instead: a login
    page that stays up is worth a limit that is per replica for a while.
    """

    def __init__(self, url: str, prefix: str = "aisle") -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(url)
        self._prefix = prefix
        self._fallback = MemoryThrottle()

    async def hit(self, key: str, limit: int) -> float | None:
        name = f"{self._prefix}:{key}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, WINDOW_S, nx=True)
                pipe.ttl(name)
                count, _, ttl = await pipe.execute()
        except Exception as e:
            log.warning("login throttle: no Redis (%s); counting locally", type(e).__name__)
            return await self._fallback.hit(key, limit)
        if int(count) <= limit:
            return None
        return float(max(1, int(ttl)))

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_throttle(settings: WebSettings) -> LoginThrottle:
    """The Redis throttle when AISLE_WEB_REDIS_URL is set, else the in-process one."""
    if settings.redis_url is not None:
        return RedisThrottle(settings.redis_url.get_secret_value())
    return MemoryThrottle()
