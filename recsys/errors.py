"""Typed errors of the recommendation part, each with a stable code and an HTTP status.

The hierarchy::

    RecsysError (code, status)
    ├── NoModelLoaded         503  no trained artifact is being served yet
    ├── BadInteraction        422  an interaction row is invalid (row number, reason)
    ├── BadRequest            422  a call's arguments are invalid (unknown model, bad filter)
    ├── ArtifactError         500  an artifact on disk is missing or unreadable
    ├── TrainingFailed        500  training stopped; the previous artifact keeps serving
    └── RecsysUnavailable     503  the recsys server cannot be reached (HTTP client only)
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ArtifactError",
    "BadInteraction",
    "BadRequest",
    "NoModelLoaded",
    "RecsysError",
    "RecsysUnavailable",
    "TrainingFailed",
    "error_for_code",
]


class RecsysError(Exception):
    """Base of every recsys error: `code` is stable and machine-readable, `status` is HTTP."""

    code: ClassVar[str] = "recsys_error"
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        """The error as the JSON body the recsys app answers with."""
        return {"code": self.code, "message": self.message}


class NoModelLoaded(RecsysError):
    """No artifact is loaded: run `aisle train` first (or wait for the first one)."""

    code = "no_model_loaded"
    status = 503


class BadInteraction(RecsysError):
    """An interaction row is invalid; `row` counts data rows from 1 (the header is not a row)."""

    code = "bad_interaction"
    status = 422

    def __init__(self, message: str, *, row: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.row = row
        self.reason = reason or message

    def to_dict(self) -> dict[str, object]:
        """The error with the offending row number and reason."""
        return {"code": self.code, "message": self.message, "row": self.row, "reason": self.reason}


class BadRequest(RecsysError):
    """A call's arguments are invalid."""

    code = "bad_request"
    status = 422


class ArtifactError(RecsysError):
    """A model artifact is missing, incomplete or unreadable."""

    code = "artifact_error"
    status = 500


class TrainingFailed(RecsysError):
    """Training did not finish; nothing was switched and the previous artifact still serves."""

    code = "training_failed"
    status = 500


class RecsysUnavailable(RecsysError):
    """The recsys server did not answer (connection refused, timeout, bad gateway)."""

    code = "recsys_unavailable"
    status = 503


_BY_CODE: dict[str, type[RecsysError]] = {
    cls.code: cls
    for cls in (
        RecsysError,
        NoModelLoaded,
        BadInteraction,
        BadRequest,
        ArtifactError,
        TrainingFailed,
        RecsysUnavailable,
    )
}


def error_for_code(code: str, message: str, row: int | None = None) -> RecsysError:
    """Rebuild the typed error that a recsys server reported by its code.

    Args:
        code: the `code` field of the server's error body.
        message: the `message` field.
        row: the `row` field of a `bad_interaction` error, if any.

    Returns:
        An instance of the matching subclass, or of `RecsysError` for an unknown code.
    """
    cls = _BY_CODE.get(code, RecsysError)
    if cls is BadInteraction:
        return BadInteraction(message, row=row)
    return cls(message)
