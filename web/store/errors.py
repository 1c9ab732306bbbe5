"""Errors of the transcript store and staff accounts, each with a stable code and HTTP status.

The codes are web's published `ErrorCode`s: the staff API and feedback frames pass them on.

TranscriptError
├── ConversationNotFound   (404)
├── InvalidRequest         (400)
├── StorageUnavailable     (503)
└── StaffError             (400)
    ├── StaffExists        (409)
    ├── StaffNotFound      (404)
    └── WeakPassword       (400)
"""

from __future__ import annotations

from web.errors import ErrorCode

__all__ = [
    "ConversationNotFound",
    "InvalidRequest",
    "StaffError",
    "StaffExists",
    "StaffNotFound",
    "StorageUnavailable",
    "TranscriptError",
    "WeakPassword",
]


class TranscriptError(Exception):
    """Base of every transcript and staff error: `code` is stable, `status` is HTTP."""

    code: ErrorCode = "transcript_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConversationNotFound(TranscriptError):
    """No conversation (or turn) with that id is stored."""

    code: ErrorCode = "conversation_not_found"
    status = 404


class InvalidRequest(TranscriptError):
    """An argument is out of range: a rating, a tag, a cursor from another sort."""

    code: ErrorCode = "invalid_request"
    status = 400


class StorageUnavailable(TranscriptError):
    """The database cannot be reached or refused the write."""

    code: ErrorCode = "storage_unavailable"
    status = 503


class StaffError(TranscriptError):
    """Base of staff account errors."""

    code: ErrorCode = "staff_error"
    status = 400


class StaffExists(StaffError):
    """A staff user with that email exists already."""

    code: ErrorCode = "staff_exists"
    status = 409


class StaffNotFound(StaffError):
    """No staff user with that email."""

    code: ErrorCode = "staff_not_found"
    status = 404


class WeakPassword(StaffError):
    """The password is too short to protect a console account."""

    code: ErrorCode = "weak_password"
    status = 400
