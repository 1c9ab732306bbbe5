"""A live socket misses no frame when the Redis hub's pub/sub connection drops under an answer.

Two gateway replicas share Redis; the shopper has the chat open on both (two tabs).
While an answer streams, the test kills both replicas' pub/sub connections
(`CLIENT KILL ID`, only theirs: other tests share this Redis). Each tab must still
get every frame of the answer exactly once and in seq order, without reconnecting.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis

from assistant import (
    AnswerDelta,
    ConversationState,
    TurnDone,
    TurnEvent,
    TurnRecord,
    TurnRequest,
    TurnStarted,
)
from tests.integration.servers import serve_app
from tests.integration.wsclient import open_chat
from web.app import create_app
from web.chat.hub import RedisHub
from web.parts import PartsFactory
from web.settings import WebSettings

REDIS_URL = "redis://127.0.0.1:6379/0"
DELTAS = 40


class SlowRunner:
    """Streams a long answer, one delta every 20 ms."""

    async def turn(self, request: TurnRequest) -> AsyncIterator[TurnEvent]:
        turn_id = uuid.uuid4().hex[:16]
        yield TurnStarted(turn_id=turn_id)
        for i in range(DELTAS):
            yield AnswerDelta(text=f"{i} ")
            await asyncio.sleep(0.02)
        yield TurnDone(record=TurnRecord(turn_id=turn_id, brain="slow"), state=ConversationState())


def _kill_pubsub(hubs: list[RedisHub]) -> int:
    """Close the pub/sub connections of these hubs only; how many were closed."""
    client = redis.Redis.from_url(REDIS_URL)
    names = {hub.client_name for hub in hubs}
    killed = 0
    for info in client.client_list(_type="pubsub"):
        if info.get("name") in names:
            client.client_kill_filter(_id=info["id"])
            killed += 1
    client.close()
    return killed


def _seqs(frames: list[dict[str, Any]]) -> list[int]:
    return [f["seq"] for f in frames if f.get("seq") is not None]


async def test_a_dropped_pubsub_connection_loses_and_repeats_no_frame(tmp_path: Path) -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as e:  # a clear failure, never a skip: `make services` starts Redis
        pytest.fail(f"Redis at {REDIS_URL} is not reachable ({e}); run `make services`")
    settings = WebSettings(data_dir=tmp_path, demo=True, redis_url=REDIS_URL)
    app_a = create_app(settings, PartsFactory(runner=SlowRunner()))
    app_b = create_app(settings, PartsFactory(runner=SlowRunner()))
    with serve_app(app_a) as a, serve_app(app_b) as b:
        hubs = [app_a.state.parts.hub, app_b.state.parts.hub]
        assert all(isinstance(hub, RedisHub) for hub in hubs)
        tab_a = await open_chat(a)
        token = tab_a.welcome["data"]["resume_token"]
        tab_b = await open_chat(b, resume_token=token, last_seq=0)
        await tab_a.say("tell me everything")
        # Part of the answer has reached tab B through pub/sub: now the connections drop.
        seen = 0
        while seen < 5:
            frame = await tab_b.next()
            seen += frame["type"] == "assistant.delta"
        assert _kill_pubsub(hubs) == 2
        await tab_b.until("assistant.done")
        await tab_a.until("assistant.done")
        # Neither tab reconnected: the frames came on the sockets opened above.
        for chat in (tab_a, tab_b):
            frames = chat.frames
            seqs = _seqs(frames)
            assert seqs == list(range(seqs[0], seqs[-1] + 1)), seqs  # each once, in order
            deltas = [f["data"]["text"] for f in frames if f["type"] == "assistant.delta"]
            assert deltas == [f"{i} " for i in range(DELTAS)]
        await tab_a.close()
        await tab_b.close()
