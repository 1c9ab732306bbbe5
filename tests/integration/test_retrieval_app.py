"""The retrieval pod as an operator and a client meet it: probes and typed errors over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from retrieval import (
    HashingEmbedder,
    HttpProductSearch,
    HybridSearch,
    IndexNotReady,
    Ingestor,
    RetrievalSettings,
    make_store,
)
from retrieval.app import create_app
from retrieval.feed import FeedReport
from tests.integration.servers import serve_app
from tests.unit.retrieval.conftest import catalog


def test_probes_and_errors_before_and_after_the_first_ingest(tmp_path: Path) -> None:
    settings = RetrievalSettings(data_dir=tmp_path, embedder="hashing", reload_interval_s=0)
    search = HybridSearch(make_store(settings), HashingEmbedder(), settings)
    with serve_app(create_app(settings, search=search)) as url:
        client = HttpProductSearch(url)
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 503 and ready.json()["code"] == "index_not_ready"
        with pytest.raises(IndexNotReady, match="aisle ingest"):
            client.search("candle")

        Ingestor(make_store(settings), HashingEmbedder(), settings).ingest(
            FeedReport(products=catalog())
        )
        assert httpx.get(f"{url}/readyz").json()["products"] == 8
        assert client.search("candle").hits
        missing = httpx.get(f"{url}/products/does-not-exist")
        assert missing.status_code == 404 and missing.json()["code"] == "product_not_found"
        assert httpx.post(f"{url}/search", json={"query": "x", "k": 0}).status_code == 422
        assert client.get("c/with slash") is None
        assert "/search" in httpx.get(f"{url}/openapi.json").json()["paths"]
        client.close()
