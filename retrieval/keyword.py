"""Keyword search over catalog fields: BM25 (bm25s) per field, summed with field weights."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
import numpy.typing as npt

from retrieval.analyzer import Analyzer

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

# Title words say what a product is; brand and category are short and precise;
# descriptions are long and mention many things the product is not.
DEFAULT_FIELD_WEIGHTS: Mapping[str, float] = {
    "title": 1.0,
    "brand": 0.6,
    "category": 0.4,
    "attributes": 0.3,
    "description": 0.15,
}
# Tuned by 5-fold cross-validation over Home Depot queries (titles): short titles
# want a lower k1 than the usual 1.2-1.5, so a repeated word counts for little.
DEFAULT_K1 = 0.4
DEFAULT_B = 0.75
# Weight of the word-pair channel relative to its field: products whose title has the
# query's words side by side ("door knob") rank above those that merely contain them.
DEFAULT_PHRASE_WEIGHT = 0.2
# Scores are multiplied by (share of query tokens the product has) ** coord, Lucene's old
# coordination factor: a title with every query word beats one that repeats a rare word.
DEFAULT_COORD = 0.5


@dataclass(frozen=True, slots=True)
class _FieldIndex:
    """One field's precomputed BM25 term impacts, a sparse token x doc matrix (CSC)."""

    weight: float
    phrase: bool  # indexes adjacent token pairs instead of tokens
    vocab: Mapping[str, int]
    data: FloatArray
    indices: npt.NDArray[np.int32]
    indptr: npt.NDArray[np.int64]


class KeywordIndex:
    """BM25 over several text fields of a catalog, analysed by one :class:`Analyzer`."""

    def __init__(
        self,
        fields: Sequence[_FieldIndex],
        analyzer: Analyzer,
        n_docs: int,
        coord: float = DEFAULT_COORD,
    ) -> None:
        self._fields = list(fields)
        self.analyzer = analyzer
        self._n_docs = n_docs
        self.coord = coord

    @classmethod
    def build(
        cls,
        docs: Sequence[Mapping[str, str]],
        analyzer: Analyzer | None = None,
        field_weights: Mapping[str, float] | None = None,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
        phrase_weight: float = DEFAULT_PHRASE_WEIGHT,
        coord: float = DEFAULT_COORD,
    ) -> KeywordIndex:
        """Index the docs' text fields; fields missing from every doc are skipped.

        Args:
            docs: one mapping per product, field name -> text (missing or empty is fine).
            analyzer: tokenizer to fit on the catalog; a default English one if None.
            field_weights: field name -> weight of its BM25 score in the sum.
            k1: BM25 term-frequency saturation.
            b: BM25 length normalisation.
            phrase_weight: weight of each field's word-pair channel (0 turns it off).
            coord: exponent of the matched share of query tokens (0 turns it off).
        """
        started = time.perf_counter()
        analyzer = analyzer or Analyzer()
        weights = dict(DEFAULT_FIELD_WEIGHTS if field_weights is None else field_weights)
        names = [f for f, w in weights.items() if w > 0 and any(d.get(f) for d in docs)]
        # One fit over every field so that spelling repair knows all the catalog's words.
        texts = [str(d.get(f) or "") for f in names for d in docs]
        tokens = analyzer.fit_transform(texts)
        fields: list[_FieldIndex] = []
        for pos, name in enumerate(names):
            field_tokens = tokens[pos * len(docs):(pos + 1) * len(docs)]
            pairs = [_pairs(t) for t in field_tokens] if phrase_weight > 0 else []
            # bm25s cannot index a field without a single token (one-word titles have no
            # pairs, a field may hold only stop words), and such a field scores nothing.
            if any(field_tokens):
                fields.append(_index_field(field_tokens, weights[name], k1, b))
            if any(pairs):
                fields.append(_index_field(pairs, weights[name] * phrase_weight, k1, b, True))
        log.info("keyword index: %d docs, fields %s, built in %.1fs", len(docs), names,
                 time.perf_counter() - started)
        return cls(fields, analyzer, len(docs), coord)

    def __len__(self) -> int:
        return self._n_docs

    def scores(self, query: str) -> FloatArray:
        """BM25 score of every doc for the query (0 where no query token matches)."""
        return self.scores_for_tokens(self.analyzer.analyze_query(query))

    def scores_for_tokens(self, tokens: Sequence[str]) -> FloatArray:
        """BM25 score of every doc for query tokens already analysed by :attr:`analyzer`."""
        out = np.zeros(self._n_docs, dtype=np.float32)
        tokens = list(dict.fromkeys(tokens))
        matched = np.zeros(self._n_docs, dtype=np.float32) if self.coord else None
        words = [f for f in self._fields if not f.phrase]
        for token in tokens:
            found = []
            for field in words:
                docs = self._add(out, field, token)
                if docs is not None:
                    found.append(docs)
            if matched is not None and found:
                # A token in both title and brand still counts once.
                matched[np.unique(np.concatenate(found)) if len(found) > 1 else found[0]] += 1
        pairs = _pairs(tokens)
        for field in self._fields:
            if field.phrase:
                for pair in pairs:
                    self._add(out, field, pair)
        if matched is not None and tokens:
            out *= (matched / len(tokens)) ** self.coord
        return out

    @staticmethod
    def _add(
        out: FloatArray, field: _FieldIndex, token: str
    ) -> npt.NDArray[np.int32] | None:
        """Add one token's weighted BM25 impacts; the docs that have it, or None."""
        tid = field.vocab.get(token)
        if tid is None:
            return None
        lo, hi = field.indptr[tid], field.indptr[tid + 1]
        docs = field.indices[lo:hi]
        # A token column lists each doc once, so fancy-index += is exact here.
        out[docs] += field.weight * field.data[lo:hi]
        return docs

    def top(
        self, query: str, k: int, mask: npt.NDArray[np.bool_] | None = None
    ) -> tuple[IntArray, FloatArray]:
        """The k best docs (indices, scores), best first; only docs in mask with score > 0."""
        return top_k(self.scores(query), k, mask)


def top_k(
    scores: FloatArray, k: int, mask: npt.NDArray[np.bool_] | None = None
) -> tuple[IntArray, FloatArray]:
    """Indices and values of the k largest positive scores (mask False excluded), best first."""
    keep = scores > 0
    if mask is not None:
        keep &= np.asarray(mask, dtype=bool)
    candidates = np.flatnonzero(keep)
    if k <= 0 or candidates.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    values = scores[candidates]
    if candidates.size > k:
        part = np.argpartition(-values, k - 1)[:k]
        candidates, values = candidates[part], values[part]
    # Equal scores go in catalog order, so the same query always lists the same page.
    order = np.lexsort((candidates, -values))
    return candidates[order].astype(np.int64), values[order].astype(np.float32)


def _pairs(tokens: Sequence[str]) -> list[str]:
    """Adjacent token pairs, the phrase channel's terms."""
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _index_field(
    tokens: list[list[str]], weight: float, k1: float, b: float, phrase: bool = False
) -> _FieldIndex:
    model = bm25s.BM25(k1=k1, b=b)
    model.index(tokens, show_progress=False)
    csc = model.scores
    return _FieldIndex(
        weight=weight,
        phrase=phrase,
        vocab=dict(model.vocab_dict),
        data=np.asarray(csc["data"], dtype=np.float32),
        indices=np.asarray(csc["indices"], dtype=np.int32),
        indptr=np.asarray(csc["indptr"], dtype=np.int64),
    )
