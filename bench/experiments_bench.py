"""What choosing an arm adds to a recommendation: the demo shop, in process, same run.

Run from the repository root (the demo shop trained in --data-dir, read only):

    .venv/bin/python bench/experiments_bench.py [--data-dir var/recsys] [--calls 3000]
        [--redis redis://127.0.0.1:6379/0]

Each call is one storefront "recommended for you" request for a fresh browsing session
(the worst case: no sticky arm yet, so the bandit samples and stores the arm). Interleaved
per call, alternating the order, in one process, every variant serving the same model in
one round (the arms cycle), so that only the choosing differs:

1. baseline: `LocalRecommender.recommend_for_session` with that model;
2. with the experiment: `Experiments.assign` (memory state) then the same call;
3. the same with the Redis state (counts and controls from a local snapshot re-read every
   second in the background; the sticky arm stored with SET NX GET after the call);
4. Redis state, a conversation's later requests (50 sessions reused: the arm is known).

Between calls the loop runs the background writes (as a server's loop does between
requests), outside the timed part.

It prints p50/p99 of each, the p99 of `assign` alone, and the ratios to the baseline.
The impression write is not counted: it happens after the list is sent.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402
from recsys import LocalRecommender, RecsysSettings  # noqa: E402
from recsys.bandit import ArmStats  # noqa: E402
from web.experiments.service import Experiments  # noqa: E402
from web.experiments.settings import ExperimentSettings  # noqa: E402
from web.experiments.state import (  # noqa: E402
    ExperimentState,
    MemoryExperimentState,
    RedisExperimentState,
)


def say(text: str = "") -> None:
    """One line of the report on stdout."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def line(label: str, ms: list[float], base: list[float] | None = None) -> None:
    """p50 and p99 in ms, and the ratio of each to the baseline's."""
    p50, p99 = np.percentile(ms, 50), np.percentile(ms, 99)
    ratio = ""
    if base is not None:
        ratio = (
            f"   x{p50 / np.percentile(base, 50):.2f} p50, x{p99 / np.percentile(base, 99):.2f} p99"
        )
    say(f"  {label:<44} p50 {p50:6.3f} ms   p99 {p99:6.3f} ms{ratio}")


async def seeded(state: ExperimentState, arms: tuple[str, ...]) -> None:
    """Counts as after a week of traffic, so the posterior is not the flat prior."""
    stats = {
        "all": {arm: ArmStats(20_000, 600 + 150 * i, 90 + 20 * i) for i, arm in enumerate(arms)}
    }
    await state.seed("shop_for_you", stats)


async def run(args: argparse.Namespace) -> None:
    """Time the three variants, interleaved call by call."""
    recommender = LocalRecommender(RecsysSettings(data_dir=args.data_dir))
    settings = ExperimentSettings()
    seen_lists = [["85123A", "22423"], ["21232"], ["84879", "22720", "47566"]]
    variants: dict[str, Experiments | None] = {"baseline": None}
    memory = MemoryExperimentState()
    await seeded(memory, settings.arms)
    variants["memory"] = Experiments(settings, memory, None)
    redis_state: RedisExperimentState | None = None
    if args.redis:
        redis_state = RedisExperimentState(args.redis, prefix=f"bench_{uuid.uuid4().hex[:6]}")
        await seeded(redis_state, settings.arms)
        variants["redis"] = Experiments(settings, redis_state, None)
        # The common case: a conversation's later requests (the arm is already known here).
        variants["redis, later requests"] = Experiments(settings, redis_state, None)
    total: dict[str, list[float]] = {k: [] for k in variants}
    assign: dict[str, list[float]] = {k: [] for k in variants if k != "baseline"}
    arms = settings.arms
    for call in range(args.calls + 200):
        seen = seen_lists[call % len(seen_lists)]
        # The baseline serves the same model the experiment variants will be given in this
        # round (their arms differ in cost; choosing should not get credit for a cheap arm).
        arm = arms[call % len(arms)]
        names = list(variants) if call % 2 else list(reversed(variants))
        for name in names:
            exp = variants[name]
            start = picked = time.perf_counter()
            if exp is not None:
                later = name.endswith("later requests")
                session = f"returning-{call % 50}" if later else uuid.uuid4().hex
                await exp.assign("shop_for_you", session)
                picked = time.perf_counter()
            recommender.recommend_for_session(seen, 8, None, arm)
            end = time.perf_counter()
            await asyncio.sleep(0)  # the sticky writes go out between requests, untimed
            if call >= 200:  # the first 200 warm caches and are dropped
                total[name].append((end - start) * 1000)
                if exp is not None:
                    assign[name].append((picked - start) * 1000)
    say(f"machine: {describe()}")
    say(f"artifact {recommender.version()}, arms {settings.arms}, {args.calls} calls each")
    line("recommend_for_session (baseline)", total["baseline"])
    for name in assign:
        line(f"assign + recommend ({name} state)", total[name], total["baseline"])
        line(f"  assign alone ({name} state)", assign[name])
        added = np.percentile(total[name], 99) - np.percentile(total["baseline"], 99)
        say(f"  added p99 ({name}): {added:.3f} ms (target <= 1 ms)")
    if redis_state is not None:
        await redis_state.drain()
        pings = []
        for _ in range(args.calls):
            start = time.perf_counter()
            await redis_state.ping()
            pings.append((time.perf_counter() - start) * 1000)
        line("  a bare Redis PING, same client (the floor)", pings)
        keys = [k async for k in redis_state._redis.scan_iter(f"{redis_state._prefix}:*")]
        for start in range(0, len(keys), 500):
            await redis_state._redis.delete(*keys[start : start + 500])
        await redis_state.aclose()


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "recsys")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--redis", help="also time the Redis state (a URL)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
