"""Retrieval speed: ingest throughput, re-ingest, and search latency against bare baselines.

    python bench/retrieval_bench.py [--products P] [--queries Q] [--throughput-n N]

Baselines run in the same process on the same texts: bare `model.encode` for
ingest throughput, and query embedding + a bare Chroma query for latency
(the floor no search can beat). Reports medians, p95 and the ratios.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import describe  # noqa: E402
from retrieval import (  # noqa: E402
    HybridSearch,
    Ingestor,
    Product,
    RetrievalSettings,
    SentenceTransformerEmbedder,
    make_store,
)
from retrieval.catalog import embedding_text  # noqa: E402
from retrieval.embedder import bundled_model_path  # noqa: E402
from retrieval.feed import FeedReport  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "homedepot"


def load_products(path: Path) -> list[Product]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [Product(id=r["id"], title=r["title"], price=Decimal(0)) for r in csv.DictReader(fh)]


def load_queries(path: Path, n: int) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        queries = sorted({r["query"] for r in csv.DictReader(fh)})
    step = max(1, len(queries) // n)
    return queries[::step][:n]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def throughput(products: list[Product], reps: int, workdir: Path) -> dict[str, float]:
    """Products per second: bare model.encode vs a whole first ingest, same texts, interleaved."""
    from sentence_transformers import SentenceTransformer

    bare_model = SentenceTransformer(bundled_model_path(), device="cpu")
    embedder = SentenceTransformerEmbedder()
    texts = [embedding_text(p, 400) for p in products]
    bare_model.encode(texts[:64], batch_size=64)  # warm both
    embedder.embed_documents(texts[:64])
    bare, ours = [], []
    for rep in range(reps):
        t = time.perf_counter()
        bare_model.encode(texts, batch_size=64, normalize_embeddings=True)
        bare.append(len(texts) / (time.perf_counter() - t))
        settings = RetrievalSettings(data_dir=workdir / f"tp{rep}")
        t = time.perf_counter()
        Ingestor(make_store(settings), embedder, settings).ingest(FeedReport(products=products))
        ours.append(len(texts) / (time.perf_counter() - t))
    return {
        "n": len(texts),
        "bare_encode_per_s": statistics.median(bare),
        "ingest_per_s": statistics.median(ours),
        "ratio": statistics.median(ours) / statistics.median(bare),
    }


def reingest(
    products: list[Product], workdir: Path, embedder: SentenceTransformerEmbedder
) -> dict[str, float]:
    settings = RetrievalSettings(data_dir=workdir / "full")
    t = time.perf_counter()
    Ingestor(make_store(settings), embedder, settings).ingest(FeedReport(products=products))
    first = time.perf_counter() - t
    t = time.perf_counter()
    report = Ingestor(make_store(settings), embedder, settings).ingest(
        FeedReport(products=products)
    )
    again = time.perf_counter() - t
    assert report.embedded == 0
    return {"n": len(products), "first_s": first, "unchanged_s": again, "speedup": first / again}


def latency(
    workdir: Path, queries: list[str], embedder: SentenceTransformerEmbedder
) -> dict[str, float]:
    """Per-query time of our search vs the floor (embed the query + a bare Chroma query)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from sentence_transformers import SentenceTransformer

    settings = RetrievalSettings(data_dir=workdir / "full")
    search = HybridSearch(make_store(settings), embedder, settings)
    search.load()
    live = make_store(settings).live(settings.collection_prefix)
    client = chromadb.PersistentClient(
        path=str(settings.data_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_collection(live, embedding_function=None)
    bare_model = SentenceTransformer(bundled_model_path(), device="cpu")
    for q in queries[:20]:  # warm-up, then every query once per side, interleaved
        collection.query(query_embeddings=bare_model.encode([q]), n_results=10)
        search.search(q + " warm", k=10)
    floor, ours = [], []
    for q in queries:
        t = time.perf_counter()
        collection.query(
            query_embeddings=bare_model.encode([q], normalize_embeddings=True), n_results=10
        )
        floor.append(time.perf_counter() - t)
        t = time.perf_counter()
        search.search(q, k=10)
        ours.append(time.perf_counter() - t)
    ms = 1000.0
    return {
        "queries": len(queries),
        "floor_p50_ms": statistics.median(floor) * ms,
        "floor_p95_ms": pct(floor, 0.95) * ms,
        "search_p50_ms": statistics.median(ours) * ms,
        "search_p95_ms": pct(ours, 0.95) * ms,
        "p50_ratio": statistics.median(ours) / statistics.median(floor),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=Path, default=SHARED / "products.csv.gz")
    parser.add_argument("--judgments", type=Path, default=SHARED / "judgments_dev.csv.gz")
    parser.add_argument("--throughput-n", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--limit", type=int, help="use only the first N products (smoke runs)")
    parser.add_argument("--workdir", type=Path, help="keep indexes here (default: a temp dir)")
    args = parser.parse_args()
    if not args.products.exists():
        sys.stderr.write(
            f"{args.products} is absent: this benchmark needs ../shared/data/homedepot\n"
        )
        return 2
    products = load_products(args.products)[: args.limit]
    queries = load_queries(args.judgments, args.queries)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="aisle-bench-"))
    out: dict[str, object] = {"machine": describe(), "products": len(products)}
    sys.stderr.write(f"machine: {out['machine']}\n")
    out["throughput"] = throughput(products[: args.throughput_n], args.reps, workdir)
    sys.stderr.write(f"throughput: {out['throughput']}\n")
    embedder = SentenceTransformerEmbedder()
    out["reingest"] = reingest(products, workdir, embedder)
    sys.stderr.write(f"reingest: {out['reingest']}\n")
    out["latency"] = latency(workdir, queries, embedder)
    sys.stderr.write(f"latency: {out['latency']}\n")
    sys.stdout.write(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
