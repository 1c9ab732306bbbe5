"""The hub's seam: numbered frames, replay for resume, fan-out, per-conversation memory.

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
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from web.chat.protocol import VERSION

__all__ = [
    "Conversation",
    "ConversationHub",
    "Item",
    "LocalFanout",
    "Mode",
    "RESYNC",
    "Subscribers",
    "Subscription",
    "SubscriptionEnded",
    "frame_text",
]

log = logging.getLogger(__name__)

Mode = Literal["assistant", "staff"]
# An item a subscriber receives: (seq or None for notes, the frame's JSON text).
Item = tuple[int | None, str]
# Not a frame: the hub may have missed frames (its pub/sub connection dropped and came
# back); a socket reads what it missed from the replay. Frames are numbered from 1.
RESYNC: Item = (0, "")


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


class LocalFanout:
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

    def resync(self) -> None:
        """Tell every conversation's subscribers that frames may have been missed."""
        for subs in tuple(self._subs.values()):
            for sub in tuple(subs):
                sub.offer(RESYNC)

    def deliver(self, conversation_id: str, item: Item) -> None:
        for sub in tuple(self._subs.get(conversation_id, ())):
            sub.offer(item)
        if self._all:
            # The console's list wants to know which conversation moved.
            wrapped = (item[0], f'{{"conversation_id":"{conversation_id}","frame":{item[1]}}}')
            for sub in tuple(self._all):
                sub.offer((None, wrapped[1]))


class Subscribers:
    """The subscribe side both hubs share: listeners of this process, by conversation."""

    def __init__(self) -> None:
        self._fanout = LocalFanout()

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
