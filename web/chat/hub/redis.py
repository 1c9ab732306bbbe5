"""`RedisHub`: conversations in Redis, frames fanned out to every gateway replica over pub/sub."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from typing import Any

from web.chat.hub.protocol import Conversation, Item, Subscribers, frame_text

__all__ = ["RedisHub"]

log = logging.getLogger(__name__)


# Numbering, storing and publishing in one step, so frames from two replicas (a turn on
# one, a staff message on another) can never be stored or delivered out of seq order.
# Every replica, the publisher too, hears a frame through pub/sub: one ordered stream.
_PUBLISH = """
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local f = '{"v":1,"type":"' .. ARGV[1] .. '","id":"' .. ARGV[2] .. '","seq":' .. seq ..
  ',"data":' .. ARGV[3] .. '}'
redis.call('RPUSH', KEYS[2], f)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
redis.call('HSET', KEYS[1], 'updated', ARGV[7])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[6])
redis.call('PUBLISH', KEYS[4], ARGV[6] .. '\\n' .. seq .. '\\n' .. f)
return seq
"""

_META_FIELDS = (
    "session_id",
    "shopper_id",
    "mode",
    "staff",
    "needs_human",
    "started",
    "updated",
    "preview",
)


class RedisHub(Subscribers):
    """Conversations in Redis; frames fan out to every gateway replica over one pub/sub channel."""

    def __init__(
        self,
        url: str,
        replay_frames: int = 2000,
        ttl_s: int = 86_400,
        prefix: str = "aisle",
    ) -> None:
        import redis.asyncio as redis

        super().__init__()
        # The name shows in CLIENT LIST: which replica holds which connection.
        self.client_name = f"{prefix}-hub-{uuid.uuid4().hex[:12]}"
        self._redis: Any = redis.Redis.from_url(url, client_name=self.client_name)
        self._prefix = prefix
        self._replay = replay_frames
        self._ttl = int(ttl_s)
        self._channel = f"{prefix}:frames"
        self._live_key = f"{prefix}:live"
        self._script = self._redis.register_script(_PUBLISH)
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def _key(self, conversation_id: str, suffix: str = "") -> str:
        return f"{self._prefix}:c:{conversation_id}{suffix}"

    async def start(self) -> None:
        """Subscribe to the frame channel (before the first socket listens)."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="aisle-hub-listener")
            await asyncio.wait_for(self._ready.wait(), 10)

    async def _listen(self) -> None:
        subscribed_before = False
        backoff = 0.05
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                async for message in pubsub.listen():
                    kind = message.get("type")
                    if kind == "subscribe":
                        backoff = 0.05
                        self._ready.set()
                        if subscribed_before:
                            # Frames published while the subscription was down reached no
                            # socket of this replica: each reads them back from the replay.
                            self._fanout.resync()
                        subscribed_before = True
                        continue
                    if kind != "message":
                        continue
                    raw = message["data"]
                    text = raw.decode() if isinstance(raw, bytes) else str(raw)
                    cid, seq, frame = text.split("\n", 2)
                    self._fanout.deliver(cid, (int(seq) if seq else None, frame))
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception as e:
                log.warning("redis pub/sub dropped (%s); resubscribing", type(e).__name__)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def create(self, session_id: str, shopper_id: str | None) -> Conversation:
        meta = Conversation(id=uuid.uuid4().hex, session_id=session_id, shopper_id=shopper_id)
        await self.save(meta)
        return meta

    async def get(self, conversation_id: str) -> Conversation | None:
        raw = await self._redis.hmget(self._key(conversation_id), *_META_FIELDS)
        values = [v.decode() if isinstance(v, bytes) else v for v in raw]
        if values[0] is None:
            return None
        fields = dict(zip(_META_FIELDS, values, strict=True))
        return Conversation(
            id=conversation_id,
            session_id=str(fields["session_id"]),
            shopper_id=fields["shopper_id"] or None,
            mode="staff" if fields["mode"] == "staff" else "assistant",
            staff=fields["staff"] or None,
            needs_human=fields["needs_human"] == "1",
            started=float(fields["started"] or 0),
            updated=float(fields["updated"] or 0),
            preview=fields["preview"] or "",
        )

    async def save(self, conversation: Conversation) -> None:
        conversation.updated = time.time()
        key = self._key(conversation.id)
        mapping = {
            "session_id": conversation.session_id,
            "shopper_id": conversation.shopper_id or "",
            "mode": conversation.mode,
            "staff": conversation.staff or "",
            "needs_human": "1" if conversation.needs_human else "0",
            "started": repr(conversation.started),
            "updated": repr(conversation.updated),
            "preview": conversation.preview,
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)
            pipe.expire(key, self._ttl)
            pipe.zadd(self._live_key, {conversation.id: conversation.updated})
            await pipe.execute()

    async def publish(self, conversation_id: str, type_: str, data: dict[str, Any]) -> int:
        seq = await self._script(
            keys=[
                self._key(conversation_id),
                self._key(conversation_id, ":frames"),
                self._live_key,
                self._channel,
            ],
            args=[
                type_,
                uuid.uuid4().hex[:16],
                json.dumps(data, separators=(",", ":")),
                self._replay,
                self._ttl,
                conversation_id,
                repr(time.time()),
            ],
        )
        return int(seq)

    async def note(self, conversation_id: str, type_: str, data: dict[str, Any]) -> None:
        await self._redis.publish(
            self._channel, f"{conversation_id}\n\n{frame_text(type_, data, None)}"
        )

    async def replay(self, conversation_id: str, after: int) -> list[Item]:
        raw = await self._redis.lrange(self._key(conversation_id, ":frames"), 0, -1)
        items: list[Item] = []
        for r in raw:
            text = r.decode() if isinstance(r, bytes) else str(r)
            seq = int(json.loads(text)["seq"])
            if seq > after:
                items.append((seq, text))
        return items

    async def last_seq(self, conversation_id: str) -> int:
        seq = await self._redis.hget(self._key(conversation_id), "seq")
        return int(seq or 0)

    async def claim(self, conversation_id: str, client_id: str) -> bool:
        key = self._key(conversation_id, ":clients")
        added = await self._redis.sadd(key, client_id)
        await self._redis.expire(key, self._ttl)
        return bool(added)

    async def release(self, conversation_id: str, client_id: str) -> None:
        await self._redis.srem(self._key(conversation_id, ":clients"), client_id)

    async def context(
        self, conversation_id: str
    ) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
        history, state = await self._redis.hmget(self._key(conversation_id), "history", "state")
        return (json.loads(history) if history else [], json.loads(state) if state else None)

    async def set_context(
        self, conversation_id: str, history: list[dict[str, str]], state: dict[str, Any]
    ) -> None:
        await self._redis.hset(
            self._key(conversation_id),
            mapping={"history": json.dumps(history), "state": json.dumps(state)},
        )

    async def live(self, since_s: float) -> list[Conversation]:
        now = time.time()
        await self._redis.zremrangebyscore(self._live_key, 0, now - self._ttl)
        ids = await self._redis.zrevrangebyscore(self._live_key, now + 1, now - since_s)
        found = [await self.get(i.decode() if isinstance(i, bytes) else i) for i in ids]
        return [c for c in found if c is not None]

    async def erase(self, conversation_id: str) -> None:
        # Every replica polls the erasures and runs this; deleting twice is harmless.
        await self._redis.delete(
            self._key(conversation_id),
            self._key(conversation_id, ":frames"),
            self._key(conversation_id, ":clients"),
        )
        await self._redis.zrem(self._live_key, conversation_id)
        self._fanout.end(conversation_id)

    async def ping(self) -> None:
        await self._redis.ping()

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except (asyncio.CancelledError, Exception):
                pass
        await self._redis.aclose()
