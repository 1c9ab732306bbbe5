"""The conversation hub: numbered frames, replay for resume, fan-out, and per-conversation memory.

`ConversationHub` is the seam; `MemoryHub` keeps everything in this process (the
embedded default) and `RedisHub` keeps it in Redis, so any gateway replica can resume
any conversation and a staff member on one replica reaches a shopper on another.
Frames travel as JSON text: a numbered frame is built once, stored for replay and
handed to every local subscriber without being parsed again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from web.protocol import VERSION

__all__ = [
    "Conversation",
    "ConversationHub",
    "MemoryHub",
    "RedisHub",
    "Subscription",
    "SubscriptionEnded",
    "make_hub",
]

log = logging.getLogger(__name__)

Mode = Literal["assistant", "staff"]
# An item a subscriber receives: (seq or None for notes, the frame's JSON text).
Item = tuple[int | None, str]


@dataclass
class Conversation:
    """What the gateway knows about a conversation between turns."""

    id: str
    session_id: str
    shopper_id: str | None = None
    mode: Mode = "assistant"
    staff: str | None = None
    needs_human: bool = False
    started: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    preview: str = ""

    @property
    def actor_id(self) -> str:
        """Who recsys events are recorded for: the shop's shopper id, else the session."""
        return self.shopper_id or f"session:{self.session_id}"


class SubscriptionEnded(Exception):
    """The conversation was erased (GDPR delete): its listeners stop."""


class Subscription:
    """A local listener's bounded queue; on overflow it calls `on_overflow` (drop the socket).

    Kept small on purpose (a deque and one waiter), since every open socket holds one.
    """

    __slots__ = (
        "_items",
        "_maxsize",
        "_waiter",
        "conversation_id",
        "ended",
        "notes",
        "on_overflow",
        "overflowed",
    )

    def __init__(self, conversation_id: str, maxsize: int, notes: bool = False) -> None:
        self.conversation_id = conversation_id
        self.notes = notes
        self.overflowed = False
        self.ended = False
        self.on_overflow: Callable[[], None] | None = None
        self._items: deque[Item] = deque()
        self._maxsize = maxsize
        self._waiter: asyncio.Future[None] | None = None

    def offer(self, item: Item) -> None:
        """Queue an item without waiting; a full queue marks the subscription overflowed."""
        if (item[0] is None and not self.notes) or self.overflowed:
            return
        if len(self._items) >= self._maxsize:
            self.overflowed = True
            if self.on_overflow is not None:
                self.on_overflow()
            return
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def end(self) -> None:
        """Stop the listener: its next `get` raises `SubscriptionEnded`."""
        self.ended = True
        self._items.clear()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Item:
        """The next item.

        Raises:
            SubscriptionEnded: the conversation was erased.
        """
        while not self._items:
            if self.ended:
                raise SubscriptionEnded(self.conversation_id)
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    def get_nowait(self) -> Item | None:
        """The next item if one is queued."""
        return self._items.popleft() if self._items else None


def frame_text(type_: str, data: dict[str, Any], seq: int | None) -> str:
    """A server frame's JSON text."""
    return json.dumps(
        {"v": VERSION, "type": type_, "id": uuid.uuid4().hex[:16], "seq": seq, "data": data},
        separators=(",", ":"),
    )


class ConversationHub(Protocol):
    """Conversations, their numbered frames and the sockets that listen to them."""

    async def create(self, session_id: str, shopper_id: str | None) -> Conversation:
        """A new conversation."""
        ...

    async def get(self, conversation_id: str) -> Conversation | None:
        """A conversation, or None when it is unknown or expired."""
        ...

    async def save(self, conversation: Conversation) -> None:
        """Store a conversation's mode, staff, flags and preview."""
        ...

    async def publish(self, conversation_id: str, type_: str, data: dict[str, Any]) -> int:
        """Number a frame, keep it for replay and hand it to every subscriber; returns its seq."""
        ...

    async def note(self, conversation_id: str, type_: str, data: dict[str, Any]) -> None:
        """An unnumbered note for staff watchers (a shopper's message, a flag), never replayed."""
        ...

    async def replay(self, conversation_id: str, after: int) -> list[Item]:
        """The kept frames with seq > after, in order."""
        ...

    async def last_seq(self, conversation_id: str) -> int:
        """The latest seq of a conversation (0 before its first frame)."""
        ...

    async def claim(self, conversation_id: str, client_id: str) -> bool:
        """True the first time a client message id is seen in a conversation."""
        ...

    async def release(self, conversation_id: str, client_id: str) -> None:
        """Forget a claim whose message was not stored, so a resend is taken."""
        ...

    async def context(
        self, conversation_id: str
    ) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
        """The history and assistant state kept for the next turn."""
        ...

    async def set_context(
        self, conversation_id: str, history: list[dict[str, str]], state: dict[str, Any]
    ) -> None:
        """Keep the history and state after a turn."""
        ...

    async def live(self, since_s: float) -> list[Conversation]:
        """Conversations active in the last `since_s` seconds, newest first."""
        ...

    def subscribe(self, conversation_id: str, maxsize: int, notes: bool = False) -> Subscription:
        """Start receiving a conversation's frames (and notes when asked) in this process."""
        ...

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop receiving."""
        ...

    def subscribe_all(self, maxsize: int) -> Subscription:
        """Receive every conversation's notes and frames (the console's live list)."""
        ...

    async def erase(self, conversation_id: str) -> None:
        """Forget a conversation (frames, replay, context) and end this process's listeners."""
        ...

    async def ping(self) -> None:
        """Raise when the backing store does not answer."""
        ...

    async def aclose(self) -> None:
        """Release connections and tasks."""
        ...


class _LocalFanout:
    """Subscribers of this process, by conversation."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = {}
        self._all: set[Subscription] = set()

    def add(self, sub: Subscription) -> None:
        self._subs.setdefault(sub.conversation_id, set()).add(sub)

    def add_all(self, sub: Subscription) -> None:
        self._all.add(sub)

    def remove(self, sub: Subscription) -> None:
        self._all.discard(sub)
        subs = self._subs.get(sub.conversation_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.conversation_id]

    def end(self, conversation_id: str) -> None:
        for sub in tuple(self._subs.get(conversation_id, ())):
            sub.end()
        self._subs.pop(conversation_id, None)

    def deliver(self, conversation_id: str, item: Item) -> None:
        for sub in tuple(self._subs.get(conversation_id, ())):
            sub.offer(item)
        if self._all:
            # The console's list wants to know which conversation moved.
            wrapped = (item[0], f'{{"conversation_id":"{conversation_id}","frame":{item[1]}}}')
            for sub in tuple(self._all):
                sub.offer((None, wrapped[1]))


class _Subscribers:
    """The subscribe side both hubs share: listeners of this process, by conversation."""

    def __init__(self) -> None:
        self._fanout = _LocalFanout()

    def subscribe(self, conversation_id: str, maxsize: int, notes: bool = False) -> Subscription:
        """Start receiving a conversation's frames (and notes when asked) in this process."""
        sub = Subscription(conversation_id, maxsize, notes)
        self._fanout.add(sub)
        return sub

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop receiving."""
        self._fanout.remove(subscription)

    def subscribe_all(self, maxsize: int) -> Subscription:
        """Receive every conversation's notes and frames (the console's live list)."""
        sub = Subscription("*", maxsize, notes=True)
        self._fanout.add_all(sub)
        return sub


@dataclass
class _MemoryConversation:
    meta: Conversation
    frames: deque[Item]
    seq: int = 0
    clients: set[str] = field(default_factory=set)
    history: list[dict[str, str]] = field(default_factory=list)
    state: dict[str, Any] | None = None


class MemoryHub(_Subscribers):
    """Everything in this process; conversations expire `ttl_s` after their last activity."""

    def __init__(self, replay_frames: int = 2000, ttl_s: float = 86_400) -> None:
        super().__init__()
        self._conversations: dict[str, _MemoryConversation] = {}
        self._replay = replay_frames
        self._ttl = ttl_s
        self._last_sweep = time.monotonic()

    def _sweep(self) -> None:
        if time.monotonic() - self._last_sweep < 60:
            return
        self._last_sweep = time.monotonic()
        cutoff = time.time() - self._ttl
        for cid in [c for c, v in self._conversations.items() if v.meta.updated < cutoff]:
            del self._conversations[cid]

    async def create(self, session_id: str, shopper_id: str | None) -> Conversation:
        self._sweep()
        meta = Conversation(id=uuid.uuid4().hex, session_id=session_id, shopper_id=shopper_id)
        self._conversations[meta.id] = _MemoryConversation(meta, deque(maxlen=self._replay))
        return meta

    async def get(self, conversation_id: str) -> Conversation | None:
        conv = self._conversations.get(conversation_id)
        return None if conv is None else Conversation(**asdict(conv.meta))

    async def save(self, conversation: Conversation) -> None:
        conv = self._conversations.get(conversation.id)
        if conv is not None:
            conversation.updated = time.time()
            conv.meta = Conversation(**asdict(conversation))

    async def publish(self, conversation_id: str, type_: str, data: dict[str, Any]) -> int:
        conv = self._conversations[conversation_id]
        conv.seq += 1
        item: Item = (conv.seq, frame_text(type_, data, conv.seq))
        conv.frames.append(item)
        conv.meta.updated = time.time()
        self._fanout.deliver(conversation_id, item)
        return conv.seq

    async def note(self, conversation_id: str, type_: str, data: dict[str, Any]) -> None:
        self._fanout.deliver(conversation_id, (None, frame_text(type_, data, None)))

    async def replay(self, conversation_id: str, after: int) -> list[Item]:
        conv = self._conversations.get(conversation_id)
        if conv is None:
            return []
        return [item for item in conv.frames if item[0] is not None and item[0] > after]

    async def last_seq(self, conversation_id: str) -> int:
        conv = self._conversations.get(conversation_id)
        return 0 if conv is None else conv.seq

    async def claim(self, conversation_id: str, client_id: str) -> bool:
        conv = self._conversations[conversation_id]
        if client_id in conv.clients:
            return False
        conv.clients.add(client_id)
        return True

    async def release(self, conversation_id: str, client_id: str) -> None:
        conv = self._conversations.get(conversation_id)
        if conv is not None:
            conv.clients.discard(client_id)

    async def context(
        self, conversation_id: str
    ) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
        conv = self._conversations[conversation_id]
        return list(conv.history), conv.state

    async def set_context(
        self, conversation_id: str, history: list[dict[str, str]], state: dict[str, Any]
    ) -> None:
        conv = self._conversations[conversation_id]
        conv.history, conv.state = history, state

    async def live(self, since_s: float) -> list[Conversation]:
        cutoff = time.time() - since_s
        found = [Conversation(**asdict(c.meta)) for c in self._conversations.values()]
        return sorted((c for c in found if c.updated >= cutoff), key=lambda c: -c.updated)

    async def erase(self, conversation_id: str) -> None:
        self._conversations.pop(conversation_id, None)
        self._fanout.end(conversation_id)

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


# Numbering, storing and publishing in one step, so frames from two replicas (a turn on
# one, a staff message on another) can never be stored or delivered out of seq order.
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


class RedisHub(_Subscribers):
    """Conversations in Redis; frames fan out to every gateway replica over one pub/sub channel."""

    def __init__(
        self,
        url: str,
        replay_frames: int = 2000,
        ttl_s: int = 86_400,
        prefix: str = "aisle",
        client_factory: Callable[[str], Any] | None = None,
    ) -> None:
        import redis.asyncio as redis

        super().__init__()
        self._redis: Any = (client_factory or redis.Redis.from_url)(url)
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
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    raw = message["data"]
                    text = raw.decode() if isinstance(raw, bytes) else str(raw)
                    cid, seq, frame = text.split("\n", 2)
                    self._fanout.deliver(cid, (int(seq) if seq else None, frame))
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception as e:
                # Subscribers resume from their last seq, so a lost second here loses nothing.
                log.warning("redis pub/sub dropped (%s); resubscribing", type(e).__name__)
                await asyncio.sleep(0.5)

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


async def make_hub(
    redis_url: str | None, replay_frames: int, ttl_s: int, prefix: str = "aisle"
) -> MemoryHub | RedisHub:
    """The Redis hub when a URL is set (started), else the in-memory one."""
    if redis_url is None:
        return MemoryHub(replay_frames, ttl_s)
    hub = RedisHub(redis_url, replay_frames, ttl_s, prefix)
    await hub.start()
    return hub
