"""`aisle eval chat --websocket`: dialogues of the demo suite through a served instance's real
/ws/chat score exactly as they do in-process, answer for answer."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from assistant import build_assistant
from assistant.evaluate import Chat, Dialogue, in_process_chats, load_suite, run_suite
from tests.integration.servers import serve_web
from web.chat.client import socket_chats
from web.cli.assistant import _settings
from web.cli.serve import demo_parts
from web.settings import WebSettings
from web.store import TranscriptConsole, make_transcript_store

pytestmark = pytest.mark.slow

SUITE = Path(__file__).resolve().parents[2] / "data" / "suites" / "demo.yaml"
# A policy answer, budgets said back in pounds and pence, and references across turns
# ("the second one", "what goes with it?", "something similar but cheaper").
DIALOGUES = (
    "gift-wrap-cost",
    "pence-erasers",
    "tenner-candles",
    "candles-refs",
    "clocks-first-one",
)


@pytest.fixture(scope="module")
def served(
    demo_shop_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, WebSettings]]:
    """The demo shop served as `aisle serve --demo` composes it (its own assistant)."""
    parts = demo_parts(demo_shop_dir)
    web = WebSettings(data_dir=tmp_path_factory.mktemp("served"), demo=True)
    with serve_web(
        web, assistant=parts.assistant, retrieval=parts.retrieval, recsys=parts.recsys
    ) as url:
        yield url.replace("http://", "ws://") + "/ws/chat", web


@pytest.fixture(scope="module")
def evaluated(demo_shop_dir: Path) -> Any:
    """The assistant `aisle eval chat --data-dir` builds."""
    assistant = build_assistant(*_settings(argparse.Namespace(data_dir=demo_shop_dir, brain=None)))
    assistant.warm()
    return assistant


async def test_demo_dialogues_score_the_same_through_the_socket(
    served: tuple[str, WebSettings], evaluated: Any
) -> None:
    url, web = served
    suite = load_suite(SUITE)
    suite.dialogues = [d for d in suite.dialogues if d.id in DIALOGUES]
    assert len(suite.dialogues) == len(DIALOGUES)
    ids: dict[str, str] = {}
    # The served instance's transcripts: where the runner reads each turn's record.
    store = make_transcript_store(web, migrate_schema=False)
    try:
        sockets = socket_chats(url, console=TranscriptConsole(store))

        @asynccontextmanager
        async def remembered(dialogue: Dialogue) -> AsyncIterator[Chat]:
            async with sockets(dialogue) as chat:
                ids[dialogue.id] = chat.conversation_id  # type: ignore[attr-defined]
                yield chat

        over_socket = await run_suite(evaluated, suite, chats=remembered)
    finally:
        store.close()
    # The served conversation's id seeds its wording; given the same ids, in-process says
    # the same words.
    in_process = await run_suite(evaluated, suite, chats=in_process_chats(evaluated, ids))
    default = await run_suite(evaluated, suite)

    assert over_socket.turns == in_process.turns == sum(len(d.turns) for d in suite.dialogues)
    for ws, local in zip(over_socket.outcomes, in_process.outcomes, strict=True):
        where = f"{ws.dialogue}#{ws.turn}"
        assert ws.text == local.text, where
        assert ws.shown == local.shown, where
        assert (ws.intent, ws.tools) == (local.intent, local.tools), where
        assert ws.failures == local.failures == [], where
        assert ws.violations == local.violations == [], where
    assert over_socket.all_expectations == default.all_expectations == 1.0
    assert over_socket.brain == default.brain == "offline"
