"""The recsys pod over a real socket: the contract calls through `HttpRecommender`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from recsys import (
    BadRequest,
    Filters,
    HttpRecommender,
    Interaction,
    LocalRecommender,
    NoModelLoaded,
    Recommender,
    RecsysSettings,
    RecsysUnavailable,
    make_recommender,
    train,
)
from recsys.app import create_app
from tests.integration.servers import free_port, serve_app, wait_http
from tests.unit.recsys.shop import (
    MODELS,
    TOGETHER,
    catalog_rows,
    passes,
    purchases_of,
    shop_settings,
    trained_shop,
)

PRODUCTS = {str(p["id"]): p for p in catalog_rows()}


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], RecsysSettings]:
    cache: dict[str, RecsysSettings] = {}

    def get(model: str) -> RecsysSettings:
        if model not in cache:
            cache[model] = trained_shop(tmp_path_factory.mktemp(f"http-{model}"), model)
        return cache[model]

    return get


@pytest.fixture(params=MODELS)
def served(
    request: pytest.FixtureRequest, shops: Callable[[str], RecsysSettings]
) -> Iterator[tuple[HttpRecommender, LocalRecommender]]:
    """The HTTP client against the real app under uvicorn, and the in-process twin."""
    settings = shops(str(request.param))
    with serve_app(create_app(settings)) as url, HttpRecommender(url) as client:
        yield client, LocalRecommender(settings)


def test_http_answers_exactly_what_the_in_process_recommender_answers(
    served: tuple[HttpRecommender, LocalRecommender],
) -> None:
    client, local = served
    assert isinstance(client, Recommender)
    assert client.version() == local.version()
    filters = Filters(in_stock=True, category="Home Decor", price_max=6.0)
    assert client.recommend("c04", 5) == local.recommend("c04", 5)
    assert client.recommend("c04", 5, filters, exclude_purchased=False) == local.recommend(
        "c04", 5, filters, exclude_purchased=False
    )
    assert client.similar_items("T3", 4) == local.similar_items("T3", 4)
    assert client.bought_together("M0", 4) == local.bought_together("M0", 4)
    assert client.recommend_for_session(["C2", "C3"], 4, filters) == (
        local.recommend_for_session(["C2", "C3"], 4, filters)
    )
    assert client.next_after_basket(["M0", "M2"], 4) == local.next_after_basket(["M0", "M2"], 4)


def test_the_contract_holds_over_http(served: tuple[HttpRecommender, LocalRecommender]) -> None:
    client, _ = served
    item, partner, count = TOGETHER
    top = client.bought_together(item, 1)[0]
    assert (top.product_id, top.reason.code, top.reason.count) == (
        partner,
        "bought_together",
        count,
    )

    bought = purchases_of("t06")
    recs = client.recommend("t06", 24)
    assert not {r.product_id for r in recs} & bought and len(recs) == 24 - len(bought)

    spec = {"in_stock": True, "price_min": 3.0, "price_max": 12.0}
    passing = {pid for pid, p in PRODUCTS.items() if passes(p, **spec)}  # type: ignore[arg-type]
    session = client.recommend_for_session(["M3"], 5, Filters(**spec))  # type: ignore[arg-type]
    assert {r.product_id for r in session} <= passing - {"M3"} and len(session) == 5

    stranger = client.recommend("nobody", 3)
    assert {r.reason.fallback for r in stranger} == {"unknown_user"}
    assert client.similar_items("NOPE", 3) == [] and client.bought_together("NOPE", 3) == []
    with pytest.raises(BadRequest):
        client.recommend("c01", 0)


def test_events_and_forget_over_http(tmp_path: Path) -> None:
    settings = trained_shop(tmp_path / "shop", "als", reload_interval_s=3600.0)
    with serve_app(create_app(settings)) as url, HttpRecommender(url) as client:
        assert client.recommend("c09", 2)[0].reason.code == "because_you_bought"
        now = datetime.now(UTC)
        events = [Interaction(user_id="c09", product_id="C1", event="view", ts=now)]
        assert client.record(events) == 1
        assert client.forget("c09") == 10
        assert {r.reason.fallback for r in client.recommend("c09", 3)} == {"forgotten_user"}
        assert client.forget("a/b with slash") == 0
        # A new training is served after /admin/reload, without a restart.
        version = train(settings, ["cooc"]).version
        assert client.version() != version
        assert client.reload() == version
        assert client.version() == version


def test_probes_and_errors(tmp_path: Path) -> None:
    settings = shop_settings(tmp_path / "shop", "als")
    with serve_app(create_app(settings)) as url, HttpRecommender(url) as client:
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 503 and ready.json()["code"] == "no_model_loaded"
        assert client.version() is None
        with pytest.raises(NoModelLoaded):
            client.recommend("c01", 3)
        train(settings, ["als"])
        assert client.reload() is not None
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 200 and ready.json()["version"] == client.version()
        paths = httpx.get(f"{url}/openapi.json").json()["paths"]
        assert {
            "/recommend",
            "/similar-items",
            "/bought-together",
            "/recommend-for-session",
            "/events",
            "/forget/{user_id}",
            "/readyz",
            "/healthz",
        } <= set(paths)
        bad = httpx.post(f"{url}/recommend", json={"user_id": "c01", "filters": {"colour": "red"}})
        assert bad.status_code == 422
    with pytest.raises(RecsysUnavailable):
        HttpRecommender(url, timeout=1.0).recommend("c01", 1)


def test_python_m_recsys_serves_with_settings_from_the_environment(tmp_path: Path) -> None:
    settings = trained_shop(tmp_path / "shop", "pop")
    port = free_port()
    env = {
        **os.environ,
        "AISLE_RECSYS_DATA_DIR": str(settings.data_dir),
        "AISLE_RECSYS_CATALOG_PATH": str(settings.catalog_path),
        "AISLE_RECSYS_MODEL": "pop",
        "AISLE_RECSYS_PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "recsys"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", proc=proc)
        client = make_recommender(RecsysSettings(url=f"http://127.0.0.1:{port}"))
        assert isinstance(client, HttpRecommender)
        assert client.recommend("c01", 2)[0].reason.code == "popular"
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_pod_picks_up_a_new_training_by_itself(tmp_path: Path) -> None:
    settings = shop_settings(tmp_path / "shop", "als", reload_interval_s=0.2)
    train(settings, ["pop"])  # no ALS in it yet: serves its primary, popularity
    with serve_app(create_app(settings)) as url, HttpRecommender(url) as client:
        first = client.version()
        assert client.recommend("c01", 1)[0].reason.code == "popular"
        newer = train(settings, ["als"]).version
        deadline = time.monotonic() + 10
        while client.version() != newer and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first != newer and client.version() == newer
        assert client.recommend("c01", 1)[0].reason.code == "because_you_bought"


def test_an_experiments_arm_answers_over_http_as_in_process(
    shops: Callable[[str], RecsysSettings],
) -> None:
    settings = shops("als")  # the artifact holds als, cooc and pop
    local = LocalRecommender(settings)
    with serve_app(create_app(settings)) as url, HttpRecommender(url) as client:
        for arm in ("pop", "cooc"):
            assert client.recommend("c04", 4, model=arm) == local.recommend("c04", 4, model=arm)
            assert client.similar_items("T3", 3, model=arm) == local.similar_items(
                "T3", 3, model=arm
            )
            assert client.recommend_for_session(["C2"], 3, model=arm) == (
                local.recommend_for_session(["C2"], 3, model=arm)
            )
        assert client.recommend("c04", 4, model="pop") != client.recommend("c04", 4)
        with pytest.raises(BadRequest, match="is not in artifact"):
            client.recommend("c04", 4, model="ease")
