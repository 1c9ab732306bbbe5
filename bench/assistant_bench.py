"""Assistant speed and quality: the demo chat suite through the offline brain, embedded.

    python bench/assistant_bench.py [--data-dir var] [--suite data/demo/chat_suite.yaml]

Needs the demo shop indexed (`aisle demo --data-dir var`) and, for real recommendations,
trained (`aisle train`). Runs the suite twice: the first pass embeds every query afresh
(what a shopper pays), the second finds the query vectors cached. The baseline, in the
same process, is one bare hybrid search per turn with the same words: the floor a turn
that searches cannot beat. Reports medians, p95 and the ratio, with the machine and load.
(The LLM brain's plumbing is measured by its tests' scripted server, whose tool calls come
from each test's own script: there is no suite-wide scripted model to bench any more.)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import (  # noqa: E402
    AssistantSettings,
    ProductFilters,
    build_assistant,
)
from assistant.evaluate import SuiteReport, load_suite, run_suite  # noqa: E402
from bench.machine import describe  # noqa: E402
from recsys import RecsysSettings  # noqa: E402
from retrieval import RetrievalSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def out(text: str) -> None:
    sys.stdout.write(text + "\n")


def pct_or_na(value: float | None) -> str:
    """A share as a percentage, or n/a for a suite that states no such expectation."""
    return "n/a" if value is None else f"{value:.1%}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<34} p50 {statistics.median(values):7.2f} ms   p95 {pct(values, 0.95):7.2f} ms"
        f"   max {max(values):7.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var")
    parser.add_argument("--suite", type=Path, default=ROOT / "data" / "demo" / "chat_suite.yaml")
    args = parser.parse_args()

    load_before = os.getloadavg()
    assistant = build_assistant(
        AssistantSettings(brain="offline").with_data_dir(args.data_dir),
        RetrievalSettings(data_dir=args.data_dir / "retrieval", default_currency="GBP"),
        RecsysSettings(data_dir=args.data_dir / "recsys"),
    )
    started = time.perf_counter()
    assistant.warm()
    warm_s = time.perf_counter() - started
    suite = load_suite(args.suite)

    reports: list[SuiteReport] = []
    for _ in range(2):
        reports.append(asyncio.run(run_suite(assistant, suite)))
    first, second = reports

    # Baseline: the turns' own catalog searches, replayed bare (same words, same filters).
    search = assistant.search
    bare: list[float] = []
    searched: list[float] = []
    for outcome in second.outcomes:
        calls = [c for c in outcome.tool_calls if c["name"] == "search_products"]
        if not calls:
            continue
        t0 = time.perf_counter()
        for call in calls:
            filters = ProductFilters.model_validate(call["args"].get("filters") or {})
            search.search(str(call["args"].get("query", "")), filters.search_filters(), 24)
        bare.append((time.perf_counter() - t0) * 1000)
        searched.append(outcome.ms)
    load_after = os.getloadavg()

    turn_cold = [o.ms for o in first.outcomes]
    turn_warm = [o.ms for o in second.outcomes]
    first_event = [o.first_event_ms for o in first.outcomes]
    recsys = assistant.recommender.version() if assistant.recommender else None

    out(f"# assistant bench {dt.date.today().isoformat()}")
    out(f"machine: {describe()}")
    out(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    out(f"catalog: {search.stats().products} products; recsys artifact: {recsys}")
    out(f"suite: {first.dialogues} dialogues, {first.turns} turns; warm-up {warm_s:.1f}s")
    out("")
    out(f"constraint satisfaction   {first.constraint_satisfaction:.1%}")
    out(f"all expectations          {first.all_expectations:.1%}")
    out(f"intent accuracy           {pct_or_na(first.intent_accuracy)}")
    out(f"tool accuracy             {pct_or_na(first.tool_accuracy)}")
    out(f"grounding violations      {first.grounding_violations}")
    out(f"guard corrections         {first.corrections}")
    out("")
    out(line("turn, fresh query vectors", turn_cold))
    out(line("turn, cached query vectors", turn_warm))
    out(line("first event (assistant.start)", first_event))
    out(line("searching turns, cached vectors", searched))
    out(line("baseline: their bare searches", bare))
    ratio = statistics.median(searched) / max(statistics.median(bare), 1e-9)
    out(f"searching turn / its bare searches (medians): {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
