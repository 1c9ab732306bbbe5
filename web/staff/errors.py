"""The console's own errors, in web's `WebError` tree (web/errors.py), which has the rest.

    Unauthenticated → NotLoggedIn        (401; pages redirect to the login form instead)
    Forbidden       → RoleRefused        (403)
                    → CsrfRefused        (403)
    Unavailable     → ConsoleUnavailable (503)

`from_store` turns a transcript store error into the `WebError` with its code and status.
"""

from __future__ import annotations

from web.errors import (
    BadRequest,
    Conflict,
    ErrorCode,
    Forbidden,
    NotFound,
    Unauthenticated,
    Unavailable,
    WebError,
    error_for_status,
)
from web.store import TranscriptError

__all__ = [
    "BadRequest",
    "Conflict",
    "ConsoleUnavailable",
    "CsrfRefused",
    "NotFound",
    "NotLoggedIn",
    "RoleRefused",
    "from_store",
]


class NotLoggedIn(Unauthenticated):
    """No valid staff session: log in first."""

    code: ErrorCode = "not_logged_in"
    challenge = 'Cookie realm="aisle-console"'


class RoleRefused(Forbidden):
    """The staff user's role is below what the route needs."""


class CsrfRefused(Forbidden):
    """A state-changing request without this session's CSRF token."""

    code: ErrorCode = "csrf_failed"


class ConsoleUnavailable(Unavailable):
    """The transcript store behind the console is missing or does not answer."""

    code: ErrorCode = "console_unavailable"


def from_store(e: TranscriptError) -> WebError:
    """The web error for a transcript store error (same code and status)."""
    return error_for_status(e.status, e.message, e.code)
