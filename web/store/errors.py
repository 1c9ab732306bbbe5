"""Errors of the transcript store and staff accounts, each with a stable code and HTTP status.

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

    code = "transcript_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConversationNotFound(TranscriptError):
    """No conversation (or turn) with that id is stored."""

    code = "conversation_not_found"
    status = 404


class InvalidRequest(TranscriptError):
    """An argument is out of range: a rating, a tag, a cursor from another sort."""

    code = "invalid_request"
    status = 400


class StorageUnavailable(TranscriptError):
    """The database cannot be reached or refused the write."""

    code = "storage_unavailable"
    status = 503


class StaffError(TranscriptError):
    """Base of staff account errors."""

    code = "staff_error"
    status = 400


class StaffExists(StaffError):
    """A staff user with that email exists already."""

    code = "staff_exists"
    status = 409


class StaffNotFound(StaffError):
    """No staff user with that email."""

    code = "staff_not_found"
    status = 404


class WeakPassword(StaffError):
    """The password is too short to protect a console account."""

    code = "weak_password"
    status = 400
