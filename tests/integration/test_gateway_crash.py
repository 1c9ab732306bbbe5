"""SIGKILL the gateway process mid-conversation: every message it acknowledged is in the store."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.servers import free_port, wait_http
from tests.integration.wsclient import open_chat

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


async def _chat_until_killed(
    base: str, proc: subprocess.Popen[bytes], kill_after: int
) -> list[str]:
    """Send messages; a message counts as acknowledged once its assistant.start arrives."""
    acknowledged: list[str] = []
    chat = await open_chat(base)
    for i in range(40):
        text = f"candles for a party number {i}"
        await chat.say(text)
        if i == kill_after:
            # Kill while this message is in flight: it may or may not be acknowledged.
            proc.send_signal(signal.SIGKILL)
        try:
            while True:
                frame = await chat.next(20)
                if frame["type"] == "assistant.start":
                    acknowledged.append(text)
                if frame["type"] == "assistant.done":
                    break
        except Exception:
            break
    return acknowledged


def test_sigkill_loses_no_acknowledged_message(demo_shop_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "transcripts.db"
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "AISLE_WEB_DATA_DIR": str(demo_shop_dir),
        "AISLE_WEB_DATABASE_URL": f"sqlite:///{db}",
        "AISLE_WEB_PORT": str(port),
        "AISLE_RETRIEVAL_DEFAULT_CURRENCY": "GBP",
        # Outside demo mode the gateway needs its own signing key.
        "AISLE_WEB_SECRET_KEY": secrets.token_urlsafe(48),
    }
    log = (tmp_path / "web.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", timeout=180, proc=proc)
        kill_after = random.Random(os.getpid()).randint(2, 6)
        acknowledged = asyncio.run(_chat_until_killed(f"http://127.0.0.1:{port}", proc, kill_after))
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    assert len(acknowledged) >= kill_after, "the chat ran before the kill"
    with sqlite3.connect(db) as conn:
        stored = {
            row[0]
            for row in conn.execute("SELECT text FROM messages WHERE role = 'user'").fetchall()
        }
    missing = [text for text in acknowledged if text not in stored]
    assert not missing, f"acknowledged but lost: {missing}"
