"""Rate limits cover every frame type over a real socket: pings and feedback too, not only
messages (feedback frames were unlimited)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.console_helpers import EchoRunner
from tests.integration.servers import serve_web
from tests.integration.wsclient import open_chat
from web.settings import WebSettings


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = WebSettings(
        data_dir=Path(tmp_path_factory.mktemp("limits")),
        demo=True,
        messages_per_minute=1,
        frames_per_minute=8,
    )
    with serve_web(settings, runner=EchoRunner()) as url:
        yield url


async def test_pings_beyond_the_frame_limit_are_refused(tight: str) -> None:
    chat = await open_chat(tight)
    answers = []
    for _ in range(9):
        await chat.send("ping")
        answers.append(await chat.next())
    assert [a["type"] for a in answers[:8]] == ["pong"] * 8
    assert answers[8]["type"] == "error" and answers[8]["data"]["code"] == "rate_limited"
    await chat.close()


async def test_feedback_floods_are_limited_like_events(tight: str) -> None:
    chat = await open_chat(tight)
    codes = []
    for _ in range(7):  # events and feedback: 6 a minute per session at 1 message a minute
        await chat.send("user.feedback", turn_id="t-1", rating=1)
        answer = await chat.next()  # no such turn yet: each one is answered with an error
        assert answer["type"] == "error"
        codes.append(answer["data"]["code"])
    assert "rate_limited" not in codes[:6] and codes[6] == "rate_limited", codes
    await chat.close()
