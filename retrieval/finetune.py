"""Fine-tuning the embedder with torch: contrastive loss over (query, product, hard negative).

sentence-transformers' trainer runs the loop; the loss is MultipleNegativesRankingLoss
(InfoNCE): each query must score its product above every other product in the batch
(in-batch negatives) and above its hard negative, a product the current index ranks
high for that query that the shop's signals never tied to it. Batches never hold the
same text twice (a query with two products would otherwise push one of them away).
"""

from __future__ import annotations

import logging
import os
import random
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.embedder import Vectors
from retrieval.pairs import Pair, normalize_query

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FinetuneConfig:
    """How a fine-tune runs. The defaults were fixed before any Home Depot test figure existed.

    Attributes:
        epochs: passes over every positive pair.
        batch_size: pairs per step (each brings a query, a product and a hard negative).
        learning_rate: AdamW's peak rate (linear warm-up over the first tenth, then decay).
        seed: seeds torch, the sampler and the negative choice.
        negative_ranks: hard negatives are drawn from these ranks (0-based, end exclusive)
            of the current index's vector results, skipping the very top, where products
            that nobody happened to click but that do fit the query sit most often.
        device: torch device (`cpu`, `cuda`).
    """

    epochs: float = 1.0
    batch_size: int = 64
    learning_rate: float = 5e-5
    seed: int = 42
    negative_ranks: tuple[int, int] = (3, 30)
    device: str = "cpu"


@dataclass(frozen=True)
class FinetuneResult:
    """What a fine-tune did: steps, examples and time (for the report and RESULTS.md)."""

    examples: int
    steps: int
    seconds: float
    final_loss: float | None

    @property
    def pairs_per_s(self) -> float:
        """Training throughput in (query, product, negative) examples per second."""
        return self.examples / self.seconds if self.seconds > 0 else 0.0


def mine_hard_negatives(
    pairs: Sequence[Pair],
    query_vectors: Vectors,
    product_ids: Sequence[str],
    product_vectors: Vectors,
    judged: Mapping[str, set[str]],
    config: FinetuneConfig,
) -> dict[str, str]:
    """One hard negative per query from the current vectors (exact search, in blocks).

    Args:
        pairs: training pairs; their distinct queries, in order of `query_vectors`' rows.
        query_vectors: the current model's vector of each distinct query (same order).
        product_ids: ids of the catalog's products, in the rows of `product_vectors`.
        product_vectors: the current index's (normalised) product vectors.
        judged: products any pair ties to each query (`normalize_query` form): never negatives.
        config: ranks to draw from and the seed.

    Returns:
        normalised query -> product id of its hard negative (queries with none are absent).
    """
    queries = list(dict.fromkeys(normalize_query(p.query) for p in pairs))
    lo, hi = config.negative_ranks
    rng = random.Random(config.seed)
    out: dict[str, str] = {}
    depth = min(hi + 20, len(product_ids))
    for start in range(0, len(queries), 512):
        block = query_vectors[start : start + 512] @ product_vectors.T
        top = np.argpartition(-block, depth - 1, axis=1)[:, :depth]
        for row, q in enumerate(queries[start : start + 512]):
            order = top[row][np.argsort(-block[row, top[row]])]
            known = judged.get(q, set())
            ranked = [product_ids[j] for j in order.tolist() if product_ids[j] not in known]
            window = ranked[lo:hi] or ranked
            if window:
                out[q] = rng.choice(window)
    return out


def judged_negatives(pairs: Sequence[Pair], below: float) -> dict[str, list[str]]:
    """Products each query's pairs label below `below`: shown for it and not chosen.

    A click log's "shown, not clicked" (or a judgment of irrelevant) is the hardest
    negative there is: the shop's own search put it in front of the shopper for that query.

    Args:
        pairs: merged pairs (one per query and product).
        below: labels under this make a pair a negative.

    Returns:
        normalised query -> its negative product ids, in the pairs' order.
    """
    out: dict[str, list[str]] = {}
    for p in pairs:
        if p.label < below:
            out.setdefault(normalize_query(p.query), []).append(p.product_id)
    return out


def pick_negatives(
    shown: Mapping[str, Sequence[str]], queries: set[str], seed: int
) -> dict[str, str]:
    """One of its judged negatives for each training query that has any (seeded, uniform)."""
    rng = random.Random(seed)
    return {q: rng.choice(list(ids)) for q, ids in sorted(shown.items()) if q in queries and ids}


def finetune(
    base_path: str,
    pairs: Sequence[Pair],
    texts: Mapping[str, str],
    negatives: Mapping[str, str],
    out_dir: Path,
    config: FinetuneConfig,
    progress: bool = False,
) -> FinetuneResult:
    """Fine-tune the model at `base_path` on positive pairs and save it to `out_dir`.

    Args:
        base_path: a local sentence-transformers model (the current one).
        pairs: positive pairs; products without text in `texts` are skipped.
        texts: product id -> the text the vector channel embeds for it.
        negatives: normalised query -> hard negative product id (`mine_hard_negatives`).
        out_dir: an empty folder the tuned model is saved into.
        config: epochs, batch size, rate, seed, device.
        progress: draw the trainer's progress bar (on stderr).

    Returns:
        How many examples and steps ran, and how long it took.
    """
    import torch
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers import TrainerCallback
    from transformers import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    os.environ.setdefault("WANDB_DISABLED", "true")
    torch.manual_seed(config.seed)
    rows: dict[str, list[str]] = {"anchor": [], "positive": [], "negative": []}
    ids = sorted(texts)
    fallback = random.Random(config.seed)
    for p in pairs:
        if p.product_id not in texts:
            continue
        neg = negatives.get(normalize_query(p.query))
        if neg is None or neg == p.product_id:
            neg = fallback.choice(ids)  # a random product: still a negative for the loss
        rows["anchor"].append(p.query)
        rows["positive"].append(texts[p.product_id])
        rows["negative"].append(texts[neg])
    if not rows["anchor"]:
        raise ValueError("no training pair names a product of the catalog")
    model = SentenceTransformer(base_path, device=config.device, local_files_only=True)
    losses: list[float] = []

    class _Losses(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if logs and "loss" in logs:
                losses.append(float(logs["loss"]))

    with tempfile.TemporaryDirectory(prefix="aisle-finetune-") as scratch:
        args = SentenceTransformerTrainingArguments(
            output_dir=scratch,
            num_train_epochs=config.epochs,
            per_device_train_batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            warmup_steps=0.1,  # a float: the share of steps (transformers 5)
            seed=config.seed,
            data_seed=config.seed,
            batch_sampler=BatchSamplers.NO_DUPLICATES,
            save_strategy="no",
            logging_steps=max(1, len(rows["anchor"]) // config.batch_size // 20),
            report_to="none",
            use_cpu=config.device == "cpu",
            disable_tqdm=not progress,
            dataloader_num_workers=0,
        )
        trainer = SentenceTransformerTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_dict(rows),
            loss=MultipleNegativesRankingLoss(model),
            callbacks=[_Losses()],
        )
        started = time.perf_counter()
        state = trainer.train()
        seconds = time.perf_counter() - started
    model.save(str(out_dir))
    examples = int(round(len(rows["anchor"]) * config.epochs))
    log.info(
        "fine-tuned on %d examples in %.0fs (%.1f/s), final loss %s",
        examples,
        seconds,
        examples / max(seconds, 1e-9),
        losses[-1] if losses else None,
    )
    return FinetuneResult(
        examples=examples,
        steps=int(state.global_step),
        seconds=seconds,
        final_loss=losses[-1] if losses else None,
    )


def ndcg_on_slice(
    held: Sequence[Pair],
    query_vectors: Vectors,
    product_ids: Sequence[str],
    product_vectors: Vectors,
    min_label: float,
    k: int = 10,
) -> float:
    """Mean nDCG@k of held-out queries by exact vector search over the whole catalog.

    Gains are the pairs' labels (those at or above `min_label`; others gain nothing), so
    a product a shopper bought counts more than one they only opened.
    """
    gains: dict[str, dict[str, float]] = {}
    for p in held:
        if p.label >= min_label:
            gains.setdefault(normalize_query(p.query), {})[p.product_id] = p.label
    queries = list(dict.fromkeys(normalize_query(p.query) for p in held))
    index = {q: n for n, q in enumerate(queries)}
    scored = [q for q in queries if q in gains]
    if not scored:
        return 0.0
    total = 0.0
    k = min(k, len(product_ids))
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for start in range(0, len(scored), 512):
        block_q = scored[start : start + 512]
        sims = query_vectors[[index[q] for q in block_q]] @ product_vectors.T
        top: npt.NDArray[np.int64] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        for row, q in enumerate(block_q):
            order = top[row][np.argsort(-sims[row, top[row]])]
            got = [gains[q].get(product_ids[j], 0.0) for j in order.tolist()]
            ideal = sorted(gains[q].values(), reverse=True)[:k]
            dcg = float(np.dot(got, discounts[: len(got)]))
            idcg = float(np.dot(ideal, discounts[: len(ideal)]))
            total += dcg / idcg if idcg > 0 else 0.0
    return total / len(scored)
