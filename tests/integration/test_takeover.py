"""Live takeover across two gateway replicas: the shopper on A, staff on B, Redis between.

Two copies of the web app run under uvicorn, each with its own Redis hub and the same
transcript store (one SQLite file, or one PostgreSQL database), as two `aisle serve
web` pods would. The shopper talks to the real offline assistant over the demo shop.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.browser.console_helpers import DEMO_ADMIN, StaffClient
from tests.integration.servers import free_port, serve_web, wait_http
from tests.integration.wsclient import Chat, open_chat
from web.settings import WebSettings

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES_URL = os.environ.get(
    "AISLE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _services_or_fail(store: str) -> None:
    """Redis (and PostgreSQL) must answer; a missing service fails the test, never skips it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as e:
        pytest.fail(f"Redis at {REDIS_URL} is not reachable ({e}); run `make services`")
    if store == "postgresql":
        import psycopg

        try:
            psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=5).close()
        except Exception as e:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable ({e}); run `make services`")


@dataclass
class Replicas:
    a: str
    b: str


@contextmanager
def _gateway_process(env: dict[str, str], log: Path) -> Iterator[str]:
    """`python -m web` (the web pod's command) as its own OS process; yields its URL."""
    port = free_port()
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "web"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, **env, "AISLE_WEB_PORT": str(port), "HF_HUB_OFFLINE": "1"},
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", timeout=300, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()


@pytest.fixture(params=["sqlite", "postgresql", "two-processes"])
def replicas(
    request: pytest.FixtureRequest, demo_assistant: Any, demo_shop_dir: Path, tmp_path: Path
) -> Iterator[Replicas]:
    """Gateway A and gateway B: one Redis, one transcript store, two processes' worth of state.

    `two-processes` runs each gateway as its own OS process (`python -m web`, as two web pods
    would); the other cases run two apps in this process, each with its own Redis hub.
    """
    _services_or_fail("sqlite" if request.param == "two-processes" else request.param)
    if request.param == "two-processes":
        env = {
            "AISLE_WEB_DATA_DIR": str(demo_shop_dir),
            "AISLE_WEB_DEMO": "true",
            "AISLE_WEB_REDIS_URL": REDIS_URL,
            "AISLE_WEB_DATABASE_URL": f"sqlite:///{tmp_path / 'transcripts.db'}",
            "AISLE_WEB_LOGIN_ATTEMPTS_PER_MINUTE": "100",
        }
        with (
            _gateway_process(env, tmp_path / "a.log") as a,
            _gateway_process(env, tmp_path / "b.log") as b,
        ):
            yield Replicas(a, b)
        return
    settings = WebSettings(
        data_dir=tmp_path,
        demo=True,
        redis_url=REDIS_URL,
        database_url=POSTGRES_URL if request.param == "postgresql" else None,
        login_attempts_per_minute=100,
    )
    with (
        serve_web(settings, runner=demo_assistant) as a,
        serve_web(settings, runner=demo_assistant) as b,
    ):
        yield Replicas(a, b)


async def _staff_socket(base: str, path: str, staff: StaffClient) -> ClientConnection:
    return await connect(
        base.replace("http://", "ws://") + path,
        additional_headers={"Cookie": staff.cookie_header, "Origin": base},
    )


async def _until(ws: ClientConnection, match: Any, timeout: float = 30) -> dict[str, Any]:
    """The first frame from a staff socket for which `match(frame)` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        raw = await asyncio.wait_for(ws.recv(), max(0.1, deadline - loop.time()))
        frame = dict(json.loads(raw))
        if match(frame):
            return frame


async def _quiet(chat: Chat, seconds: float) -> list[dict[str, Any]]:
    """Frames the shopper gets in `seconds` (a ping at the end proves the socket is alive)."""
    await asyncio.sleep(seconds)
    await chat.send("ping")
    return await chat.until("pong", timeout=10)


async def test_staff_on_one_replica_takes_over_a_shopper_on_another(replicas: Replicas) -> None:
    shopper = await open_chat(replicas.a)
    cid = shopper.welcome["data"]["conversation_id"]
    await shopper.say("show me candles")
    answer = await shopper.until("assistant.done")
    assert any(f["type"] == "products.shown" and f["data"]["items"] for f in answer)

    staff = StaffClient(replicas.b).logged_in(*DEMO_ADMIN)
    everything = await _staff_socket(replicas.b, "/console/live/socket", staff)
    one = await _staff_socket(replicas.b, f"/console/live/socket/{cid}", staff)
    ready = await _until(one, lambda f: f["type"] == "console.ready")
    assert ready["data"]["live"] is True and ready["data"]["mode"] == "assistant"

    # B sees A's conversation in progress, and its call for a person, live.
    live = staff.http.get("/api/staff/live").json()
    assert cid in [row["id"] for row in live]
    await shopper.say("can I talk to a real person please")
    await shopper.until("assistant.done")
    flagged = await _until(
        everything,
        lambda f: f.get("conversation_id") == cid and f["frame"]["type"] == "conversation.flagged",
    )
    assert flagged["frame"]["data"]["needs_human"] is True
    waiting = staff.http.get("/api/staff/live").json()
    assert waiting[0]["id"] == cid and waiting[0]["needs_human"] is True, "waiting ones first"

    # Take over on B: the shopper on A hears it.
    taken = staff.api("POST", f"/api/staff/conversations/{cid}/takeover")
    assert taken.status_code == 200, taken.text
    joined = await shopper.until("staff.joined")
    assert joined[-1]["data"]["staff"] == "Admin"
    assert not staff.http.get("/api/staff/live").json()[0]["needs_human"]

    # The shopper's message reaches B's live view; the assistant stays silent.
    await shopper.say("is the first one in stock?")
    heard = await _until(
        one,
        lambda f: f["type"] == "user.message" and f["data"]["text"] == "is the first one in stock?",
    )
    assert heard["seq"] is None, "a shopper message reaches staff as a note, never replayed"
    silent = await _quiet(shopper, 1.5)
    assert not [f for f in silent if f["type"].startswith("assistant.")], silent

    # B writes; A's shopper reads it as the staff member.
    sent = staff.api(
        "POST", f"/api/staff/conversations/{cid}/messages", {"text": "Yes, all three are in stock."}
    )
    assert sent.status_code == 202, sent.text
    message = (await shopper.until("staff.message"))[-1]
    assert message["data"] == {"staff": "Admin", "text": "Yes, all three are in stock."}
    echoed = await _until(one, lambda f: f["type"] == "staff.message")
    assert echoed["data"]["text"] == "Yes, all three are in stock."

    # Hand back on B: the assistant answers again on A.
    back = staff.api("POST", f"/api/staff/conversations/{cid}/handback")
    assert back.status_code == 200, back.text
    assert (await shopper.until("staff.left"))[-1]["data"]["staff"] == "Admin"
    await shopper.say("show me red candles")
    again = await shopper.until("assistant.done")
    assert [f["type"] for f in again][0] == "assistant.start"
    assert any(f["type"] == "products.shown" and f["data"]["items"] for f in again)

    # Both replicas read the same transcript: what each side said, and who joined.
    reader = StaffClient(replicas.a).logged_in(*DEMO_ADMIN)
    detail = reader.http.get(f"/api/staff/conversations/{cid}").json()
    said = [(m["role"], m["text"]) for m in detail["messages"]]
    roles = [r for r, _ in said]
    assert roles == ["user", "assistant", "user", "assistant", "user", "staff", "user", "assistant"]
    assert said[4] == ("user", "is the first one in stock?")
    assert said[5] == ("staff", "Yes, all three are in stock.")
    assert [e["name"] for e in detail["events"] if e["name"].startswith("staff.")] == [
        "staff.joined",
        "staff.left",
    ]
    page = reader.http.get(f"/console/conversations/{cid}")
    # Staff see who answered by account; the shopper saw only the name.
    assert "Yes, all three are in stock." in page.text and "admin@demo.aisle (staff)" in page.text

    await everything.close()
    await one.close()
    await shopper.close()
    staff.close()
    reader.close()


async def test_a_second_agent_cannot_grab_a_taken_conversation(replicas: Replicas) -> None:
    shopper = await open_chat(replicas.a)
    cid = shopper.welcome["data"]["conversation_id"]
    await shopper.say("gift ideas for my mum")
    await shopper.until("assistant.done")
    admin = StaffClient(replicas.b).logged_in(*DEMO_ADMIN)
    other_email = f"second-{cid[:6]}@shop.example"
    added = admin.api(
        "POST",
        "/api/staff/users",
        {"email": other_email, "password": "second-pass", "role": "agent"},
    )
    assert added.status_code == 201, added.text
    second = StaffClient(replicas.a).logged_in(other_email, "second-pass")
    assert admin.api("POST", f"/api/staff/conversations/{cid}/takeover").status_code == 200
    grab = second.api("POST", f"/api/staff/conversations/{cid}/takeover")
    assert grab.status_code == 409 and "Admin is answering" in grab.json()["message"]
    # Writing needs the conversation taken; any agent may hand it back so none stays stuck.
    assert second.api("POST", f"/api/staff/conversations/{cid}/handback").status_code == 200
    refused = second.api("POST", f"/api/staff/conversations/{cid}/messages", {"text": "hi"})
    assert refused.status_code == 409 and refused.json()["code"] == "not_taken"
    frames = await shopper.until("staff.left")
    assert [f["type"] for f in frames if f["type"].startswith("staff.")] == [
        "staff.joined",
        "staff.left",
    ]
    await shopper.close()
    admin.close()
    second.close()
