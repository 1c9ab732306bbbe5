"""Benchmark of the recsys part: ALS fit time against bare implicit, recommend latency.

Run from the repository root:

    .venv/bin/python bench/recsys_bench.py [--interactions FILE] [--repeats 3] [--calls 2000]

    .venv/bin/python bench/recsys_bench.py --tune    # the ALS search, about 15 minutes

    # serve a data dir trained before (`aisle train --model sasrec`), no fit timing:
    .venv/bin/python bench/recsys_bench.py --skip-fit --model sasrec --data-dir DIR

1. Fit time of `recsys.als.ALSModel.fit` against bare `implicit.als.AlternatingLeastSquares`
   with the same hyperparameters on the same confidence matrix, runs interleaved, both with
   one BLAS thread as implicit recommends; prints medians and the ratio.
2. `recommend` latency p50/p99: in-process (`LocalRecommender`) and over HTTP
   (`HttpRecommender` against `python -m recsys` under uvicorn on a localhost port), with
   the same request through a bare httpx client beside it (the client's baseline).
3. With --tune: the search behind the ALS defaults, on validation folds carved from the
   training period only (the test period, from 2010-09-01, is never looked at): each
   configuration's nDCG@10 (protocol_new) relative to untuned implicit on the same fold.
The machine (cores, CPU model, memory) is printed first. Numbers go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import implicit.als
import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402
from recsys import HttpRecommender, LocalRecommender, RecsysSettings, train  # noqa: E402
from recsys.als import ALSModel  # noqa: E402
from recsys.dataset import build_dataset  # noqa: E402
from recsys.interactions import read_interactions, validate_frame  # noqa: E402
from recsys.results import Filters  # noqa: E402


def say(text: str = "") -> None:
    """One line of the report on stdout (a benchmark's output is its product)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bench_fit(settings: RecsysSettings, interactions: Path, repeats: int) -> None:
    frame, _, _ = validate_frame(read_interactions(interactions), "fail")
    data = build_dataset(frame, settings)
    say(f"data: {data.n_users} users x {data.n_items} items, {data.confidence.nnz} pairs")
    params = {
        "factors": settings.als_factors,
        "regularization": settings.als_regularization,
        "alpha": settings.als_alpha,
        "iterations": settings.als_iterations,
        "random_state": settings.random_state,
        "num_threads": settings.num_threads,
    }
    ours: list[float] = []
    bare: list[float] = []
    for run in range(repeats + 1):
        # Interleaved, alternating which goes first; run 0 warms caches and is dropped.
        order = ("ours", "bare") if run % 2 else ("bare", "ours")
        for which in order:
            start = time.perf_counter()
            if which == "ours":
                ALSModel.fit(data, settings)
            else:
                bare_implicit_fit(data.confidence, params)
            elapsed = time.perf_counter() - start
            if run:
                (ours if which == "ours" else bare).append(elapsed)
    mo, mb = statistics.median(ours), statistics.median(bare)
    say(
        f"ALS fit ({settings.als_factors} factors, {settings.als_iterations} iterations, "
        f"{data.confidence.nnz} pairs), {repeats} interleaved runs each:"
    )
    say(f"  recsys ALSModel.fit      median {mo:6.2f} s   min {min(ours):6.2f} s")
    say(f"  bare implicit ALS .fit   median {mb:6.2f} s   min {min(bare):6.2f} s")
    say(f"  ratio recsys / implicit  median {mo / mb:6.3f}     min {min(ours) / min(bare):6.3f}")


def bare_implicit_fit(matrix: object, params: Mapping[str, Any]) -> None:
    """implicit used as its README shows, BLAS pinned to one thread as it recommends."""
    with threadpool_limits(limits=1, user_api="blas"):
        model = implicit.als.AlternatingLeastSquares(**params)
        model.fit(matrix, show_progress=False)


def timed(call: Callable[..., object], args_list: Sequence[Sequence[Any]]) -> list[float]:
    out = []
    for args in args_list:
        start = time.perf_counter()
        call(*args)
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(label: str, ms: list[float]) -> None:
    say(
        f"  {label:<38} p50 {percentile(ms, 50):6.2f} ms   p99 {percentile(ms, 99):6.2f} ms"
        f"   ({len(ms)} calls)"
    )


def bench_latency(settings: RecsysSettings, calls: int, trained: bool = False) -> None:
    if not trained:
        result = train(settings, [settings.model])
        say(f"artifact {result.version}: serving {result.primary}")
    local = LocalRecommender(settings)
    say(f"serving {local.version()} with model {settings.model}")
    artifact = local.ranker().artifact
    rng = np.random.default_rng(0)
    users = [artifact.user_ids[i] for i in rng.integers(0, len(artifact.user_ids), calls)]
    items = [artifact.items.ids[i] for i in rng.integers(0, len(artifact.items), calls)]
    filters = Filters(in_stock=True, category="Home Decor", price_max=10.0)
    warm = [(u, 10) for u in users[:100]]
    timed(local.recommend, warm)
    say("in-process (LocalRecommender):")
    in_process = timed(local.recommend, [(u, 10) for u in users])
    report("recommend(user, 10)", in_process)
    report(
        "recommend(user, 10, filters)", timed(local.recommend, [(u, 10, filters) for u in users])
    )
    report("similar_items(item, 10)", timed(local.similar_items, [(i, 10) for i in items]))
    report(
        "recommend_for_session(3 items, 10)",
        timed(local.recommend_for_session, [(items[k : k + 3], 10) for k in range(calls)]),
    )
    report(
        "next_after_basket(3 items, 10)",
        timed(local.next_after_basket, [(items[k : k + 3], 10) for k in range(calls)]),
    )

    port = _free_port()
    env = {
        **os.environ,
        "AISLE_RECSYS_DATA_DIR": str(settings.data_dir),
        "AISLE_RECSYS_CATALOG_PATH": str(settings.catalog_path),
        "AISLE_RECSYS_PORT": str(port),
        "AISLE_RECSYS_MODEL": settings.model,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "recsys"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = HttpRecommender(f"http://127.0.0.1:{port}", timeout=10.0)
        deadline = time.monotonic() + 120
        while client_version(client) is None:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("recsys server did not become ready")
            time.sleep(0.2)
        timed(client.recommend, warm)
        say(f"over HTTP (HttpRecommender -> python -m recsys, uvicorn, 127.0.0.1:{port}):")
        # The floor: an empty round trip through the same httpx client and server.
        floor = timed(client.version, [() for _ in users])
        report("GET /readyz (empty round trip, floor)", floor)
        over_http = timed(client.recommend, [(u, 10) for u in users])
        report("recommend(user, 10)", over_http)
        report(
            "recommend(user, 10, filters)",
            timed(client.recommend, [(u, 10, filters) for u in users]),
        )
        report("similar_items(item, 10)", timed(client.similar_items, [(i, 10) for i in items]))
        report(
            "recommend_for_session(3 items, 10)",
            timed(client.recommend_for_session, [(items[k : k + 3], 10) for k in range(calls)]),
        )
        client.close()
        # The baseline for the client's choice: the same request and parsing through httpx,
        # the library DESIGN.md names for clients (recsys/client.py says why it is not used).
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10.0) as bare:

            def httpx_recommend(user: str, n: int) -> object:
                response = bare.post("/recommend", json={"user_id": user, "n": n})
                response.raise_for_status()
                return json.loads(response.content)

            timed(httpx_recommend, warm)
            via_httpx = timed(httpx_recommend, [(u, 10) for u in users])
        report("recommend(user, 10) through httpx", via_httpx)
        p50 = statistics.median
        ratio99 = percentile(over_http, 99) / percentile(via_httpx, 99)
        say(
            f"recommend p50: HTTP / in-process {p50(over_http) / p50(in_process):.1f}x; "
            f"HTTP minus the empty round trip {p50(over_http) - p50(floor):.2f} ms; "
            f"p99 HttpRecommender / httpx {ratio99:.2f}x; "
            f"load average during the run {os.getloadavg()[0]:.2f}"
        )
    finally:
        server.terminate()
        server.wait(10)


def client_version(client: HttpRecommender) -> str | None:
    try:
        return client.version()
    except Exception:  # noqa: BLE001 - the server is still starting
        return None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FOLDS = (  # (train before, validate until): all inside the training period (< 2010-09-01)
    ("2010-05-01", "2010-07-01"),
    ("2010-07-01", "2010-09-01"),
    ("2010-05-01", "2010-09-01"),
)
GRID = [  # (half-life days, floor, factors, regularization, alpha)
    (None, 0.0, 100, 0.01, 1.0),
    (None, 0.0, 64, 10.0, 2.0),
    (None, 0.0, 128, 30.0, 8.0),
    (60.0, 0.0, 128, 30.0, 8.0),
    (30.0, 0.0, 64, 1.0, 1.0),
    (30.0, 0.0, 64, 20.0, 4.0),
    (30.0, 0.0, 128, 10.0, 2.0),
    (30.0, 0.0, 128, 30.0, 8.0),
    (30.0, 0.05, 128, 30.0, 8.0),
    (30.0, 0.2, 128, 30.0, 8.0),
]


def tune(interactions: Path) -> None:
    """nDCG@10 (protocol_new) of ALS configurations on the validation folds."""
    from recsys.evaluate import BASELINE, evaluate, split_by_time

    frame, _, _ = validate_frame(read_interactions(interactions), "fail")
    say("half-life floor factors reg alpha | nDCG@10 per fold (ratio to untuned implicit)")
    baselines: dict[int, float] = {}
    for half_life, floor, factors, reg, alpha in GRID:
        cells = []
        for k, (cut, end) in enumerate(FOLDS):
            train_part, rest = split_by_time(frame, cut)
            valid, _ = split_by_time(rest, end)
            settings = RecsysSettings(
                recency_half_life_days=half_life,
                recency_floor=floor,
                als_factors=factors,
                als_regularization=reg,
                als_alpha=alpha,
                num_threads=1,
            )
            report = evaluate(train_part, valid, settings, ["als"], baseline=k not in baselines)
            new = report.metrics["protocol_new"]
            baselines.setdefault(k, new.get(BASELINE, {}).get("ndcg@10", 0.0))
            score = new["als"]["ndcg@10"]
            cells.append(f"{score:.4f} ({score / baselines[k]:.3f})")
        say(f"{half_life!s:>9} {floor:5} {factors:7} {reg:4} {alpha:5} | " + "  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--interactions", type=Path, default=ROOT / "data/demo/interactions.parquet"
    )
    parser.add_argument("--catalog", type=Path, default=ROOT / "data/demo/products.jsonl")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--skip-fit", action="store_true")
    parser.add_argument("--tune", action="store_true", help="run the ALS search instead")
    parser.add_argument("--model", default="als", help="the model to serve (AISLE_RECSYS_MODEL)")
    parser.add_argument(
        "--data-dir", type=Path, help="serve this already trained data dir (no training)"
    )
    args = parser.parse_args()
    say(f"machine: {describe()}")
    if args.tune:
        tune(args.interactions)
        return
    with tempfile.TemporaryDirectory() as tmp:
        settings = RecsysSettings(
            data_dir=args.data_dir or Path(tmp),
            catalog_path=args.catalog,
            interactions_path=args.interactions,
            model=args.model,
        )
        if not args.skip_fit:
            bench_fit(settings, args.interactions, args.repeats)
        bench_latency(settings, args.calls, trained=args.data_dir is not None)


if __name__ == "__main__":
    main()
