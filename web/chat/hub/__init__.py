"""The conversation hub: numbered frames, replay for resume, fan-out, and per-conversation memory.

`ConversationHub` (hub/protocol.py) is the seam; `MemoryHub` keeps everything in this
process (the embedded default) and `RedisHub` keeps it in Redis, so any gateway replica
can resume any conversation and a staff member on one replica reaches a shopper on another.
"""

from __future__ import annotations

from web.chat.hub.memory import MemoryHub
from web.chat.hub.protocol import (
    RESYNC,
    Conversation,
    ConversationHub,
    Item,
    Mode,
    Subscription,
    SubscriptionEnded,
    frame_text,
)
from web.chat.hub.redis import RedisHub

__all__ = [
    "Conversation",
    "ConversationHub",
    "Item",
    "MemoryHub",
    "Mode",
    "RESYNC",
    "RedisHub",
    "Subscription",
    "SubscriptionEnded",
    "frame_text",
    "make_hub",
]


async def make_hub(
    redis_url: str | None, replay_frames: int, ttl_s: int, prefix: str = "aisle"
) -> MemoryHub | RedisHub:
    """The Redis hub when a URL is set (started), else the in-memory one."""
    if redis_url is None:
        return MemoryHub(replay_frames, ttl_s)
    hub = RedisHub(redis_url, replay_frames, ttl_s, prefix)
    await hub.start()
    return hub
