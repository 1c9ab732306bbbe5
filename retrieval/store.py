"""Vector stores: Chroma embedded (PersistentClient) or server (HttpClient), one interface.

Collections are versioned (`products-20261126T191200-ab12`); a small meta
collection records which one is live, so an ingest builds a new version beside
the old and swaps the pointer when it is complete.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np

from retrieval.embedder import Vectors
from retrieval.errors import CatalogUnavailable
from retrieval.settings import RetrievalSettings

log = logging.getLogger(__name__)

Metadata = Mapping[str, str | int | float | bool]
Where = dict[str, Any]
META_COLLECTION = "aisle-meta"


@dataclass(frozen=True)
class RecordBatch:
    """A page of stored records."""

    ids: list[str]
    metadatas: list[dict[str, Any]]
    documents: list[str]
    embeddings: Vectors | None


class VectorStore(Protocol):
    """Versioned collections of embedded records with metadata filters."""

    def live(self, key: str) -> str | None:
        """Name of the live collection for `key` (e.g. "products"), if any."""
        ...

    def set_live(self, key: str, collection: str) -> None:
        """Make `collection` the live one for `key`, in one write."""
        ...

    def new_collection(self, prefix: str, model: str | None = None) -> str:
        """Create an empty cosine collection with a fresh versioned name.

        `model` names the embedder its vectors come from; searches embed queries with it.
        """
        ...

    def collection_model(self, collection: str) -> str | None:
        """The embedder a collection was created for (None for collections older than that)."""
        ...

    def collections(self, prefix: str) -> list[str]:
        """Names of every collection that starts with `prefix`-."""
        ...

    def drop(self, collection: str) -> None:
        """Delete a collection."""
        ...

    def add(
        self,
        collection: str,
        ids: Sequence[str],
        embeddings: Vectors,
        documents: Sequence[str] | None,
        metadatas: Sequence[Metadata],
    ) -> None:
        """Add records (in batches the store accepts); documents are optional."""
        ...

    def scan(self, collection: str, *, embeddings: bool = False) -> Iterator[RecordBatch]:
        """Every record of a collection, page by page."""
        ...

    def count(self, collection: str) -> int:
        """Number of records."""
        ...

    def query(
        self, collection: str, embedding: Vectors, k: int, where: Where | None = None
    ) -> list[tuple[str, float]]:
        """Nearest ids with cosine similarity, best first, among records matching `where`."""
        ...

    def ping(self) -> None:
        """Raise CatalogUnavailable when the store cannot be reached."""
        ...


class ChromaStore:
    """Chroma behind the VectorStore interface; library errors become CatalogUnavailable."""

    def __init__(self, client: Any, *, description: str) -> None:
        self._client = client
        self._description = description
        self._handles: dict[str, Any] = {}
        self._batch = int(client.get_max_batch_size())

    def __repr__(self) -> str:
        return f"ChromaStore({self._description})"

    def _collection(self, name: str) -> Any:
        handle = self._handles.get(name)
        if handle is None:
            handle = self._call(self._client.get_collection, name, embedding_function=None)
            self._handles[name] = handle
        return handle

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CatalogUnavailable:
            raise
        except Exception as e:  # chromadb raises many types, httpx more: all mean "unavailable"
            raise CatalogUnavailable(f"{self._description}: {type(e).__name__}: {e}") from e

    def _meta(self) -> Any:
        return self._call(
            self._client.get_or_create_collection, META_COLLECTION, embedding_function=None
        )

    def live(self, key: str) -> str | None:
        meta = self._meta().metadata or {}
        value = meta.get(f"live:{key}")
        return str(value) if value else None

    def set_live(self, key: str, collection: str) -> None:
        meta_collection = self._meta()
        meta = dict(meta_collection.metadata or {})
        meta[f"live:{key}"] = collection
        meta[f"updated:{key}"] = time.time()
        self._call(meta_collection.modify, metadata=meta)

    def new_collection(self, prefix: str, model: str | None = None) -> str:
        # Names sort by creation time (to the millisecond): ingest relies on it.
        now = time.time()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now * 1000) % 1000:03d}"
        name = f"{prefix}-{stamp}-{secrets.token_hex(3)}"
        self._handles[name] = self._call(
            self._client.create_collection,
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"model": model} if model else None,
            embedding_function=None,
        )
        return name

    def collection_model(self, collection: str) -> str | None:
        meta = self._collection(collection).metadata or {}
        value = meta.get("model")
        return str(value) if value else None

    def collections(self, prefix: str) -> list[str]:
        listed = self._call(self._client.list_collections)
        names = [c if isinstance(c, str) else c.name for c in listed]
        return sorted(n for n in names if n.startswith(prefix + "-"))

    def drop(self, collection: str) -> None:
        self._handles.pop(collection, None)
        self._call(self._client.delete_collection, collection)

    def add(
        self,
        collection: str,
        ids: Sequence[str],
        embeddings: Vectors,
        documents: Sequence[str] | None,
        metadatas: Sequence[Metadata],
    ) -> None:
        handle = self._collection(collection)
        for start in range(0, len(ids), self._batch):
            end = start + self._batch
            self._call(
                handle.add,
                ids=list(ids[start:end]),
                embeddings=embeddings[start:end],
                documents=None if documents is None else list(documents[start:end]),
                metadatas=[dict(m) for m in metadatas[start:end]],
            )

    def scan(self, collection: str, *, embeddings: bool = False) -> Iterator[RecordBatch]:
        handle = self._collection(collection)
        include = ["metadatas", "documents"] + (["embeddings"] if embeddings else [])
        offset = 0
        while True:
            page = self._call(handle.get, include=include, limit=self._batch, offset=offset)
            ids = list(page["ids"])
            if not ids:
                return
            embs = page.get("embeddings") if embeddings else None
            yield RecordBatch(
                ids=ids,
                metadatas=[dict(m or {}) for m in page["metadatas"]],
                documents=[d or "" for d in (page["documents"] or [""] * len(ids))],
                embeddings=None if embs is None else np.asarray(embs, dtype=np.float32),
            )
            offset += len(ids)

    def count(self, collection: str) -> int:
        return int(self._call(self._collection(collection).count))

    def query(
        self, collection: str, embedding: Vectors, k: int, where: Where | None = None
    ) -> list[tuple[str, float]]:
        result = self._call(
            self._collection(collection).query,
            query_embeddings=[embedding],
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        ids, dists = result["ids"][0], result["distances"][0]
        # Chroma's cosine space returns 1 - cos; callers reason in similarity.
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]

    def ping(self) -> None:
        self._call(self._client.heartbeat)


def make_store(settings: RetrievalSettings) -> ChromaStore:
    """The embedded Chroma in the data dir, or the Chroma server when a URL is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        headers = {}
        if settings.chroma_token is not None:
            headers["Authorization"] = f"Bearer {settings.chroma_token.get_secret_value()}"
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                headers=headers,
                settings=chroma_settings,
            )
        except Exception as e:
            raise CatalogUnavailable(f"Chroma server at {settings.chroma_url}: {e}") from e
        return ChromaStore(client, description=f"Chroma server {url.hostname}:{url.port}")
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    return ChromaStore(client, description=f"embedded Chroma {path}")
