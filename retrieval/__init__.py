"""retrieval: catalog ingest, hybrid (BM25 + vector) search, filters, facets and lookup.

In-process by default (`HybridSearch`); `HttpProductSearch` gives the same
interface over the retrieval pod's HTTP API.
"""

from retrieval.analyzer import Analyzer
from retrieval.client import HttpProductSearch
from retrieval.embedder import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from retrieval.errors import (
    BadQuery,
    CatalogRejected,
    CatalogUnavailable,
    IndexNotReady,
    ProductNotFound,
    RetrievalError,
)
from retrieval.feed import FeedReport, RowError, parse_mapping, read_feed
from retrieval.hybrid import HybridSearch, ProductSearch
from retrieval.ingest import Ingestor, IngestReport
from retrieval.product import (
    FacetCount,
    Facets,
    Hit,
    IndexStats,
    Product,
    SearchFilters,
    SearchMode,
    SearchPage,
    Vocabulary,
)
from retrieval.settings import RetrievalSettings
from retrieval.store import ChromaStore, VectorStore, make_store

__all__ = [
    "Analyzer",
    "BadQuery",
    "CatalogRejected",
    "CatalogUnavailable",
    "ChromaStore",
    "Embedder",
    "FacetCount",
    "Facets",
    "FeedReport",
    "HashingEmbedder",
    "Hit",
    "HttpProductSearch",
    "HybridSearch",
    "IndexNotReady",
    "IndexStats",
    "IngestReport",
    "Ingestor",
    "Product",
    "ProductNotFound",
    "ProductSearch",
    "RetrievalError",
    "RetrievalSettings",
    "RowError",
    "SearchFilters",
    "SearchMode",
    "SearchPage",
    "SentenceTransformerEmbedder",
    "VectorStore",
    "Vocabulary",
    "make_embedder",
    "make_search",
    "make_store",
    "parse_mapping",
    "read_feed",
]


def make_embedder(settings: RetrievalSettings) -> Embedder:
    """The embedder that settings choose (the bundled MiniLM unless told otherwise)."""
    if settings.embedder == "hashing":
        return HashingEmbedder()
    return SentenceTransformerEmbedder(settings.model_path, settings.device, settings.batch_size)


def make_search(settings: RetrievalSettings) -> HybridSearch:
    """The in-process search over the store and embedder that settings choose."""
    return HybridSearch(make_store(settings), make_embedder(settings), settings)
