"""What a support person sees live is redacted like what is stored: a card number a shopper types
never reaches the live socket, the live list or the database."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from tests.browser.console_helpers import DEMO_ADMIN, EchoRunner, StaffClient
from tests.integration.servers import serve_app
from tests.integration.wsclient import open_chat
from web.app import create_app
from web.parts import PartsFactory
from web.settings import WebSettings

SAID = "my card is 4111  1111  1111  1111, exp 12/27, cvv 123, call +44 20 7946 0958"
SECRETS = ("4111", "12/27", "123", "7946")


async def _watch(url: str, cid: str, staff: StaffClient) -> Any:
    return await connect(
        url.replace("http://", "ws://") + f"/console/live/socket/{cid}",
        additional_headers={"Cookie": staff.cookie_header, "Origin": url},
    )


async def _frames_until_done(ws: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
        seen.append(frame)
        if frame.get("type") == "assistant.done":
            return seen


async def test_the_live_staff_view_and_the_store_never_hold_the_card(tmp_path: Path) -> None:
    settings = WebSettings(data_dir=tmp_path, demo=True)
    with serve_app(create_app(settings, PartsFactory(runner=EchoRunner()))) as url:
        staff = StaffClient(url).logged_in(*DEMO_ADMIN)
        chat = await open_chat(url)
        cid = chat.welcome["data"]["conversation_id"]
        watcher = await _watch(url, cid, staff)
        assert json.loads(await watcher.recv())["type"] == "console.ready"
        await chat.say(SAID)
        await chat.until("assistant.done")
        live = await _frames_until_done(watcher)
        # Only what people wrote: frame and conversation ids are hex and may hold "123".
        shown = " ".join(str(f.get("data", {}).get("text", "")) for f in live)
        assert "[card]" in shown, "the shopper's message and the echo reached the staff view"
        assert not [s for s in SECRETS if s in shown], shown
        rows = httpx.get(f"{url}/console/live/rows", headers={"Cookie": staff.cookie_header}).text
        assert "[card]" in rows and "4111 " not in rows and "7946 0958" not in rows
        await watcher.close()
        await chat.close()
        staff.close()
    db = sqlite3.connect(tmp_path / "web" / "transcripts.db")
    stored = " ".join(t for (t,) in db.execute("SELECT text FROM messages"))
    db.close()
    assert "[card]" in stored and not [s for s in SECRETS if s in stored], stored
