"""The conversation hub's contract, in memory and on the local Redis (two replicas)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import pytest

from web.chat.hub import MemoryHub, RedisHub

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
async def hubs(request: pytest.FixtureRequest) -> AsyncIterator[tuple[object, object]]:
    """Two hubs sharing state: the same MemoryHub twice, or two Redis replicas."""
    if request.param == "memory":
        hub = MemoryHub(replay_frames=50)
        yield hub, hub
        return
    prefix = f"aisle-test-{uuid.uuid4().hex[:8]}"
    a = RedisHub(REDIS_URL, replay_frames=50, ttl_s=600, prefix=prefix)
    b = RedisHub(REDIS_URL, replay_frames=50, ttl_s=600, prefix=prefix)
    try:
        await a.start()
        await b.start()
    except Exception as e:  # a clear failure, never a skip: `make services` starts Redis
        pytest.fail(f"Redis at {REDIS_URL} is not reachable ({e}); run `make services`")
    yield a, b
    await a.aclose()
    await b.aclose()


async def _drain(sub: object, n: int) -> list[tuple[int | None, str]]:
    return [await asyncio.wait_for(sub.get(), 5) for _ in range(n)]  # type: ignore[attr-defined]


async def test_frames_are_numbered_kept_and_reach_subscribers_on_other_replicas(hubs) -> None:
    a, b = hubs
    conv = await a.create("session-1", "shopper-1")
    assert (await b.get(conv.id)).shopper_id == "shopper-1"
    listener = b.subscribe(conv.id, maxsize=100)
    seqs = [await a.publish(conv.id, "assistant.delta", {"text": f"part {i}"}) for i in range(5)]
    assert seqs == [1, 2, 3, 4, 5]
    got = await _drain(listener, 5)
    assert [s for s, _ in got] == [1, 2, 3, 4, 5]
    assert [json.loads(t)["data"]["text"] for _, t in got] == [f"part {i}" for i in range(5)]
    assert [s for s, _ in await b.replay(conv.id, 2)] == [3, 4, 5]
    assert await b.last_seq(conv.id) == 5
    b.unsubscribe(listener)


async def test_concurrent_publishers_never_reuse_or_reorder_seqs(hubs) -> None:
    a, b = hubs
    conv = await a.create("session-2", None)
    listener = a.subscribe(conv.id, maxsize=500)
    await asyncio.gather(
        *[(a if i % 2 else b).publish(conv.id, "staff.message", {"i": i}) for i in range(60)]
    )
    got = await _drain(listener, 60)
    assert [s for s, _ in got] == list(range(1, 61))
    kept = await a.replay(conv.id, 0)
    assert [s for s, _ in kept] == list(range(11, 61)), "replay keeps the newest 50"


async def test_client_ids_are_claimed_once_across_replicas(hubs) -> None:
    a, b = hubs
    conv = await a.create("session-3", None)
    assert await a.claim(conv.id, "c1") is True
    assert await b.claim(conv.id, "c1") is False
    assert await b.claim(conv.id, "c2") is True


async def test_context_mode_and_live_list_are_shared(hubs) -> None:
    a, b = hubs
    conv = await a.create("session-4", None)
    await a.set_context(conv.id, [{"role": "user", "content": "hi"}], {"turn": 1})
    assert await b.context(conv.id) == ([{"role": "user", "content": "hi"}], {"turn": 1})
    conv.mode, conv.staff = "staff", "Ann"
    await a.save(conv)
    seen = await b.get(conv.id)
    assert seen is not None and (seen.mode, seen.staff) == ("staff", "Ann")
    assert conv.id in [c.id for c in await b.live(60)]


async def test_notes_reach_watchers_but_not_shopper_sockets_and_are_not_replayed(hubs) -> None:
    a, b = hubs
    conv = await a.create("session-5", None)
    shopper = a.subscribe(conv.id, maxsize=10)
    staff = b.subscribe(conv.id, maxsize=10, notes=True)
    await a.note(conv.id, "user.message", {"text": "a person please"})
    await a.publish(conv.id, "staff.joined", {"staff": "Ann"})
    assert [s for s, _ in await _drain(staff, 2)] == [None, 1]
    assert [s for s, _ in await _drain(shopper, 1)] == [1]
    assert [s for s, _ in await a.replay(conv.id, 0)] == [1]


async def test_a_slow_subscriber_overflows_without_blocking_others(hubs) -> None:
    a, b = hubs
    conv = await a.create("session-6", None)
    slow = b.subscribe(conv.id, maxsize=4)
    dropped: list[bool] = []
    slow.on_overflow = lambda: dropped.append(True)
    fast = b.subscribe(conv.id, maxsize=100)
    for i in range(20):
        await a.publish(conv.id, "assistant.delta", {"text": str(i)})
    assert len(await _drain(fast, 20)) == 20
    assert slow.overflowed and dropped == [True], "the slow one is told once to drop its socket"
