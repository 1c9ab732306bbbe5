"""Errors of the retrieval part, each with a stable code and an HTTP status.

RetrievalError
├── CatalogUnavailable   (503) the vector store cannot be reached
├── IndexNotReady        (503) nothing has been ingested yet
├── ProductNotFound      (404) no product with that id
├── BadQuery             (422) a query or filter that cannot be run
├── CatalogRejected      (422) a feed with bad rows, under --on-error fail
└── TrainingRefused      (422) too few pairs to train and judge, or a training running
"""

from __future__ import annotations


class RetrievalError(Exception):
    """Base of every error retrieval raises on purpose."""

    code = "retrieval_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CatalogUnavailable(RetrievalError):
    """The vector store (embedded or server) failed or cannot be reached."""

    code = "catalog_unavailable"
    status = 503


class IndexNotReady(RetrievalError):
    """No catalog has been ingested into this data dir or server yet."""

    code = "index_not_ready"
    status = 503


class ProductNotFound(RetrievalError):
    """No product with the given id."""

    code = "product_not_found"
    status = 404


class BadQuery(RetrievalError):
    """A query or filter that cannot be run."""

    code = "bad_query"
    status = 422


class CatalogRejected(RetrievalError):
    """The feed had bad rows and the caller asked to fail on them."""

    code = "catalog_rejected"
    status = 422


class TrainingRefused(RetrievalError):
    """An embedder training or rollback that cannot run: too few pairs, or one running."""

    code = "training_refused"
    status = 422
