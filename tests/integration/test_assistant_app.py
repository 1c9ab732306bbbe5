"""The assistant pod: NDJSON turns over a real port, consumed by HttpAssistant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant import (
    Assistant,
    AssistantSettings,
    AssistantUnavailable,
    HttpAssistant,
    TurnRequest,
)
from assistant.app import create_app
from assistant.policies import PolicyIndex, read_policies
from retrieval import HashingEmbedder, HybridSearch, Ingestor, RetrievalSettings, make_store
from retrieval.feed import FeedReport
from tests.integration.servers import serve_app
from tests.unit.assistant.conftest import CATALOG, POLICIES, FakeRecommender


@pytest.fixture(scope="module")
def pod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = RetrievalSettings(data_dir=tmp_path_factory.mktemp("pod"), embedder="hashing")
    store, embedder = make_store(settings), HashingEmbedder()
    Ingestor(store, embedder, settings).ingest(FeedReport(products=CATALOG, rows=len(CATALOG)))
    search = HybridSearch(store, embedder, settings)
    assistant = Assistant(
        search,
        FakeRecommender(),
        PolicyIndex(read_policies(POLICIES)),
        AssistantSettings(brain="offline"),
    )
    with serve_app(create_app(AssistantSettings(brain="offline"), assistant=assistant)) as url:
        yield url


async def test_turns_stream_over_http_with_the_same_events(pod: str) -> None:
    client = HttpAssistant(pod)
    try:
        events = [e async for e in client.turn(TurnRequest(message="show me mugs"))]
        types = [e.type for e in events]
        assert types[0] == "assistant.start" and types[-1] == "assistant.done"
        assert {"assistant.delta", "products.shown", "suggestions"} <= set(types)
        first = await client.run_turn(TurnRequest(message="show me candles"))
        assert first.cards and first.record.brain == "offline"
        second = await client.run_turn(
            TurnRequest(message="tell me about the second one", state=first.state)
        )
        assert [c.id for c in second.cards] == [first.cards[1].id]
        assert second.state.turn == 2
    finally:
        await client.aclose()


def test_health_and_readiness(pod: str) -> None:
    assert httpx.get(pod + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(pod + "/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["catalog"]["products"] == len(CATALOG) and body["recsys"] == {"version": "fake"}


def test_a_bad_request_is_refused(pod: str) -> None:
    response = httpx.post(pod + "/turn", json={"state": {"turn": -1}})
    assert response.status_code == 422


async def test_an_unreachable_pod_is_a_typed_error(tmp_path: Path) -> None:
    client = HttpAssistant("http://127.0.0.1:9", timeout=2)
    with pytest.raises(AssistantUnavailable):
        await client.run_turn(TurnRequest(message="hi"))
    await client.aclose()
