"""/ws/chat over a real socket: the real `websockets` client against the app under uvicorn,
with the real offline assistant over the demo shop."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.integration.servers import serve_web
from tests.integration.wsclient import Chat, frame, open_chat
from web.settings import WebSettings
from web.shoppers import DEMO_SHOPPER_SECRET, ShopperTokens

pytestmark = pytest.mark.slow

CATALOG = {
    json.loads(line)["id"]
    for line in (Path(__file__).resolve().parents[2] / "data/demo/products.jsonl").open()
}


def _settings(data_dir: Path, **overrides: Any) -> WebSettings:
    return WebSettings(data_dir=data_dir, **{"demo": True, **overrides})


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web")


@pytest.fixture(scope="module")
def gateway(demo_assistant: Any, web_dir: Path) -> Iterator[str]:
    """The gateway with default limits."""
    with serve_web(_settings(web_dir), runner=demo_assistant) as url:
        yield url


def _seqs(frames: list[dict[str, Any]]) -> list[int]:
    return [f["seq"] for f in frames if f.get("seq") is not None]


def _text(frames: list[dict[str, Any]]) -> str:
    return "".join(f["data"]["text"] for f in frames if f["type"] == "assistant.delta")


async def test_a_turn_streams_numbered_frames_with_catalog_products(gateway: str) -> None:
    chat = await open_chat(gateway)
    assert chat.welcome["seq"] is None
    assert chat.welcome["data"]["resumed"] is False
    await chat.say("show me candles")
    frames = await chat.until("assistant.done")
    types = [f["type"] for f in frames]
    assert types[0] == "assistant.start"
    assert "assistant.delta" in types and "products.shown" in types
    seqs = _seqs(frames)
    assert seqs == list(range(1, len(frames) + 1)), "every frame numbered, in order, no gaps"
    shown = next(f for f in frames if f["type"] == "products.shown")["data"]["items"]
    assert shown and all(card["id"] in CATALOG for card in shown)
    assert all("candle" in (c["title"] + c["reason"]).lower() for c in shown[:2])
    assert frames[-1]["data"]["turn_id"] == frames[0]["data"]["turn_id"]
    assert "record" not in frames[-1]["data"], "the turn record stays on the server"
    await chat.close()


async def test_resume_after_a_drop_mid_answer_loses_and_duplicates_nothing(gateway: str) -> None:
    chat = await open_chat(gateway)
    token = chat.welcome["data"]["resume_token"]
    await chat.say("red candle holders under 5 pounds")
    first = await chat.until("assistant.start")
    await chat.ws.close()  # dropped right after the acknowledgement
    # The answer goes on without the socket; the resumed socket gets the rest, once.
    again = await open_chat(gateway, resume_token=token, last_seq=chat.last_seq)
    assert again.welcome["data"]["resumed"] is True
    assert again.welcome["data"]["conversation_id"] == chat.welcome["data"]["conversation_id"]
    rest = await again.until("assistant.done")
    assert _seqs(first + rest) == list(range(1, len(first) + len(rest) + 1))
    assert sum(f["type"] == "products.shown" for f in rest) == 1
    assert _text(rest).strip()
    # A second resume from an older seq replays exactly what that client missed.
    third = await open_chat(gateway, resume_token=token, last_seq=1)
    replay = await third.until("assistant.done")
    assert _seqs(replay) == list(range(2, len(first) + len(rest) + 1))
    assert _text(replay) == _text(rest)
    await again.close()
    await third.close()


async def test_a_resent_client_id_is_answered_once(gateway: str) -> None:
    chat = await open_chat(gateway)
    token = chat.welcome["data"]["resume_token"]
    await chat.say("gift wrap", client_id="same-1")
    await chat.say("gift wrap", client_id="same-1")
    await chat.until("assistant.done")
    await chat.ws.close()
    again = await open_chat(gateway, resume_token=token, last_seq=chat.last_seq)
    await again.say("gift wrap", client_id="same-1")  # resent after reconnecting
    await again.send("ping")
    pong = await again.next(10)
    assert pong["type"] == "pong"
    await asyncio.sleep(1.0)
    await again.send("ping")
    assert (await again.next(10))["type"] == "pong", "no second answer arrived"
    starts = [f for f in chat.frames + again.frames if f["type"] == "assistant.start"]
    assert len(starts) == 1
    await again.close()


async def test_bad_frames_get_error_frames_and_the_socket_stays_open(gateway: str) -> None:
    chat = await open_chat(gateway)
    await chat.ws.send("{not json")
    error = await chat.next()
    assert error["type"] == "error" and error["data"]["code"] == "bad_json"
    assert error["seq"] is None
    await chat.ws.send(json.dumps({"v": 1, "type": "user.dance", "id": "x1", "data": {}}))
    error = await chat.next()
    assert error["data"]["code"] == "unknown_type" and error["data"]["ref"] == "x1"
    await chat.send("user.message", text="", client_id="c")
    assert (await chat.next())["data"]["code"] == "bad_frame"
    await chat.ws.send(json.dumps({"v": 2, "type": "ping", "id": "p", "data": {}}))
    assert (await chat.next())["data"]["code"] == "bad_version"
    await chat.send("user.event", name="teleport", product_id="85123A")
    assert (await chat.next())["data"]["code"] == "bad_frame"
    await chat.send("ping")
    assert (await chat.next())["type"] == "pong"
    await chat.close()


async def test_frames_before_hello_and_forged_tokens_are_refused(gateway: str) -> None:
    from websockets.asyncio.client import connect

    url = gateway.replace("http://", "ws://") + "/ws/chat"
    async with connect(url) as ws:
        await ws.send(frame("user.message", text="hi", client_id="c"))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    async with connect(url) as ws:
        await ws.send(frame("session.hello", resume_token="forged.token.value"))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_an_oversize_frame_closes_with_policy(gateway: str) -> None:
    chat = await open_chat(gateway)
    await chat.send("user.message", text="x" * 20_000, client_id="big")
    with pytest.raises(ConnectionClosed) as closed:
        await chat.next(10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "over the limit" in closed.value.rcvd.reason


async def test_a_long_message_gets_an_error_frame(gateway: str) -> None:
    chat = await open_chat(gateway)
    await chat.say("candle " * 300)
    error = await chat.next()
    assert error["type"] == "error" and error["data"]["code"] == "message_too_long"
    await chat.close()


async def test_events_reach_recsys_as_the_shoppers_interactions(
    gateway: str, web_dir: Path, demo_shop_dir: Path
) -> None:
    token = ShopperTokens(DEMO_SHOPPER_SECRET).issue("shop-user-77")  # demo mode's shop key
    chat = await open_chat(gateway, shopper_token=token)
    await chat.send("user.event", name="cart", product_id="85123A")
    await chat.send("ping")
    assert (await chat.next())["type"] == "pong"
    db = sqlite3.connect(demo_shop_dir / "recsys" / "interactions.sqlite3")
    rows = db.execute(
        "SELECT user_id, product_id, event FROM interactions WHERE user_id = 'shop-user-77'"
    ).fetchall()
    assert rows == [("shop-user-77", "85123A", "cart")]
    await chat.close()


@pytest.fixture(scope="module")
def strict_gateway(demo_assistant: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = _settings(
        tmp_path_factory.mktemp("strict"),
        messages_per_minute=3,
        sockets_per_ip=3,
        allowed_origins=["https://shop.example"],
    )
    with serve_web(settings, runner=demo_assistant) as url:
        yield url


async def test_floods_are_rate_limited_then_closed(strict_gateway: str) -> None:
    chat = await open_chat(strict_gateway, origin="https://shop.example")
    for i in range(3):
        await chat.say(f"candles {i}")
    await chat.say("one too many")
    errors: list[dict[str, Any]] = []
    while len(errors) < 1:
        f = await chat.next()
        if f["type"] == "error":
            errors.append(f)
    assert errors[0]["data"]["code"] == "rate_limited"
    with pytest.raises(ConnectionClosed) as closed:
        for i in range(10):
            await chat.say(f"flood {i}")
        while True:
            await chat.next(10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    # The three messages within the limit were answered; nothing of the flood was.
    token = chat.welcome["data"]["resume_token"]
    again = await open_chat(
        strict_gateway, resume_token=token, last_seq=0, origin="https://shop.example"
    )
    frames = []
    for _ in range(3):
        frames += await again.until("assistant.done")
    await again.send("ping")
    assert (await again.next())["type"] == "pong", "no fourth answer"
    assert sum(f["type"] == "assistant.start" for f in frames) == 3
    await again.close()


async def test_sockets_per_ip_and_origins_are_enforced(strict_gateway: str) -> None:
    with pytest.raises(InvalidStatus):
        await open_chat(strict_gateway, origin="https://evil.example")
    chats: list[Chat] = []
    for _ in range(3):
        chats.append(await open_chat(strict_gateway, origin="https://shop.example"))
    with pytest.raises((ConnectionClosed, AssertionError)) as refused:
        await open_chat(strict_gateway, origin="https://shop.example")
    if isinstance(refused.value, ConnectionClosed):
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 1008
    for chat in chats:
        await chat.close()
    await asyncio.sleep(0.3)
    chat = await open_chat(strict_gateway, origin="https://shop.example")  # slots come back
    await chat.close()


def test_rest_search_lookup_recommendations_health_and_metrics(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=30) as http:
        page = http.get("/api/search", params={"q": "heart t-light holder", "k": 5}).json()
        assert len(page["items"]) == 5 and page["has_more"] is True
        assert "heart" in page["items"][0]["title"].lower()
        cheap = http.get("/api/search", params={"q": "candle", "price_max": 1.0}).json()
        assert cheap["items"] and all(p["price"] <= 1.0 for p in cheap["items"])
        product = http.get("/api/products/85123A").json()
        assert product["id"] == "85123A" and product["currency"] == "GBP"
        missing = http.get("/api/products/NOPE-1")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
        recs = http.get(
            "/api/recommendations", params={"product_id": "85123A", "kind": "bought_together"}
        ).json()
        assert recs["items"] and all(c["id"] in CATALOG and c["reason"] for c in recs["items"])
        assert (
            http.post("/api/events", json={"name": "view", "product_id": "85123A"}).status_code
            == 422
        )
        ready = http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["catalog"]["products"] > 4000
        metrics = http.get("/metrics").text
        assert "aisle_sockets_open" in metrics and "aisle_turn_latency_seconds_bucket" in metrics
        schema = http.get("/protocol/v1.schema.json").json()
        assert "ClientFrame" in schema["$defs"] and "ServerFrame" in schema["$defs"]
        assert http.get("/openapi.json").json()["paths"]["/api/search"]


async def test_any_replica_resumes_any_conversation_through_redis(
    demo_assistant: Any, tmp_path: Path
) -> None:
    """Two gateway processes' worth of apps on one Redis: drop on A mid-answer, resume on B."""
    import uuid

    from web.chat.hub import RedisHub

    redis_url = "redis://127.0.0.1:6379/0"
    probe = RedisHub(redis_url, prefix=f"probe-{uuid.uuid4().hex[:6]}")
    try:
        await probe.ping()
    except Exception as e:
        pytest.fail(f"Redis at {redis_url} is not reachable ({e}); run `make services`")
    finally:
        await probe.aclose()
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    common = {"redis_url": redis_url, "database_url": db, "secret_key": "replicas-share-this"}
    a_settings = _settings(tmp_path / "a", **common)
    b_settings = _settings(tmp_path / "b", **common)
    with (
        serve_web(a_settings, runner=demo_assistant) as a,
        serve_web(b_settings, runner=demo_assistant) as b,
    ):
        chat = await open_chat(a)
        token = chat.welcome["data"]["resume_token"]
        await chat.say("a gift for a gardener")
        first = await chat.until("assistant.start")
        await chat.ws.close()
        again = await open_chat(b, resume_token=token, last_seq=chat.last_seq)
        assert again.welcome["data"]["resumed"] is True
        rest = await again.until("assistant.done")
        assert _seqs(first + rest) == list(range(1, len(first) + len(rest) + 1))
        # The next turn, answered on B, remembers the conversation held on A.
        await again.say("cheaper")
        second = await again.until("assistant.done")
        assert _seqs(second)[0] == len(first) + len(rest) + 1
        assert _text(second).strip()
        await again.close()


async def test_only_conversations_with_a_message_become_transcripts(
    gateway: str, web_dir: Path
) -> None:
    idle = await open_chat(gateway)
    await idle.close()
    chat = await open_chat(gateway)
    await chat.say("doormat")
    await chat.until("assistant.done")
    await chat.close()
    db = sqlite3.connect(web_dir / "web" / "transcripts.db")
    ids = {row[0] for row in db.execute("SELECT id FROM conversations")}
    assert chat.welcome["data"]["conversation_id"] in ids
    assert idle.welcome["data"]["conversation_id"] not in ids, "an unused widget left a transcript"


async def test_a_last_seq_from_the_future_does_not_swallow_new_frames(gateway: str) -> None:
    chat = await open_chat(gateway)
    await chat.close()
    again = await open_chat(
        gateway, resume_token=chat.welcome["data"]["resume_token"], last_seq=10_000
    )
    await again.say("tea towels")
    frames = await again.until("assistant.done")
    assert [f["seq"] for f in frames] == list(range(1, len(frames) + 1))
    await again.close()
