"""Fixtures shared by the whole suite: paths, the shared data sets, the real model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("AISLE_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEMO = ROOT / "data" / "demo"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data sets beside the checkout; skips where a clone has none."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"../shared/data ({SHARED_DATA}) is absent: real data sets are not in a user's clone"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The bundled demo shop, committed in data/demo."""
    return DEMO


@pytest.fixture(scope="session")
def st_embedder() -> Iterator[object]:
    """The real sentence-transformers embedder with the bundled MiniLM, loaded once."""
    from retrieval import SentenceTransformerEmbedder

    yield SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def demo_shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the demo shop ingested (real MiniLM, embedded Chroma) and recsys trained."""
    from web.cli.serve import prepare_demo

    data_dir = tmp_path_factory.mktemp("demo-shop")
    prepare_demo(data_dir, quiet=True)
    return data_dir


@pytest.fixture(scope="session")
def demo_assistant(demo_shop_dir: Path) -> object:
    """The in-process assistant (offline brain) over the demo shop, built once."""
    from assistant import AssistantSettings, build_assistant
    from recsys import RecsysSettings
    from retrieval import RetrievalSettings

    settings = AssistantSettings(brain="offline")
    assistant = build_assistant(
        settings,
        RetrievalSettings(data_dir=demo_shop_dir / "retrieval", default_currency="GBP"),
        RecsysSettings(data_dir=demo_shop_dir / "recsys", catalog_path=DEMO / "products.jsonl"),
    )
    assistant.warm()
    return assistant
