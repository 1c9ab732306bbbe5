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
from retrieval.models import EmbedderPool, ModelRegistry, load_version, models_dir
from retrieval.pairs import Pair, PairsReport, read_pairs
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
    "EmbedderPool",
    "Ingestor",
    "ModelRegistry",
    "Pair",
    "PairsReport",
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
    "read_pairs",
]


def make_embedder(settings: RetrievalSettings) -> Embedder:
    """The embedder new vectors are made with: the promoted fine-tuned model if there is one
    (`aisle train embedder`), else the configured base model (the bundled MiniLM)."""
    if settings.embedder == "hashing":
        return HashingEmbedder()
    return load_version(ModelRegistry(models_dir(settings)).current(), settings)


def make_search(settings: RetrievalSettings) -> HybridSearch:
    """The in-process search over the store and embedder that settings choose; each catalog
    version is searched with the model that embedded it."""
    return HybridSearch(make_store(settings), make_embedder(settings), settings)
