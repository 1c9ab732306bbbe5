"""SASRec: a self-attentive sequential recommender in torch, served as item and user vectors.

The network (Kang & McAuley, 2018) reads a shopper's last `sasrec_max_len` steps
(`recsys.sequences`: baskets kept together, oldest first) through causal self-attention
and predicts the next step from every position: the output at a position, dotted with
every item's embedding (tied input and output embeddings), scores what comes next.
Training uses a softmax cross-entropy (each target weighted by its event's weight) over
`sasrec_negatives` items sampled per batch, a quarter of the demo's catalog: the full
softmax beats SASRec's original one-negative loss (Klenitskiy & Vasilev, 2023), and a
large shared sample keeps most of that at a quarter of the (steps x items) product that
dominates a CPU epoch.

What a step learns to predict is `sasrec_targets`: "next", the step the data lists next
(SASRec's objective, the default), or "basket", any later item of the step's basket drawn
anew each epoch (the next basket's after a basket's last step). "basket" asks for what the
session protocol ranks, the rest of a basket, but on Online Retail II it learned slowly
and lost to "next" by more than a third on sessions (bench/RESULTS.md, issue 15 round 2): invoices
list related lines side by side, and the next line carries that order.

Early stopping: `sasrec_validation_users` shoppers with at least two baskets have their
last basket held out. After each epoch the network ranks, for those shoppers, the basket's
items new to them from the history before it (as `recommend` serves customers) and the
basket's second half from its first (as sessions are served); training stops when the
mean of the two nDCG@10 has not improved for `sasrec_patience` epochs, keeping the best
epoch's weights. Everything else in the training period trains.

Serving: a known customer's vector is the network's output after their last step,
computed once at training (`factors.npz`, as for ALS), so `recommend` is the same dot
product and precomputed score table as ALS's and never runs torch. A session or a basket
runs the network once over the steps given (0.7 ms p50 in-process on the demo shop,
bench/RESULTS.md).
Reasons name two of the last steps, in their order, whose embeddings are closest to the
recommended item ("because you viewed X, then Y").
"""

from __future__ import annotations

import copy
import logging
import time
from pathlib import Path
from typing import ClassVar, Self

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F  # noqa: N812 (torch's own convention)
from torch import Tensor, nn
from tqdm import tqdm

from recsys.dataset import Dataset
from recsys.errors import TrainingFailed
from recsys.factors import FactorModel
from recsys.scoring import Explanation, ExplanationKind, FloatArray, IntArray
from recsys.sequences import Sequences
from recsys.settings import RecsysSettings

__all__ = ["SASRecModel", "SASRecNet", "limit_threads", "pick_device"]

log = logging.getLogger(__name__)

EXPLAIN_WINDOW = 10  # reasons are drawn from this many latest steps


class _Block(nn.Module):
    """One pre-norm transformer block: causal self-attention, then a position-wise MLP."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim), nn.Dropout(dropout)
        )
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, allowed: Tensor) -> Tensor:
        b, length, dim = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, length, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(
            q, k, v, attn_mask=allowed, dropout_p=self.dropout if self.training else 0.0
        )
        x = x + self.drop(self.out(attended.transpose(1, 2).reshape(b, length, dim)))
        out: Tensor = x + self.mlp(self.norm2(x))
        return out


class SASRecNet(nn.Module):
    """Item and position embeddings, pre-norm transformer blocks with a causal mask."""

    def __init__(
        self, n_items: int, dim: int, heads: int, layers: int, max_len: int, dropout: float
    ) -> None:
        super().__init__()
        self.dim, self.heads, self.max_len = dim, heads, max_len
        self.items = nn.Embedding(n_items + 1, dim, padding_idx=0)  # code 0 pads
        self.positions = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList(_Block(dim, heads, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)
        nn.init.normal_(self.items.weight, std=0.02)
        nn.init.normal_(self.positions.weight, std=0.02)
        with torch.no_grad():
            self.items.weight[0].zero_()

    def item_weights(self) -> Tensor:
        """The output embedding of every item (index = item code)."""
        return self.items.weight[1:]

    def encode(self, seq: Tensor) -> Tensor:
        """Hidden states (batch, steps, dim) of left-padded item codes + 1 (0 pads)."""
        _, length = seq.shape
        # Positions count back from the latest step, so a short session needs no padding.
        position = torch.arange(length - 1, -1, -1, device=seq.device)
        x = self.items(seq) * self.dim**0.5 + self.positions(position)[None]
        x = self.dropout(x)
        causal = torch.ones(length, length, dtype=torch.bool, device=seq.device).tril()
        allowed = causal[None] & (seq != 0)[:, None, :]
        # A step may always see itself: a padded row then never has every key masked (NaN).
        allowed |= torch.eye(length, dtype=torch.bool, device=seq.device)[None]
        allowed = allowed[:, None]  # the same mask for every head
        for block in self.blocks:
            x = block(x, allowed)
        out: Tensor = self.norm(x)
        return out


def limit_threads(threads: int) -> None:
    """Run torch's CPU work in this process on at most `threads` threads (serving)."""
    torch.set_num_threads(threads)


def pick_device(settings: RecsysSettings) -> torch.device:
    """CUDA when present (or demanded), else the CPU.

    Raises:
        TrainingFailed: `device` is "gpu" and torch sees no CUDA device.
    """
    if settings.device == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if settings.device == "gpu":
        raise TrainingFailed("device=gpu but torch sees no CUDA device")
    return torch.device("cpu")


def _left_pad(rows: list[IntArray], length: int) -> np.ndarray:
    """Item codes + 1, left-padded with 0 to `length` columns."""
    out = np.zeros((len(rows), length), dtype=np.int64)
    for r, row in enumerate(rows):
        row = row[-length:]
        if len(row):
            out[r, length - len(row) :] = row + 1
    return out


def _windows(
    seqs: Sequences, users: IntArray, cut: dict[int, int], length: int
) -> tuple[np.ndarray, np.ndarray]:
    """Training windows: inputs (codes + 1) and each position's step index (-1: padding).

    Each sequence is cut, from its end backwards, into windows of `length` positions, so
    every step but a sequence's last is an input once (what it predicts comes from
    `_target_ranges`). `cut[u]` ends user u early (the held-out validation basket).
    """
    inputs, sources = [], []
    for u in users.tolist():
        start, end = int(seqs.indptr[u]), int(seqs.indptr[u + 1])
        end = start + cut.get(u, end - start)
        for stop in range(end, start + 1, -length):
            first = max(start, stop - length - 1)
            inputs.append(seqs.items[first : stop - 1])
            sources.append(np.arange(first, stop - 1, dtype=np.int64))
    x = _left_pad(inputs, length)
    src = np.full((len(sources), length), -1, dtype=np.int64)
    for r, s in enumerate(sources):
        src[r, length - len(s) :] = s
    return x, src


def _target_ranges(
    seqs: Sequences, cut: dict[int, int], targets: str
) -> tuple[np.ndarray, np.ndarray]:
    """For every step, the half-open range of steps its prediction is drawn from.

    "next": the next step alone (SASRec's objective). "basket": any later step of the same
    basket, or for a basket's last step any step of the next basket, drawn anew each
    epoch: what the model is asked for is the rest of a basket (a session) or the next
    basket (a customer), not the line the data happens to list next. A range never passes
    a user's end (or their `cut`).
    """
    n = len(seqs.items)
    user_end = np.repeat(seqs.indptr[1:], np.diff(seqs.indptr))
    for u, kept in cut.items():
        start = int(seqs.indptr[u])
        user_end[start : int(seqs.indptr[u + 1])] = start + kept
    idx = np.arange(n, dtype=np.int64)
    if targets == "next":
        lo = idx + 1
        return lo, np.minimum(lo + 1, user_end)
    # Basket numbers grow along the flat array, so a change marks the next basket's start.
    change = np.flatnonzero(np.diff(seqs.baskets) != 0) + 1
    bounds = np.concatenate([change, [n]])
    basket_end = bounds[np.searchsorted(bounds, idx, side="right")]
    next_end = np.concatenate([bounds, [n]])[np.searchsorted(bounds, basket_end, side="right")]
    last = idx + 1 >= basket_end
    lo = np.where(last, basket_end, idx + 1)
    hi = np.minimum(np.where(last, next_end, basket_end), user_end)
    return lo, np.maximum(hi, lo)


def _draw_targets(
    seqs: Sequences,
    src: np.ndarray,
    ranges: tuple[np.ndarray, np.ndarray],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """One target per position (-1: none) and its weight, drawn from `_target_ranges`."""
    lo_all, hi_all = ranges
    safe = np.maximum(src, 0)
    lo, hi = lo_all[safe], hi_all[safe]
    has = (src >= 0) & (hi > lo)
    pick = lo + np.floor(rng.random(src.shape) * (hi - lo)).astype(np.int64)
    pick = np.where(has, pick, 0)
    y = np.where(has, seqs.items[pick], -1).astype(np.int64)
    w = np.where(has, seqs.weights[pick], 0.0).astype(np.float32)
    return y, w


def _ndcg(top: np.ndarray, relevant: set[int]) -> float:
    dcg = sum(1.0 / np.log2(rank + 2) for rank, i in enumerate(top.tolist()) if i in relevant)
    ideal = sum(1.0 / np.log2(rank + 2) for rank in range(min(len(relevant), len(top))))
    return float(dcg / ideal) if ideal else 0.0


class _Task:
    """Contexts to rank from, the items each must find, and the items each must not show."""

    def __init__(self) -> None:
        self.contexts: list[IntArray] = []
        self.relevant: list[set[int]] = []
        self.seen: list[IntArray] = []

    def add(self, context: IntArray, relevant: set[int]) -> None:
        if len(context) and relevant:
            self.contexts.append(context)
            self.relevant.append(relevant)
            self.seen.append(np.unique(context))

    @torch.no_grad()
    def score(self, net: SASRecNet, device: torch.device) -> float:
        """Mean nDCG@10, the context's own items excluded."""
        total = 0.0
        items = net.item_weights()
        for start in range(0, len(self.relevant), 512):
            x = _left_pad(self.contexts[start : start + 512], net.max_len)
            scores = (net.encode(torch.from_numpy(x).to(device))[:, -1] @ items.T).cpu().numpy()
            for row, rel in enumerate(self.relevant[start : start + 512]):
                s = scores[row]
                s[self.seen[start + row]] = -np.inf
                k = min(10, len(s))
                top = np.argpartition(-s, k - 1)[:k]
                total += _ndcg(top[np.argsort(-s[top], kind="stable")], rel)
        return total / max(len(self.relevant), 1)


class _Validation:
    """The last baskets of some shoppers, held out of training and ranked after each epoch.

    Two tasks, as the model serves them: a customer's next basket from the history before
    it (the items new to them), and an anonymous session's rest of the basket from its
    first half. The score is the mean of the two tasks' nDCG@10.
    """

    def __init__(self, seqs: Sequences, settings: RecsysSettings, rng: np.random.Generator):
        self.cut: dict[int, int] = {}
        self.tasks = (_Task(), _Task())
        lengths = np.diff(seqs.indptr)
        has_two = [
            u
            for u in np.flatnonzero(lengths >= 2).tolist()
            if seqs.baskets[seqs.indptr[u]] != seqs.baskets[seqs.indptr[u + 1] - 1]
        ]
        size = min(settings.sasrec_validation_users, len(has_two))
        for u in sorted(rng.choice(has_two, size=size, replace=False).tolist()) if size else []:
            start, end = int(seqs.indptr[u]), int(seqs.indptr[u + 1])
            last = seqs.baskets[end - 1]
            first_of_last = start + int(np.flatnonzero(seqs.baskets[start:end] == last)[0])
            history, basket = seqs.items[start:first_of_last], seqs.items[first_of_last:end]
            self.cut[u] = first_of_last - start
            self.tasks[0].add(history, set(basket.tolist()) - set(history.tolist()))
            half = len(basket) // 2
            self.tasks[1].add(basket[:half], set(basket[half:].tolist()))

    def __len__(self) -> int:
        return len(self.cut) if any(t.relevant for t in self.tasks) else 0

    def score(self, net: SASRecNet, device: torch.device) -> float:
        net.eval()
        return float(np.mean([t.score(net, device) for t in self.tasks if t.relevant]))


def _loss(
    net: SASRecNet, hidden: Tensor, target: Tensor, negatives: int, generator: torch.Generator
) -> Tensor:
    """Cross-entropy of each next step, against every item or `negatives` sampled ones.

    The sample is uniform and shared by the batch (a quarter of a 4,000-item catalog at the
    default), so it needs no frequency correction; a sampled item equal to a row's target
    is masked out of that row.
    """
    weights = net.item_weights()
    if not negatives:
        return F.cross_entropy(hidden @ weights.T, target, reduction="none")
    sample = torch.randint(0, len(weights), (negatives,), device=hidden.device, generator=generator)
    positive = (hidden * weights[target]).sum(-1, keepdim=True)
    negative = (hidden @ weights[sample].T).masked_fill(sample[None] == target[:, None], -1e9)
    logits = torch.cat([positive, negative], dim=1)
    zeros = torch.zeros(len(target), dtype=torch.long, device=hidden.device)
    return F.cross_entropy(logits, zeros, reduction="none")


def _train(
    seqs: Sequences, n_items: int, settings: RecsysSettings, progress: bool
) -> tuple[SASRecNet, dict[str, object]]:
    torch.manual_seed(settings.random_state)
    rng = np.random.default_rng(settings.random_state)
    device = pick_device(settings)
    if device.type == "cpu":
        # torch's default (one thread per core) spins against other work on a shared
        # host: on 2 busy cores one thread trained 3x faster than two (bench/RESULTS.md).
        torch.set_num_threads(settings.num_threads or 1)
    length = settings.sasrec_max_len
    validation = _Validation(seqs, settings, rng)
    users = np.arange(seqs.n_users, dtype=np.int64)
    x, src = _windows(seqs, users, validation.cut, length)
    ranges = _target_ranges(seqs, validation.cut, settings.sasrec_targets)
    if not len(x):
        raise TrainingFailed("sasrec: no shopper has two steps to learn an order from")
    net = SASRecNet(
        n_items,
        settings.sasrec_dim,
        settings.sasrec_heads,
        settings.sasrec_layers,
        length,
        settings.sasrec_dropout,
    ).to(device)
    optimiser = torch.optim.Adam(net.parameters(), lr=settings.sasrec_learning_rate)
    xs = torch.from_numpy(x)
    negatives = settings.sasrec_negatives if settings.sasrec_negatives < n_items else 0
    generator = torch.Generator(device=device).manual_seed(settings.random_state)
    best, best_epoch, kept_epoch = -1.0, 0, 0
    best_state = copy.deepcopy(net.state_dict())
    history: list[float] = []
    bar = tqdm(range(settings.sasrec_max_epochs), desc="sasrec", unit="epoch", disable=not progress)
    for epoch in bar:
        net.train()
        y, w = _draw_targets(seqs, src, ranges, rng)
        ys, ws = torch.from_numpy(y), torch.from_numpy(w)
        order = torch.from_numpy(rng.permutation(len(xs)))
        losses = []
        for start in range(0, len(order), settings.sasrec_batch_size):
            idx = order[start : start + settings.sasrec_batch_size]
            target, weight = ys[idx].to(device), ws[idx].to(device)
            hidden = net.encode(xs[idx].to(device))
            keep = target >= 0  # only positions with a next step are scored
            loss = _loss(net, hidden[keep], target[keep], negatives, generator)
            loss = (loss * weight[keep]).sum() / weight[keep].sum().clamp_min(1e-6)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            losses.append(loss.item())
        if not len(validation):
            kept_epoch, best_state = epoch + 1, copy.deepcopy(net.state_dict())
            bar.set_postfix(loss=f"{np.mean(losses):.3f}")
            continue
        ndcg = validation.score(net, device)
        history.append(round(ndcg, 5))
        bar.set_postfix(loss=f"{np.mean(losses):.3f}", val_ndcg=f"{ndcg:.4f}")
        if ndcg >= best:
            # A tie keeps the later, longer-trained weights; only a gain restarts the clock.
            if ndcg > best:
                best, best_epoch = ndcg, epoch + 1
            kept_epoch, best_state = epoch + 1, copy.deepcopy(net.state_dict())
        if epoch + 1 - best_epoch >= settings.sasrec_patience:
            log.info("sasrec: stopped after epoch %d (kept %d)", epoch + 1, kept_epoch)
            break
    net.load_state_dict(best_state)
    net.eval()
    return net, {
        "epochs": kept_epoch,
        "validation_ndcg": history,
        "validation_users": len(validation),
        "windows": len(xs),
        "device": device.type,
    }


@torch.no_grad()
def _user_vectors(net: SASRecNet, tails: Sequences, device: torch.device) -> np.ndarray:
    """The network's output after each user's last step (zeros for a user with none)."""
    out = np.zeros((tails.n_users, net.dim), dtype=np.float32)
    for start in range(0, tails.n_users, 512):
        stop = min(start + 512, tails.n_users)
        rows = [tails.of(u) for u in range(start, stop)]
        x = torch.from_numpy(_left_pad(rows, net.max_len)).to(device)
        vectors = net.encode(x)[:, -1].cpu().numpy()
        empty = np.array([len(r) == 0 for r in rows])
        vectors[empty] = 0.0
        out[start:stop] = vectors
    return out


class SASRecModel(FactorModel):
    """The trained network, each known user's vector after their last step, and the tails."""

    name: ClassVar[str] = "sasrec"

    def __init__(
        self,
        user_factors: np.ndarray,
        item_factors: np.ndarray,
        user_items: sp.csr_matrix,
        params: dict[str, object],
        net: SASRecNet,
        tails: Sequences,
    ) -> None:
        super().__init__(user_factors, item_factors, user_items, params)
        self.net = net.cpu().eval()
        self.tails = tails

    @classmethod
    def fit(cls, data: Dataset, settings: RecsysSettings, progress: bool = False) -> SASRecModel:
        """Train on `data.sequences` with the settings' `sasrec_*` hyperparameters."""
        if data.sequences is None:
            raise TrainingFailed("sasrec needs the interactions' sequences (build_dataset)")
        start = time.perf_counter()
        net, trained = _train(data.sequences, data.n_items, settings, progress)
        tails = data.sequences.tails(settings.sasrec_max_len)
        device = next(net.parameters()).device
        users = _user_vectors(net, tails, device)
        items = net.item_weights().detach().cpu().numpy()
        params: dict[str, object] = {
            "max_len": settings.sasrec_max_len,
            "dim": settings.sasrec_dim,
            "heads": settings.sasrec_heads,
            "layers": settings.sasrec_layers,
            "dropout": settings.sasrec_dropout,
            "learning_rate": settings.sasrec_learning_rate,
            "batch_size": settings.sasrec_batch_size,
            "max_epochs": settings.sasrec_max_epochs,
            "patience": settings.sasrec_patience,
            "targets": settings.sasrec_targets,
            "random_state": settings.random_state,
            **trained,
        }
        log.info(
            "sasrec: fitted in %.1fs on %s, %s epochs",
            time.perf_counter() - start,
            trained["device"],
            trained["epochs"],
        )
        return cls(users, items, data.confidence, params, net, tails)

    @classmethod
    def load(cls, directory: Path, user_items: sp.csr_matrix, params: dict[str, object]) -> Self:
        """Read `factors.npz`, the network's weights (`net.npz`) and the tails (`tails.npz`)."""
        with np.load(directory / "factors.npz", allow_pickle=False) as f:
            users, items = f["user_factors"], f["item_factors"]
        net = SASRecNet(
            len(items),
            int(params["dim"]),  # type: ignore[call-overload]
            int(params["heads"]),  # type: ignore[call-overload]
            int(params["layers"]),  # type: ignore[call-overload]
            int(params["max_len"]),  # type: ignore[call-overload]
            0.0,
        )
        with np.load(directory / "net.npz", allow_pickle=False) as f:
            state = {k: torch.from_numpy(f[k]) for k in f.files}
        net.load_state_dict(state)
        with np.load(directory / "tails.npz", allow_pickle=False) as f:
            tails = Sequences(f["indptr"], f["items"], f["weights"], f["baskets"])
        return cls(users, items, user_items, params, net, tails)

    def save(self, directory: Path) -> None:
        """Write `factors.npz`, `net.npz` and `tails.npz`."""
        super().save(directory)
        state = {k: v.detach().cpu().numpy() for k, v in self.net.state_dict().items()}
        with open(directory / "net.npz", "wb") as f:
            np.savez(f, **state)
        t = self.tails
        with open(directory / "tails.npz", "wb") as f:
            np.savez(f, indptr=t.indptr, items=t.items, weights=t.weights, baskets=t.baskets)

    @torch.inference_mode()
    def score_session(self, seen: IntArray) -> FloatArray:
        """Run the network over the steps seen, in order; score what comes next."""
        if not len(seen):
            return np.full(len(self.item_factors), -np.inf, dtype=np.float32)
        x = torch.from_numpy(np.asarray(seen[-self.net.max_len :], dtype=np.int64) + 1)
        vector = self.net.encode(x[None])[0, -1].numpy()
        scores: FloatArray = self.item_factors @ vector
        return scores

    @torch.inference_mode()
    def score_sessions(self, sessions: list[IntArray]) -> FloatArray:
        """`score_session` for many sessions at once (rows: sessions), for evaluation."""
        out = np.empty((len(sessions), len(self.item_factors)), dtype=np.float32)
        for start in range(0, len(sessions), 256):
            x = torch.from_numpy(_left_pad(sessions[start : start + 256], self.net.max_len))
            vectors = self.net.encode(x)[:, -1].numpy()
            out[start : start + len(vectors)] = vectors @ self.item_factors.T
        return out

    def _sequence(
        self, steps: IntArray, targets: IntArray, single: ExplanationKind
    ) -> list[Explanation]:
        recent = np.asarray(steps[-EXPLAIN_WINDOW:], dtype=np.int64)
        # The last occurrence of each item, in order.
        _, last = np.unique(recent[::-1], return_index=True)
        context = recent[np.sort(len(recent) - 1 - last)]
        if not len(context):
            return [Explanation("popular") for _ in targets]
        if len(context) == 1:
            return [Explanation(single, anchor=int(context[0])) for _ in targets]
        sims = self._unit_items[targets] @ self._unit_items[context].T
        out = []
        for row in sims:
            pair = np.sort(np.argsort(-row, kind="stable")[:2])  # back in time order
            anchors = tuple(int(context[p]) for p in pair)
            out.append(Explanation("sequence", anchor=anchors[-1], anchors=anchors))
        return out

    def explain_user(self, user: int, targets: IntArray) -> list[Explanation]:
        """Two of the customer's latest steps, in order, closest to each target."""
        return self._sequence(self.tails.of(user), targets, "history")

    def explain_session(self, seen: IntArray, targets: IntArray) -> list[Explanation]:
        """Two of the session's latest steps, in order, closest to each target."""
        return self._sequence(seen, targets, "session")
