"""Benchmark of the transcript console's queries on 100k conversations in a SQLite file.

Run from the repository root:

    .venv/bin/python bench/transcripts_bench.py [--conversations 100000] [--repeats 25]

1. Fills a temporary SQLite file (the shipped migrations, WAL, FTS5) with synthetic
   conversations: shopper messages built from the demo catalog's titles, 1-4 turns
   each, outcome flags at realistic rates, spread over 180 days. Bulk inserts, not the
   store's one-commit-per-message path (which step 3 times on its own).
2. Median (and p95) latency of `TranscriptConsole.list_conversations` for: the first
   page, a deep page (keyset cursor at row 50,000), a full-text search, a filtered
   list, search plus filter, the filtered count, and 30-day analytics; the deep page
   also against the same page fetched with LIMIT/OFFSET in the same process (the
   baseline keyset pagination replaces).
3. The gateway's acknowledgement cost: median `add_user_message` (fsync'd commit).
The machine (cores, CPU model, memory) is printed first.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bench.machine import describe  # noqa: E402
from web.store import (  # noqa: E402
    ConversationFilter,
    SqlTranscriptStore,
    TranscriptConsole,
    make_engine,
    migrate,
)
from web.store.analytics import normalize_query  # noqa: E402
from web.store.models import Conversation, Message, Turn  # noqa: E402

PAGE = 50
DEEP_ROW = 50_000
NOW = datetime.now(UTC).replace(microsecond=0)


def say(line: str = "") -> None:
    """One line of the report on stdout (a benchmark's output is its product)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def vocabulary() -> list[str]:
    """Product words of the demo catalog, so searches hit a realistic share of messages."""
    words: list[str] = []
    with open(ROOT / "data" / "demo" / "products.jsonl", encoding="utf-8") as fh:
        for line in fh:
            words += [w.lower() for w in json.loads(line)["title"].split() if w.isalpha()]
    return sorted(set(words))


def fill(store: SqlTranscriptStore, n: int, seed: int = 7) -> int:
    """Insert `n` conversations with their messages and turns; returns the message count."""
    rng = random.Random(seed)
    words = vocabulary()
    brains = ["offline"] * 7 + ["openai"] * 3
    total = 0
    batch = 5000
    for start in range(0, n, batch):
        conversations: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        turns: list[dict[str, Any]] = []
        for i in range(start, min(n, start + batch)):
            cid = f"{i:08x}{rng.getrandbits(64):016x}"
            began = NOW - timedelta(seconds=rng.randrange(180 * 86_400))
            n_turns = rng.choice((1, 1, 2, 2, 3, 4))
            zero = rng.random() < 0.08
            fallback = rng.random() < 0.05
            first = ""
            seq = 0
            for t in range(n_turns):
                ask = " ".join(rng.sample(words, 3))
                first = first or ask
                at = began + timedelta(seconds=20 * t)
                turn_id = f"{cid[:12]}t{t}"
                seq += 1
                messages.append(
                    dict(
                        conversation_id=cid,
                        seq=seq,
                        role="user",
                        turn_id=turn_id,
                        client_id=f"m{t}",
                        text=f"do you have {ask}?",
                        at=at,
                    )
                )
                seq += 1
                shown = 0 if zero else rng.randint(1, 4)
                messages.append(
                    dict(
                        conversation_id=cid,
                        seq=seq,
                        role="assistant",
                        turn_id=turn_id,
                        client_id=None,
                        text=f"Here are {shown} {ask} ideas from the shop.",
                        at=at,
                    )
                )
                turns.append(
                    dict(
                        conversation_id=cid,
                        turn_id=turn_id,
                        brain=rng.choice(brains),
                        fallback="timeout" if fallback else None,
                        intent="find",
                        query=normalize_query(ask),
                        product_count=shown,
                        zero_result=zero,
                        guardrail_hit=False,
                        handoff=False,
                        record={
                            "tools": [
                                {
                                    "name": "search_products",
                                    "args": {"query": ask},
                                    "ms": 12.0,
                                    "products": shown,
                                }
                            ]
                        },
                        cards=[],
                        suggestions=[],
                        latency_ms=300.0,
                        first_frame_ms=50.0,
                        feedback=rng.choice((None,) * 8 + (1, -1)),
                        feedback_scale="thumbs",
                        at=at,
                    )
                )
            shown_any = not zero
            conversations.append(
                dict(
                    id=cid,
                    session_id=f"s{i}",
                    shopper_id=f"shop-{i % 20_000}",
                    channel="widget",
                    started_at=began,
                    last_at=began + timedelta(seconds=20 * n_turns),
                    message_count=seq,
                    turn_count=n_turns,
                    first_message=f"do you have {first}?",
                    first_query=normalize_query(f"do you have {first}"),
                    product_shown=shown_any,
                    card_clicked=shown_any and rng.random() < 0.3,
                    added_to_cart=shown_any and rng.random() < 0.1,
                    handoff=rng.random() < 0.02,
                    zero_result=zero,
                    guardrail_hit=rng.random() < 0.01,
                    fallback_used=fallback,
                    needs_human=rng.random() < 0.01,
                    taken_over=False,
                    rating=rng.choice((None,) * 8 + (0.0, 1.0)),
                )
            )
        with store.transaction() as conn:
            conn.execute(insert(Conversation), conversations)
            conn.execute(insert(Message), messages)
            conn.execute(insert(Turn), turns)
        total += len(messages)
        sys.stderr.write(f"\rfilled {min(n, start + batch)} of {n} conversations")
    sys.stderr.write("\n")
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return total


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and p95 of `fn` in milliseconds, after one warm-up call."""
    fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return statistics.median(runs), runs[min(len(runs) - 1, int(0.95 * len(runs)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--workdir", type=Path, help="keep the database here (default: temp)")
    args = parser.parse_args()
    say(f"machine: {describe()}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="aisle-transcripts-bench-"))
    engine = make_engine(f"sqlite:///{workdir / 'transcripts.db'}")
    migrate(engine)
    store = SqlTranscriptStore(engine)
    console = TranscriptConsole(store)

    started = time.perf_counter()
    messages = fill(store, args.conversations)
    size = sum(p.stat().st_size for p in workdir.glob("transcripts.db*")) / 2**20
    say(
        f"filled {args.conversations} conversations, {messages} messages in "
        f"{time.perf_counter() - started:.0f} s ({size:.0f} MiB incl. FTS5 index)"
    )

    # The keyset cursor at row 50,000, reached the way the console would: page by page.
    cursor = None
    walk = time.perf_counter()
    for _ in range(DEEP_ROW // PAGE):
        cursor = console.list_conversations(cursor=cursor, limit=PAGE).next_cursor
        if cursor is None:
            raise SystemExit(f"fewer than {DEEP_ROW} conversations: use --conversations 100000")
    say(f"walked {DEEP_ROW // PAGE} pages in {time.perf_counter() - walk:.1f} s")
    since = NOW - timedelta(days=30)
    common = ConversationFilter(text="candle")
    searched = ConversationFilter(text="candle holder")
    filtered = ConversationFilter(zero_result=True, since=since)
    both = ConversationFilter(text="heart", fallback=True)

    def offset_page() -> object:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT * FROM conversations ORDER BY started_at DESC, id DESC "
                    f"LIMIT {PAGE} OFFSET {DEEP_ROW}"
                )
            ).all()

    cases: list[tuple[str, Callable[[], object]]] = [
        ("first page (newest)", lambda: console.list_conversations(limit=PAGE)),
        (
            f"deep page, keyset (row {DEEP_ROW})",
            lambda: console.list_conversations(cursor=cursor, limit=PAGE),
        ),
        ("deep page, LIMIT/OFFSET baseline", offset_page),
        ("search 'candle' (common word)", lambda: console.list_conversations(common, limit=PAGE)),
        (
            "search 'candle holder' (rare pair)",
            lambda: console.list_conversations(searched, limit=PAGE),
        ),
        (
            "filter zero-result, last 30 days",
            lambda: console.list_conversations(filtered, limit=PAGE),
        ),
        ("search 'heart' + fallback", lambda: console.list_conversations(both, limit=PAGE)),
        ("longest first", lambda: console.list_conversations(sort="longest", limit=PAGE)),
        (
            "lowest rating first",
            lambda: console.list_conversations(sort="lowest_rating", limit=PAGE),
        ),
        ("count of the search", lambda: console.count_conversations(searched)),
        ("analytics, 30 days", lambda: console.analytics(since, NOW)),
    ]
    say(f"{'query':38s} {'median ms':>10s} {'p95 ms':>8s}   ({args.repeats} runs, page {PAGE})")
    medians: dict[str, float] = {}
    for name, fn in cases:
        median, p95 = timed(fn, args.repeats)
        medians[name] = median
        say(f"{name:38s} {median:10.2f} {p95:8.2f}")
    keyset = medians[f"deep page, keyset (row {DEEP_ROW})"]
    offset = medians["deep page, LIMIT/OFFSET baseline"]
    say(f"ratio deep page OFFSET / keyset: {offset / keyset:.1f}x")
    say(
        f"('candle' matches {console.count_conversations(common)} conversations, "
        f"'candle holder' {console.count_conversations(searched)})"
    )

    store.open_conversation("bench", session_id="bench", shopper_id=None)
    counter = iter(range(10**9))

    def acknowledge() -> object:
        i = next(counter)
        return store.add_user_message("bench", turn_id=f"t{i}", client_id=f"m{i}", text="hi")

    median, p95 = timed(acknowledge, max(50, args.repeats))
    say(f"{'add_user_message (fsync commit)':38s} {median:10.2f} {p95:8.2f}")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
