"""The experiments' shared state: counts per placement, context and arm; sticky arms; controls.

`MemoryExperimentState` serves one process (the embedded default); `RedisExperimentState`
shares everything between gateway replicas: counts are Redis hash fields bumped with
HINCRBY (atomic, so two replicas never lose an update), each conversation's arm is a key
with the session's TTL, and the controls (mode, paused arms, split) are one hash. A
replica reads counts through a cache of `cache_s` seconds, so choosing an arm costs no
round trip on most requests; counts it wrote itself show at once. The durable copy is
the impressions table (web/experiments/store.py): a state found empty is seeded from it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from recsys.bandit import ArmStats, Mode

__all__ = [
    "Controls",
    "Counter",
    "ExperimentState",
    "MemoryExperimentState",
    "RedisExperimentState",
    "Stats",
    "make_experiment_state",
]

Counter = Literal["impressions", "clicks", "carts"]
Stats = dict[str, dict[str, ArmStats]]
"""context -> arm -> counts, for one placement."""


@dataclass
class Controls:
    """What an admin set for one placement (None: the settings' default)."""

    mode: Mode | None = None
    paused: list[str] = field(default_factory=list)
    split: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps({"mode": self.mode, "paused": self.paused, "split": self.split})

    @classmethod
    def from_json(cls, raw: str | bytes) -> Controls:
        """Read the stored form (unknown keys ignored)."""
        data = json.loads(raw)
        return cls(data.get("mode"), list(data.get("paused", [])), dict(data.get("split", {})))


class ExperimentState(Protocol):
    """Counts, sticky arms and controls, shared by every replica that holds the same one."""

    async def stats(self, placement: str) -> Stats:
        """Counts of one placement (possibly `cache_s` old for other replicas' writes)."""
        ...

    async def bump(self, placement: str, context: str, arm: str, counter: Counter) -> None:
        """Add one to a counter."""
        ...

    async def seed(self, placement: str, stats: Stats) -> bool:
        """Set a placement's counts from the durable log unless it has some; True if set."""
        ...

    async def arm_of(self, conversation_id: str, placement: str) -> str | None:
        """The arm a conversation was given in a placement, if any."""
        ...

    async def stick(self, conversation_id: str, placement: str, arm: str) -> str:
        """Give the conversation `arm` unless it already has one; returns the one it has."""
        ...

    async def move(self, conversation_id: str, placement: str, arm: str) -> None:
        """Give the conversation `arm` in place of the one it had (its arm was paused)."""
        ...

    async def forget(self, conversation_ids: Iterable[str]) -> None:
        """Drop the conversations' sticky arms (GDPR delete)."""
        ...

    async def controls(self) -> dict[str, Controls]:
        """Controls per placement that an admin changed."""
        ...

    async def set_controls(self, placement: str, controls: Controls) -> None:
        """Replace one placement's controls."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


def _add(stats: Stats, context: str, arm: str, counter: Counter, n: int = 1) -> None:
    s = stats.setdefault(context, {}).setdefault(arm, ArmStats())
    setattr(s, counter, getattr(s, counter) + n)


class MemoryExperimentState:
    """Everything in this process (one gateway)."""

    def __init__(self, ttl_s: float = 86_400) -> None:
        self._stats: dict[str, Stats] = {}
        self._arms: dict[tuple[str, str], tuple[str, float]] = {}
        self._controls: dict[str, Controls] = {}
        self._ttl = ttl_s

    async def stats(self, placement: str) -> Stats:
        """Counts of one placement."""
        return self._stats.get(placement, {})

    async def bump(self, placement: str, context: str, arm: str, counter: Counter) -> None:
        """Add one to a counter."""
        _add(self._stats.setdefault(placement, {}), context, arm, counter)

    async def seed(self, placement: str, stats: Stats) -> bool:
        """Take the durable counts if this placement has none."""
        if self._stats.get(placement):
            return False
        self._stats[placement] = stats
        return True

    async def arm_of(self, conversation_id: str, placement: str) -> str | None:
        """The conversation's arm, unless it expired."""
        held = self._arms.get((conversation_id, placement))
        if held is None or held[1] < time.monotonic():
            return None
        return held[0]

    async def stick(self, conversation_id: str, placement: str, arm: str) -> str:
        """Keep the first arm given."""
        held = await self.arm_of(conversation_id, placement)
        if held is not None:
            return held
        if len(self._arms) > 100_000:  # drop expired ones now and then
            now = time.monotonic()
            self._arms = {k: v for k, v in self._arms.items() if v[1] >= now}
        self._arms[(conversation_id, placement)] = (arm, time.monotonic() + self._ttl)
        return arm

    async def move(self, conversation_id: str, placement: str, arm: str) -> None:
        """Replace the conversation's arm."""
        self._arms[(conversation_id, placement)] = (arm, time.monotonic() + self._ttl)

    async def forget(self, conversation_ids: Iterable[str]) -> None:
        """Drop sticky arms."""
        gone = set(conversation_ids)
        self._arms = {k: v for k, v in self._arms.items() if k[0] not in gone}

    async def controls(self) -> dict[str, Controls]:
        """Controls per placement."""
        return dict(self._controls)

    async def set_controls(self, placement: str, controls: Controls) -> None:
        """Replace one placement's controls."""
        self._controls[placement] = controls

    async def aclose(self) -> None:
        """Nothing to release."""


class RedisExperimentState:
    """Shared by every replica over Redis (see the module docstring)."""

    def __init__(
        self, url: str, *, prefix: str = "aisle", ttl_s: int = 86_400, cache_s: float = 1.0
    ) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(url)
        self._prefix = f"{prefix}:exp"
        self._ttl = int(ttl_s)
        self._cache_s = cache_s
        self._cache: dict[str, tuple[float, Stats]] = {}
        self._controls: tuple[float, dict[str, Controls]] | None = None
        # Arms this replica has already read or set: a conversation's later requests here
        # cost no round trip. Another replica can only set a conversation's arm first, never
        # change it, except `move` after a pause: then each replica moves it off the paused
        # arm on its own, and the two may pick different arms for that conversation.
        self._known: dict[tuple[str, str], str] = {}

    def _stats_key(self, placement: str) -> str:
        return f"{self._prefix}:stats:{placement}"

    def _arm_key(self, conversation_id: str, placement: str) -> str:
        return f"{self._prefix}:arm:{conversation_id}:{placement}"

    async def stats(self, placement: str) -> Stats:
        """Counts of one placement, through the cache."""
        cached = self._cache.get(placement)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        raw = await self._redis.hgetall(self._stats_key(placement))
        stats: Stats = {}
        for key, value in raw.items():
            context, arm, counter = key.decode().rsplit("|", 2)
            _add(stats, context, arm, counter, int(value))
        self._cache[placement] = (time.monotonic() + self._cache_s, stats)
        return stats

    async def bump(self, placement: str, context: str, arm: str, counter: Counter) -> None:
        """HINCRBY the field, and the cached copy so this replica sees its own write."""
        await self._redis.hincrby(self._stats_key(placement), f"{context}|{arm}|{counter}", 1)
        cached = self._cache.get(placement)
        if cached is not None:
            _add(cached[1], context, arm, counter)

    async def seed(self, placement: str, stats: Stats) -> bool:
        """Write the durable counts when Redis has none (HSETNX per field: races are benign)."""
        key = self._stats_key(placement)
        if await self._redis.exists(key):
            return False
        fields = {
            f"{context}|{arm}|{counter}": getattr(s, counter)
            for context, arms in stats.items()
            for arm, s in arms.items()
            for counter in ("impressions", "clicks", "carts")
        }
        if not fields:
            return False
        async with self._redis.pipeline(transaction=True) as pipe:
            for name, value in fields.items():
                pipe.hsetnx(key, name, value)
            await pipe.execute()
        self._cache.pop(placement, None)
        return True

    async def arm_of(self, conversation_id: str, placement: str) -> str | None:
        """The conversation's arm, if it has one."""
        raw = await self._redis.get(self._arm_key(conversation_id, placement))
        return raw.decode() if raw is not None else None

    def _remember(self, conversation_id: str, placement: str, arm: str) -> str:
        if len(self._known) >= 50_000:
            self._known.clear()  # bounded: a cleared copy only costs round trips
        self._known[(conversation_id, placement)] = arm
        return arm

    async def stick(self, conversation_id: str, placement: str, arm: str) -> str:
        """SET NX GET (Redis 7): one round trip, and two replicas racing on one
        conversation agree on the first arm."""
        known = self._known.get((conversation_id, placement))
        if known is not None:
            return known
        key = self._arm_key(conversation_id, placement)
        held = await self._redis.set(key, arm, nx=True, ex=self._ttl, get=True)
        return self._remember(conversation_id, placement, held.decode() if held else arm)

    async def move(self, conversation_id: str, placement: str, arm: str) -> None:
        """Replace the conversation's arm."""
        await self._redis.set(self._arm_key(conversation_id, placement), arm, ex=self._ttl)
        self._remember(conversation_id, placement, arm)

    async def forget(self, conversation_ids: Iterable[str]) -> None:
        """Delete the conversations' arm keys."""
        gone = set(conversation_ids)
        self._known = {k: v for k, v in self._known.items() if k[0] not in gone}
        for conversation_id in gone:
            keys = [k async for k in self._redis.scan_iter(self._arm_key(conversation_id, "*"))]
            if keys:
                await self._redis.delete(*keys)

    async def controls(self) -> dict[str, Controls]:
        """Controls per placement, through the cache."""
        if self._controls is not None and self._controls[0] > time.monotonic():
            return self._controls[1]
        raw = await self._redis.hgetall(f"{self._prefix}:controls")
        out = {k.decode(): Controls.from_json(v) for k, v in raw.items()}
        self._controls = (time.monotonic() + self._cache_s, out)
        return out

    async def set_controls(self, placement: str, controls: Controls) -> None:
        """Replace one placement's controls (other replicas see it within `cache_s`)."""
        await self._redis.hset(f"{self._prefix}:controls", placement, controls.to_json())
        self._controls = None

    async def ping(self) -> None:
        """Raise when Redis does not answer."""
        await self._redis.ping()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await asyncio.shield(self._redis.aclose())


def make_experiment_state(
    redis_url: str | None, *, ttl_s: int = 86_400, cache_s: float = 1.0, prefix: str = "aisle"
) -> ExperimentState:
    """Redis-backed state when `redis_url` is set (the cluster), else in memory."""
    if redis_url:
        return RedisExperimentState(redis_url, prefix=prefix, ttl_s=ttl_s, cache_s=cache_s)
    return MemoryExperimentState(ttl_s)
