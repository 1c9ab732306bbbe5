"""`MemoryHub`: conversations, numbered frames and fan-out in this process (the default)."""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from web.chat.hub.protocol import Conversation, Item, Subscribers, frame_text

__all__ = ["MemoryHub"]

log = logging.getLogger(__name__)


@dataclass
class _MemoryConversation:
    meta: Conversation
    frames: deque[Item]
    seq: int = 0
    clients: set[str] = field(default_factory=set)
    history: list[dict[str, str]] = field(default_factory=list)
    state: dict[str, Any] | None = None


class MemoryHub(Subscribers):
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
