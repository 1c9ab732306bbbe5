"""GDPR delete on a running server: `aisle shopper delete` ends the shopper's live chat and resume
token, the gateway goes on serving that browser as a new shopper, and the text leaves the file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.browser.console_helpers import DEMO_ADMIN, EchoRunner, StaffClient
from tests.integration.servers import serve_app
from tests.integration.wsclient import open_chat
from web.app import create_app
from web.cli import main
from web.parts import PartsFactory
from web.settings import WebSettings
from web.shoppers import DEMO_SHOPPER_SECRET, ShopperTokens

WORD = "Zebraquokka"  # in no catalog, no template: only the shopper's message holds it


def _db_bytes(data_dir: Path) -> bytes:
    web = data_dir / "web"
    return b"".join(p.read_bytes() for p in sorted(web.glob("transcripts.db*")))


async def _delete(data_dir: Path, shopper: str) -> None:
    rc = await asyncio.to_thread(main, ["shopper", "delete", shopper, "--data-dir", str(data_dir)])
    assert rc == 0


@pytest.mark.parametrize("poll_s", [0.2, 3600.0], ids=["followed", "found-on-use"])
async def test_a_deleted_shoppers_chat_ends_and_the_browser_starts_afresh(
    tmp_path: Path, poll_s: float
) -> None:
    settings = WebSettings(data_dir=tmp_path, demo=True, erasure_poll_s=poll_s)
    shopper = "gdpr-customer-1"
    token = ShopperTokens(DEMO_SHOPPER_SECRET).issue(shopper)
    with serve_app(create_app(settings, PartsFactory(runner=EchoRunner()))) as url:
        staff = StaffClient(url).logged_in(*DEMO_ADMIN)
        chat = await open_chat(url, shopper_token=token)
        resume = chat.welcome["data"]["resume_token"]
        for i in range(3):
            await chat.say(f"{WORD} number {i}")
            await chat.until("assistant.done")
        rows = staff.http.get("/console/live/rows").text
        assert shopper in rows and WORD in rows
        assert WORD.encode() in _db_bytes(tmp_path)

        await _delete(tmp_path, shopper)

        if poll_s < 60:
            # The open socket is told, then closed so the widget drops its resume token.
            note = await chat.next()
            assert note["type"] == "error" and note["data"]["code"] == "conversation_deleted"
            with pytest.raises(ConnectionClosed) as closed:
                await chat.next()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        else:
            await chat.close()
        # The old token resumes nothing: a new conversation, and no frame of the old one.
        again = await open_chat(url, resume_token=resume, last_seq=0)
        assert again.welcome["data"]["resumed"] is False
        assert again.welcome["data"]["conversation_id"] != chat.welcome["data"]["conversation_id"]
        assert (await again.next())["data"]["code"] == "session_expired"
        await again.send("ping")
        assert (await again.next())["type"] == "pong", "nothing was replayed before it"
        # And the browser chats on, anonymously, with its messages stored again.
        await again.say("hello again")
        frames = await again.until("assistant.done")
        assert "You said: hello again" in "".join(
            f["data"].get("text", "") for f in frames if f["type"] == "assistant.delta"
        )
        await again.close()

        rows = staff.http.get("/console/live/rows").text
        assert shopper not in rows and WORD not in rows
        listed = httpx.get(f"{url}/api/staff/conversations", cookies=staff.http.cookies).text
        assert WORD not in listed
        staff.close()
    raw = _db_bytes(tmp_path)
    assert WORD.encode() not in raw and WORD.lower().encode() not in raw
    assert b"hello again" in raw, "the file is the live database, not an empty one"
