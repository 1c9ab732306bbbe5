"""Retrieval quality: nDCG@10 and Recall@100 over judged queries, per search mode."""

from __future__ import annotations

import csv
import gzip
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from retrieval.product import SearchMode

Judgments = dict[str, dict[str, float]]  # query -> product id -> gain


def read_judgments(path: Path) -> Judgments:
    """`query,product_id,relevance` rows; gain = relevance minus the scale's minimum.

    Several ratings of one pair are averaged first.
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    sums: dict[tuple[str, str], list[float]] = defaultdict(list)
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            sums[(row["query"].strip(), row["product_id"].strip())].append(float(row["relevance"]))
    pairs = {key: sum(v) / len(v) for key, v in sums.items()}
    floor = min(pairs.values(), default=0.0)
    judged: Judgments = defaultdict(dict)
    for (query, pid), rel in pairs.items():
        judged[query][pid] = rel - floor
    return dict(judged)


def ndcg_at(ranked: Sequence[str], gains: Mapping[str, float], k: int = 10) -> float:
    """nDCG@k with linear gains; unjudged products gain 0; the ideal from the judged gains."""
    dcg = sum(gains.get(pid, 0.0) / math.log2(r + 2) for r, pid in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], gains: Mapping[str, float], k: int = 100) -> float:
    """Share of the relevant (gain > 0) products found in the top k."""
    relevant = {pid for pid, g in gains.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def score_runs(runs: Mapping[str, Sequence[str]], judged: Judgments) -> dict[str, float]:
    """Mean nDCG@10 and Recall@100 of ranked lists over the queries that have relevant products."""
    queries = [q for q in judged if any(g > 0 for g in judged[q].values())]
    if not queries:
        return {"ndcg@10": 0.0, "recall@100": 0.0}
    ndcg = sum(ndcg_at(runs.get(q, []), judged[q]) for q in queries) / len(queries)
    recall = sum(recall_at(runs.get(q, []), judged[q]) for q in queries) / len(queries)
    return {"ndcg@10": round(ndcg, 4), "recall@100": round(recall, 4)}


def evaluate(
    search_many: Callable[[Sequence[str], int, SearchMode], list[list[str]]],
    judged: Judgments,
    modes: Sequence[SearchMode] = ("keyword", "vector", "hybrid"),
) -> dict[str, dict[str, float]]:
    """Run every judged query in each mode; keyed `bm25`, `vector`, `hybrid`."""
    names = {"keyword": "bm25", "vector": "vector", "hybrid": "hybrid"}
    queries = sorted(judged)
    out: dict[str, dict[str, float]] = {}
    for mode in modes:
        ranked = search_many(queries, 100, mode)
        out[names[mode]] = score_runs(dict(zip(queries, ranked, strict=True)), judged)
    return out


def plain_bm25s(
    titles: Mapping[str, str], queries: Sequence[str], k: int = 100
) -> dict[str, list[str]]:
    """The baseline: bm25s with its defaults over titles (English stop words, no stemming)."""
    import bm25s

    ids = list(titles)
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([titles[i] for i in ids], stopwords="en", show_progress=False),
        show_progress=False,
    )
    tokens = bm25s.tokenize(list(queries), stopwords="en", show_progress=False, return_ids=False)
    docs, _ = retriever.retrieve(tokens, k=min(k, len(ids)), show_progress=False)
    return {q: [ids[int(j)] for j in row] for q, row in zip(queries, docs, strict=True)}
