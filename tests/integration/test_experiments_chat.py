"""The chat's placements: a recommendation turn is served by the conversation's arm and
recorded as its impression; a click on one of its cards in the widget rewards it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.servers import serve_web
from tests.integration.wsclient import open_chat
from web.experiments import ExperimentSettings
from web.settings import WebSettings
from web.store import make_engine
from web.store.impressions import SqlImpressionLog

pytestmark = pytest.mark.slow


async def test_a_recommendation_turn_is_its_arms_impression_and_a_click_rewards_it(
    demo_assistant: Any, tmp_path: Path
) -> None:
    settings = WebSettings(data_dir=tmp_path, demo=True)
    # A fixed split on one arm: the test knows which model must answer.
    experiments = ExperimentSettings(mode="fixed", split={"cooc": 100})
    with serve_web(settings, runner=demo_assistant, experiments=experiments) as url:
        chat = await open_chat(url)
        await chat.say("what do you recommend?")
        frames = await chat.until("assistant.done")
        shown = [f for f in frames if f["type"] == "products.shown"]
        assert shown, "the recommendation turn showed no products"
        cards = [str(c["id"]) for c in shown[-1]["data"]["items"]]
        await chat.send("user.event", name="click", product_id=cards[0])
        await chat.send("ping")
        await chat.until("pong")  # frames are handled in order: the click came first
        await chat.close()
    engine = make_engine(settings.database())
    summary = {(s.placement, s.arm): s for s in SqlImpressionLog(engine).summary()}
    engine.dispose()
    row = summary[("chat_for_you", "cooc")]
    assert (row.impressions, row.clicks) == (1, 1)
    assert not [key for key in summary if key[0] == "chat_for_you" and key[1] != "cooc"]
