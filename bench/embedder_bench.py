"""Embedder adaptation speed: re-embedding throughput against bare encode, and training rate.

    python bench/embedder_bench.py [--products P] [--judgments J] [--n 5000] [--reps 3]
                                   [--train-steps 20] [--device cpu]

Re-embedding (`Ingestor.rebuild`, what a promotion or a rollback runs: embed the whole
live catalog, write a new collection, swap) is timed against bare `model.encode` of the
same texts with the same model, interleaved in one process; the ratio is the figure the
issue asks for (>= 0.9x). Training runs `retrieval.finetune.finetune` on Home Depot's
training-split positives (relevance >= 2.5, the split of `aisle eval retrieval
--train-share 0.8`) for a few steps and reports examples per second, and the time one
epoch over every training positive would take at that rate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import describe  # noqa: E402
from bench.retrieval_bench import SHARED, load_products  # noqa: E402
from retrieval import (  # noqa: E402
    Ingestor,
    RetrievalSettings,
    SentenceTransformerEmbedder,
    make_store,
)
from retrieval.catalog import embedding_text  # noqa: E402
from retrieval.embedder import bundled_model_path  # noqa: E402
from retrieval.feed import FeedReport  # noqa: E402
from retrieval.finetune import FinetuneConfig, finetune  # noqa: E402
from retrieval.pairs import merge_pairs, normalize_query, read_pairs, split_by_query  # noqa: E402


def reembed(products: list, reps: int, workdir: Path, device: str) -> dict[str, float]:
    """Products per second: bare model.encode vs a whole rebuild, same texts, interleaved."""
    from sentence_transformers import SentenceTransformer

    bare_model = SentenceTransformer(bundled_model_path(), device=device)
    embedder = SentenceTransformerEmbedder(device=device)
    texts = [embedding_text(p, 400) for p in products]
    settings = RetrievalSettings(data_dir=workdir / "rebuild")
    Ingestor(make_store(settings), embedder, settings).ingest(FeedReport(products=products))
    bare_model.encode(texts[:64], batch_size=64)
    bare, ours = [], []
    for _ in range(reps):
        t = time.perf_counter()
        bare_model.encode(texts, batch_size=64, normalize_embeddings=True)
        bare.append(len(texts) / (time.perf_counter() - t))
        t = time.perf_counter()
        report = Ingestor(make_store(settings), embedder, settings).rebuild()
        ours.append(len(texts) / (time.perf_counter() - t))
        assert report.embedded == len(texts) and report.swapped
    return {
        "n": len(texts),
        "bare_encode_per_s": statistics.median(bare),
        "rebuild_per_s": statistics.median(ours),
        "ratio": statistics.median(ours) / statistics.median(bare),
    }


def training(
    products: list, judgments: Path, steps: int, batch: int, device: str, workdir: Path
) -> dict[str, float]:
    """Examples per second of the fine-tune on HD training positives, over a few steps."""
    pairs = merge_pairs(read_pairs(judgments).pairs)
    train, _ = split_by_query(pairs, 0.2, salt="eval")
    kept, _ = split_by_query(train, 0.1, salt="promotion")
    positives = [p for p in kept if p.label >= 2.5]
    texts = {p.id: embedding_text(p, 400) for p in products}
    # Negatives: random products here (mining needs the whole index; it does not change
    # the cost of a step, which is three texts per example either way).
    ids = sorted(texts)
    negatives = {
        normalize_query(p.query): ids[n * 7919 % len(ids)] for n, p in enumerate(positives)
    }
    sample = positives[: steps * batch]
    config = FinetuneConfig(epochs=1.0, batch_size=batch, device=device)
    out = workdir / "model"
    out.mkdir()
    result = finetune(bundled_model_path(), sample, texts, negatives, out, config, progress=True)
    rate = result.pairs_per_s
    return {
        "examples": result.examples,
        "steps": result.steps,
        "seconds": result.seconds,
        "examples_per_s": rate,
        "training_positives": len(positives),
        "epoch_estimate_s": len(positives) / rate if rate else float("inf"),
    }


def main() -> None:
    """Run the benchmark and print JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--products", type=Path, default=SHARED / "products.csv.gz")
    ap.add_argument("--judgments", type=Path, default=SHARED / "judgments_dev.csv.gz")
    ap.add_argument("--n", type=int, default=5000, help="products re-embedded per rep")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--train-steps", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--skip", choices=["reembed", "training"], action="append", default=[])
    args = ap.parse_args()
    if not args.products.exists():
        sys.exit(f"{args.products} is absent: the Home Depot data lives in ../shared/data")
    products = load_products(args.products)
    out: dict[str, object] = {"machine": describe()}
    with tempfile.TemporaryDirectory() as tmp:
        if "reembed" not in args.skip:
            out["reembed"] = reembed(products[: args.n], args.reps, Path(tmp), args.device)
        if "training" not in args.skip:
            out["training"] = training(
                products, args.judgments, args.train_steps, args.batch_size, args.device, Path(tmp)
            )
    sys.stdout.write(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
