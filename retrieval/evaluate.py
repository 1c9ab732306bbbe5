"""Retrieval quality: nDCG@10 and Recall@100 over judged queries, per search mode."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from retrieval.adapt import TrainOptions
from retrieval.finetune import FinetuneConfig
from retrieval.ingest import Progress
from retrieval.pairs import Pair, merge_pairs, normalize_query, queries_of
from retrieval.product import SearchMode
from retrieval.settings import RetrievalSettings

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


def judgments_of(pairs: Sequence[Pair], floor: float) -> Judgments:
    """Judgments from pairs: gain = label - floor (the scale's minimum), as `read_judgments`."""
    judged: Judgments = defaultdict(dict)
    for p in merge_pairs(pairs):
        judged[p.query][p.product_id] = p.label - floor
    return dict(judged)


def evaluate_adaptation(
    settings: RetrievalSettings,
    judged: Judgments,
    train_pairs: Sequence[Pair],
    options: TrainOptions,
    config: FinetuneConfig,
    *,
    gain_floor: float = 0.0,
    progress: bool = False,
    on_embed: Progress | None = None,
) -> dict[str, Any]:
    """Fine-tune on `train_pairs` and score before and after on the queries never trained on.

    The live collection of `settings` (the base model's index) stays as it is; the adapted
    index is built beside it under the `<prefix>ft` collection prefix, through the same
    path a promotion takes, and searched through Chroma like the base one. The fusion's
    vector weight is re-tuned for the adapted model on the training run's held-out slice
    (training-split queries the model never saw), never on the scored queries.

    Args:
        settings: the evaluation index's settings (its live collection is the baseline).
        judged: every judged query (gains); the scored ones are those not in `train_pairs`.
        train_pairs: the pairs to train on (their queries are never scored).
        options: the promotion rule (its `target_key` is set here).
        config: the fine-tune's parameters.
        gain_floor: subtracted from labels to make the held-out slice's gains.
        progress: draw the trainer's progress bar.
        on_embed: (done, total) while the catalog is embedded with the new model.

    Returns:
        Figures by stage: `before` and `after` per channel, the chosen fusion, the training.
    """
    from retrieval import make_embedder
    from retrieval.adapt import train_embedder
    from retrieval.hybrid import HybridSearch, fusion_params
    from retrieval.store import make_store

    trained = queries_of(train_pairs)
    scored = {q: g for q, g in judged.items() if normalize_query(q) not in trained}
    store = make_store(settings)
    base = HybridSearch(store, make_embedder(settings), settings)
    out: dict[str, Any] = {
        "train_queries": len(trained),
        "scored_queries": sum(1 for g in scored.values() if any(v > 0 for v in g.values())),
        "before": evaluate(base.search_many, scored),
    }
    key = settings.collection_prefix + "ft"
    report = train_embedder(
        settings,
        train_pairs,
        TrainOptions(**(options.__dict__ | {"target_key": key})),
        config,
        progress=progress,
        on_embed=on_embed,
        store=store,
    )
    out["training"] = report.as_dict()
    adapted = HybridSearch(
        store, make_embedder(settings), settings.model_copy(update={"collection_prefix": key})
    )
    after = evaluate(adapted.search_many, scored, modes=("vector", "hybrid"))
    default = fusion_params(settings)
    slice_judged = judgments_of(report.held_out, gain_floor)
    tuning: dict[str, float] = {}
    for weight in VECTOR_WEIGHTS:
        adapted.use_fusion(dataclasses.replace(default, vector_weight=weight))
        tuning[f"{weight:g}"] = evaluate(adapted.search_many, slice_judged, modes=("hybrid",))[
            "hybrid"
        ]["ndcg@10"]
    best = max(VECTOR_WEIGHTS, key=lambda w: (tuning[f"{w:g}"], -w))
    adapted.use_fusion(dataclasses.replace(default, vector_weight=best))
    after["hybrid_tuned"] = evaluate(adapted.search_many, scored, modes=("hybrid",))["hybrid"]
    out["after"] = after
    out["fusion"] = {
        "keyword_weight": default.keyword_weight,
        "vector_weight": best,
        "slice_ndcg@10_by_vector_weight": tuning,
    }
    return out


# Vector weights tried for the adapted model (keyword weight stays at the tuned 0.8).
VECTOR_WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
