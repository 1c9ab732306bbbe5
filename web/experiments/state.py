"""The experiments' shared state: counts per placement, context and arm; sticky arms; controls.

`MemoryExperimentState` serves one process (the embedded default); `RedisExperimentState`
shares everything between gateway replicas: counts are Redis hash fields bumped with
HINCRBY (atomic, so two replicas never lose an update), each conversation's arm is a key
with the session's TTL, and the controls (mode, paused arms, split) are one hash. The
durable copy is the impressions table (web/store/impressions.py): a state found empty is
seeded from it.

Choosing an arm never waits on Redis: it reads a local snapshot of the counts (refreshed
in the background every `cache_s`) and of the controls (every `controls_s`), and a sticky
arm is written after the request (`stick_soon`, `move_soon`). How two replicas that gave
one conversation different arms agree is in `RedisExperimentState.stick_soon`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
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

log = logging.getLogger(__name__)

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

    def stick_soon(self, conversation_id: str, placement: str, arm: str) -> str:
        """Give the conversation `arm` unless this replica knows it has one; returns the one
        to serve now. Shared state is written after the call returns."""
        ...

    def move_soon(self, conversation_id: str, placement: str, old: str, arm: str) -> None:
        """Give the conversation `arm` in place of `old` (its arm was paused)."""
        ...

    async def forget(self, conversation_ids: Iterable[str]) -> None:
        """Drop the conversations' sticky arms (GDPR delete)."""
        ...

    async def controls(self) -> dict[str, Controls]:
        """Controls per placement that an admin changed (read from the shared state)."""
        ...

    async def load(self) -> None:
        """Read the snapshot that choosing uses, and keep it fresh from now on (idempotent)."""
        ...

    def local_stats(self, placement: str) -> Stats:
        """Counts of one placement as this replica last read them (no I/O)."""
        ...

    def local_controls(self) -> dict[str, Controls]:
        """Controls as this replica last read them (no I/O); its own changes show at once."""
        ...

    async def drain(self) -> None:
        """Wait for the sticky arms still being written."""
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

    def stick_soon(self, conversation_id: str, placement: str, arm: str) -> str:
        """Keep the first arm given."""
        held = self._arms.get((conversation_id, placement))
        if held is not None and held[1] >= time.monotonic():
            return held[0]
        if len(self._arms) > 100_000:  # drop expired ones now and then
            now = time.monotonic()
            self._arms = {k: v for k, v in self._arms.items() if v[1] >= now}
        self._arms[(conversation_id, placement)] = (arm, time.monotonic() + self._ttl)
        return arm

    def move_soon(self, conversation_id: str, placement: str, old: str, arm: str) -> None:
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

    async def load(self) -> None:
        """Nothing to read: the snapshot is the state."""

    def local_stats(self, placement: str) -> Stats:
        """Counts of one placement."""
        return self._stats.get(placement, {})

    def local_controls(self) -> dict[str, Controls]:
        """Controls per placement."""
        return self._controls

    async def drain(self) -> None:
        """Nothing is written later."""

    async def aclose(self) -> None:
        """Nothing to release."""


# Move a conversation off a paused arm unless another replica already did: the first move
# wins, and the loser adopts the arm it returns.
_MOVE = """
local held = redis.call('GET', KEYS[1])
if (not held) or held == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return ARGV[2]
end
return held
"""

# The snapshot refresh never runs more often than this, whatever `cache_s` says.
MIN_REFRESH_S = 0.05


class RedisExperimentState:
    """Shared by every replica over Redis (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "aisle",
        ttl_s: int = 86_400,
        cache_s: float = 1.0,
        controls_s: float = 1.0,
    ) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(url)
        self._prefix = f"{prefix}:exp"
        self._ttl = int(ttl_s)
        self._every = {
            "stats": max(cache_s, MIN_REFRESH_S),
            "controls": max(controls_s, MIN_REFRESH_S),
        }
        self._stats: dict[str, Stats] = {}
        self._controls: dict[str, Controls] = {}
        self._loaded = False
        self._refresher: asyncio.Task[None] | None = None
        self._writes: set[asyncio.Task[None]] = set()
        # Arms this replica gave or learned: a conversation's later requests here read
        # them. Bounded: a cleared copy only means choosing again (by the same hash, so
        # the same arm while the snapshot holds) and learning the stored one again.
        self._known: dict[tuple[str, str], str] = {}

    def _stats_key(self, placement: str) -> str:
        return f"{self._prefix}:stats:{placement}"

    def _arm_key(self, conversation_id: str, placement: str) -> str:
        return f"{self._prefix}:arm:{conversation_id}:{placement}"

    async def stats(self, placement: str) -> Stats:
        """Counts of one placement, read from Redis (the console's view)."""
        raw = await self._redis.hgetall(self._stats_key(placement))
        return _parse_stats(raw)

    async def bump(self, placement: str, context: str, arm: str, counter: Counter) -> None:
        """HINCRBY the field. The snapshot learns it at its next refresh, as every other
        replica's does: replicas that read the same counts choose alike."""
        await self._redis.hincrby(self._stats_key(placement), f"{context}|{arm}|{counter}", 1)

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
        if self._loaded:
            await self._refresh("stats")
        return True

    async def arm_of(self, conversation_id: str, placement: str) -> str | None:
        """The conversation's stored arm, if it has one."""
        raw = await self._redis.get(self._arm_key(conversation_id, placement))
        return raw.decode() if raw is not None else None

    def _remember(self, conversation_id: str, placement: str, arm: str) -> None:
        if len(self._known) >= 50_000:
            self._known.clear()
        self._known[(conversation_id, placement)] = arm

    def _later(self, write: Any) -> None:
        task = asyncio.get_running_loop().create_task(write)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    def stick_soon(self, conversation_id: str, placement: str, arm: str) -> str:
        """The arm this replica knows for the conversation, else `arm`, stored after the
        request with SET NX GET.

        A race (two replicas give one new conversation different arms before either has
        stored it; only when their snapshots differ, since both choose by the same hash) is
        resolved by the first SET NX: the replica whose write lost reads the stored arm in
        the reply and serves it from its next request on. At most the requests it served
        before that reply used its own arm, each recorded with that arm and its share.
        """
        known = self._known.get((conversation_id, placement))
        if known is not None:
            return known
        self._remember(conversation_id, placement, arm)
        self._later(self._stick(conversation_id, placement, arm))
        return arm

    async def _stick(self, conversation_id: str, placement: str, arm: str) -> None:
        key = self._arm_key(conversation_id, placement)
        try:
            held = await self._redis.set(key, arm, nx=True, ex=self._ttl, get=True)
        except Exception:
            log.warning("experiments: sticky arm not stored", exc_info=True)
            return
        if held is not None and held.decode() != arm:
            self._adopt(conversation_id, placement, arm, held.decode())

    def _adopt(self, conversation_id: str, placement: str, mine: str, stored: str) -> None:
        # Only over the arm this replica wrote: a move made meanwhile stays.
        if self._known.get((conversation_id, placement)) == mine:
            self._remember(conversation_id, placement, stored)

    def move_soon(self, conversation_id: str, placement: str, old: str, arm: str) -> None:
        """Serve `arm` now; store it after the request unless another replica moved the
        conversation off `old` first (then adopt that replica's arm)."""
        self._remember(conversation_id, placement, arm)
        self._later(self._move(conversation_id, placement, old, arm))

    async def _move(self, conversation_id: str, placement: str, old: str, arm: str) -> None:
        key = self._arm_key(conversation_id, placement)
        try:
            held = await self._redis.eval(_MOVE, 1, key, old, arm, self._ttl)
        except Exception:
            log.warning("experiments: moved arm not stored", exc_info=True)
            return
        held = held.decode() if isinstance(held, bytes) else str(held)
        if held != arm:
            self._adopt(conversation_id, placement, arm, held)

    async def drain(self) -> None:
        """Wait for the sticky arms still being written."""
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    async def forget(self, conversation_ids: Iterable[str]) -> None:
        """Delete the conversations' arm keys (after this replica's pending writes, so that
        none of them brings a key back)."""
        await self.drain()
        gone = set(conversation_ids)
        self._known = {k: v for k, v in self._known.items() if k[0] not in gone}
        for conversation_id in gone:
            keys = [k async for k in self._redis.scan_iter(self._arm_key(conversation_id, "*"))]
            if keys:
                await self._redis.delete(*keys)

    async def controls(self) -> dict[str, Controls]:
        """Controls per placement, read from Redis."""
        raw = await self._redis.hgetall(f"{self._prefix}:controls")
        return {k.decode(): Controls.from_json(v) for k, v in raw.items()}

    async def set_controls(self, placement: str, controls: Controls) -> None:
        """Replace one placement's controls (here at once, elsewhere within `controls_s`)."""
        await self._redis.hset(f"{self._prefix}:controls", placement, controls.to_json())
        self._controls = {**self._controls, placement: controls}

    async def load(self) -> None:
        """Read counts and controls, then refresh them in the background."""
        if self._loaded:
            return
        await self._refresh("stats")
        await self._refresh("controls")
        self._loaded = True
        if self._refresher is None:
            self._refresher = asyncio.get_running_loop().create_task(self._refresh_forever())

    async def _refresh(self, what: Literal["stats", "controls"]) -> None:
        if what == "controls":
            self._controls = await self.controls()
            return
        from web.experiments.settings import PLACEMENTS

        async with self._redis.pipeline(transaction=False) as pipe:
            for placement in PLACEMENTS:
                pipe.hgetall(self._stats_key(placement))
            raws = await pipe.execute()
        fresh = {p: _parse_stats(raw) for p, raw in zip(PLACEMENTS, raws, strict=True)}
        # Unchanged counts keep their object, so estimates cached against it stay valid.
        self._stats = {
            p: self._stats[p] if self._stats.get(p) == s else s for p, s in fresh.items()
        }

    async def _refresh_forever(self) -> None:
        due = {what: time.monotonic() + every for what, every in self._every.items()}
        while True:
            await asyncio.sleep(max(0.0, min(due.values()) - time.monotonic()))
            for what in ("stats", "controls"):
                if due[what] <= time.monotonic():
                    due[what] = time.monotonic() + self._every[what]
                    try:
                        await self._refresh(what)
                    except Exception:  # Redis away: serve the last snapshot
                        log.warning("experiments: %s not refreshed", what, exc_info=True)

    def local_stats(self, placement: str) -> Stats:
        """Counts of one placement as last read (up to `cache_s` old)."""
        return self._stats.get(placement, {})

    def local_controls(self) -> dict[str, Controls]:
        """Controls as last read (up to `controls_s` old), this replica's changes at once."""
        return self._controls

    async def ping(self) -> None:
        """Raise when Redis does not answer."""
        await self._redis.ping()

    async def aclose(self) -> None:
        """Stop refreshing, finish the pending writes, close the connection pool."""
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
            self._refresher = None
        await self.drain()
        await asyncio.shield(self._redis.aclose())


def _parse_stats(raw: dict[bytes, bytes]) -> Stats:
    stats: Stats = {}
    for key, value in raw.items():
        context, arm, counter = key.decode().rsplit("|", 2)
        _add(stats, context, arm, counter, int(value))  # type: ignore[arg-type]
    return stats


def make_experiment_state(
    redis_url: str | None,
    *,
    ttl_s: int = 86_400,
    cache_s: float = 1.0,
    controls_s: float = 1.0,
    prefix: str = "aisle",
) -> ExperimentState:
    """Redis-backed state when `redis_url` is set (the cluster), else in memory."""
    if redis_url:
        return RedisExperimentState(
            redis_url, prefix=prefix, ttl_s=ttl_s, cache_s=cache_s, controls_s=controls_s
        )
    return MemoryExperimentState(ttl_s)
