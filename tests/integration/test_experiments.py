"""Experiments at serving time over a real database and real Redis: arms, impressions, rewards."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from web.experiments.service import Experiments
from web.experiments.settings import ExperimentSettings
from web.experiments.state import (
    Controls,
    ExperimentState,
    MemoryExperimentState,
    RedisExperimentState,
)
from web.store import SqlTranscriptStore, delete_shopper, make_engine, migrate
from web.store.impressions import SqlImpressionLog

POSTGRES_URL = os.environ.get(
    "AISLE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("AISLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        made = make_engine(f"sqlite:///{tmp_path / 'transcripts.db'}")
        migrate(made)
        yield made
        made.dispose()
        return
    schema = "aisle_test_" + uuid.uuid4().hex[:12]
    made = make_engine(POSTGRES_URL, schema=schema)
    migrate(made)
    yield made
    made.dispose()
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
async def redis_states() -> AsyncIterator[tuple[RedisExperimentState, RedisExperimentState]]:
    """Two replicas' views of one Redis, under a prefix of their own."""
    prefix = "aisle_test_" + uuid.uuid4().hex[:8]
    one = RedisExperimentState(REDIS_URL, prefix=prefix, cache_s=0.0)
    two = RedisExperimentState(REDIS_URL, prefix=prefix, cache_s=0.0)
    yield one, two
    keys = [k async for k in one._redis.scan_iter(f"{prefix}:*")]
    if keys:
        await one._redis.delete(*keys)
    await one.aclose()
    await two.aclose()


def _experiments(engine: Engine, state: ExperimentState, **settings: object) -> Experiments:
    return Experiments(
        ExperimentSettings(**settings),  # type: ignore[arg-type]
        state,
        SqlImpressionLog(engine),
    )


async def test_a_conversation_keeps_its_arm_and_only_clicks_on_shown_products_reward(
    engine: Engine,
) -> None:
    exp = _experiments(engine, MemoryExperimentState())
    first = await exp.assign("shop_for_you", "conv-1")
    assert first is not None and first.arm in ("als", "cooc", "pop")
    for _ in range(5):
        again = await exp.assign("shop_for_you", "conv-1")
        assert again is not None and again.arm == first.arm
    await exp.served(first, "conv-1", ["p1", "p2"])
    assert await exp.event("conv-1", "click", "p9") == 0  # not shown
    assert await exp.event("conv-2", "click", "p1") == 0  # another conversation's
    assert await exp.event("conv-1", "view", "p1") == 0  # a view is no reward
    assert await exp.event("conv-1", "click", "p2") == 1
    assert await exp.event("conv-1", "click", "p1") == 0  # one click reward per impression
    assert await exp.event("conv-1", "cart", "p1") == 1
    stats = (await exp.state.stats("shop_for_you"))["all"][first.arm]
    assert (stats.impressions, stats.clicks, stats.carts) == (1, 1, 1)
    log = SqlImpressionLog(engine)
    assert f"shop_for_you,{first.arm},1,1,1,1.0000,1.0000" in log.summary_csv()


async def test_counts_survive_a_restart_and_gdpr_delete_removes_the_impressions(
    engine: Engine,
) -> None:
    exp = _experiments(engine, MemoryExperimentState())
    for n in range(6):
        a = await exp.assign("shop_similar", f"conv-{n}")
        assert a is not None
        await exp.served(a, f"conv-{n}", ["p1"])
        await exp.event(f"conv-{n}", "click", "p1")
    restarted = _experiments(engine, MemoryExperimentState())  # a new process, same database
    await restarted.start()
    stats = (await restarted.state.stats("shop_similar"))["all"]
    assert sum(s.impressions for s in stats.values()) == 6
    assert sum(s.clicks for s in stats.values()) == 6
    log = SqlImpressionLog(engine)
    assert log.forget(["conv-0", "conv-1"]) == 2
    assert sum(s.impressions for s in log.summary()) == 4


async def test_a_paused_arm_gets_no_traffic_and_a_fixed_split_is_followed(
    engine: Engine,
) -> None:
    exp = _experiments(engine, MemoryExperimentState())
    held = await exp.assign("shop_for_you", "sticky")
    assert held is not None
    await exp.state.set_controls("shop_for_you", Controls(paused=[held.arm]))
    moved = await exp.assign("shop_for_you", "sticky")
    assert moved is not None and moved.arm != held.arm  # pausing stops its traffic at once
    arms = {(await exp.assign("shop_for_you", f"c{n}")).arm for n in range(200)}  # type: ignore[union-attr]
    assert held.arm not in arms
    await exp.state.set_controls("shop_for_you", Controls(mode="fixed", split={"pop": 100}))
    fixed = {(await exp.assign("shop_for_you", f"f{n}")).arm for n in range(50)}  # type: ignore[union-attr]
    assert fixed == {"pop"}
    a = await exp.assign("shop_for_you", "p")
    assert a is not None and a.propensity == pytest.approx(1.0)


async def test_two_replicas_share_arms_counts_and_controls_over_redis(
    engine: Engine, redis_states: tuple[RedisExperimentState, RedisExperimentState]
) -> None:
    one, two = redis_states
    a, b = _experiments(engine, one), _experiments(engine, two)
    first = await a.assign("chat_for_you", "conv-r")
    assert first is not None
    for _ in range(10):  # the other replica gives the same conversation the same arm
        other = await b.assign("chat_for_you", "conv-r")
        assert other is not None and other.arm == first.arm
    await a.served(first, "conv-r", ["p1"])
    assert await b.event("conv-r", "cart", "p1") == 1  # the click lands on the other replica
    seen = (await a.state.stats("chat_for_you"))["all"][first.arm]
    assert (seen.impressions, seen.carts) == (1, 1)
    await b.state.set_controls("chat_for_you", Controls(mode="fixed", split={"cooc": 1}))
    assert (await a.policy("chat_for_you")).mode == "fixed"
    await b.state.drain()  # B's sticky write, pending now or not, lands before the delete
    await a.state.forget(["conv-r"])
    assert await b.state.arm_of("conv-r", "chat_for_you") is None


async def test_a_replica_that_gave_another_arm_adopts_the_stored_one(
    redis_states: tuple[RedisExperimentState, RedisExperimentState],
) -> None:
    one, two = redis_states
    settings = ExperimentSettings()
    # What B chooses for this conversation from its snapshot (empty counts, like B's).
    alone = await Experiments(settings, MemoryExperimentState(), None).assign("shop_for_you", "x")
    assert alone is not None
    other = next(arm for arm in settings.arms if arm != alone.arm)
    one.stick_soon("x", "shop_for_you", other)  # replica one stored another arm first
    await one.drain()
    b = Experiments(settings, two, None)
    raced = await b.assign("shop_for_you", "x")  # B had not learned it: its own arm, once
    assert raced is not None and raced.arm == alone.arm
    await two.drain()  # B's SET NX came back with the stored arm
    for _ in range(3):
        again = await b.assign("shop_for_you", "x")
        assert again is not None and again.arm == other
    assert await two.arm_of("x", "shop_for_you") == other


async def test_choosing_reads_no_redis_once_loaded(
    redis_states: tuple[RedisExperimentState, RedisExperimentState],
) -> None:
    one, _ = redis_states
    exp = Experiments(ExperimentSettings(), one, None)
    await exp.start()
    real = one._redis
    one._redis = _Unreachable()  # a call to Redis inside `assign` would raise through it
    try:
        assigned = [await exp.assign("shop_for_you", f"c{n}") for n in range(20)]
        assert all(a is not None and a.arm in ("als", "cooc", "pop") for a in assigned)
        assert [await exp.assign("shop_for_you", f"c{n}") for n in range(20)] == assigned
        await one.drain()  # the sticky writes failed after the fact, logged, not raised
    finally:
        one._redis = real


class _Unreachable:
    """A Redis client whose every command fails."""

    def __getattr__(self, name: str) -> object:
        raise ConnectionError(f"Redis was called: {name}")


async def test_gdpr_delete_removes_the_shoppers_impressions_and_no_one_elses(
    engine: Engine,
) -> None:
    store = SqlTranscriptStore(engine)
    store.open_conversation("conv-a", session_id="sess-a", shopper_id="shop-1")
    store.open_conversation("conv-b", session_id="sess-b", shopper_id="shop-2")
    exp = _experiments(engine, MemoryExperimentState())
    for key in ("conv-a", "sess-a", "conv-b", "sess-b", "sess-anon"):
        a = await exp.assign("shop_for_you", key)
        assert a is not None
        await exp.served(a, key, ["p1"])
    gone = delete_shopper(store, "shop-1")
    assert gone.impressions == 2  # the chat's and its session's storefront rows
    log = SqlImpressionLog(engine)
    assert sum(s.impressions for s in log.summary()) == 3
    assert delete_shopper(store, "session:sess-anon").impressions == 1
    assert sum(s.impressions for s in log.summary()) == 2


async def test_logged_impressions_replay_from_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from web.cli import main
    from web.settings import WebSettings

    made = make_engine(WebSettings(data_dir=tmp_path).database())
    migrate(made)
    exp = _experiments(made, MemoryExperimentState(), mode="fixed", split={"pop": 1, "als": 1})
    served = {}
    for n in range(40):
        a = await exp.assign("shop_for_you", f"c{n}")
        assert a is not None
        await exp.served(a, f"c{n}", ["p1"])
        served[f"c{n}"] = a.arm
        if a.arm == "als":
            await exp.event(f"c{n}", "click", "p1")  # als earns every time, pop never
    made.dispose()
    argv = ["eval", "bandit", "--logged", "db", "--data-dir", str(tmp_path), "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    als = sum(1 for arm in served.values() if arm == "als")
    assert out["fixed als"]["value"] == 1.0 and out["fixed als"]["matched"] == als
    assert out["fixed pop"]["value"] == 0.0 and out["fixed pop"]["matched"] == 40 - als
