"""Errors of the console, each with a stable code and HTTP status.

ConsoleError
├── NotLoggedIn        (401; pages redirect to the login form instead)
├── RoleRefused        (403)
├── CsrfRefused        (403)
├── BadRequest         (400)
├── NotFound           (404)
├── Conflict           (409)
├── TooManyAttempts    (429)
└── ConsoleUnavailable (503)
"""

from __future__ import annotations

from web.store import TranscriptError

__all__ = [
    "BadRequest",
    "Conflict",
    "ConsoleError",
    "ConsoleUnavailable",
    "CsrfRefused",
    "NotFound",
    "NotLoggedIn",
    "RoleRefused",
    "TooManyAttempts",
    "from_store",
]


class ConsoleError(Exception):
    """Base of every console error: `code` is stable, `status` is HTTP."""

    code = "console_error"
    status = 500

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotLoggedIn(ConsoleError):
    """No valid staff session: log in first."""

    code = "not_logged_in"
    status = 401


class RoleRefused(ConsoleError):
    """The staff user's role is below what the route needs."""

    code = "forbidden"
    status = 403


class CsrfRefused(ConsoleError):
    """A state-changing request without this session's CSRF token."""

    code = "csrf_failed"
    status = 403


class BadRequest(ConsoleError):
    """A malformed filter, rating, tag or message."""

    code = "bad_request"
    status = 400


class NotFound(ConsoleError):
    """No such conversation, turn or staff user."""

    code = "not_found"
    status = 404


class Conflict(ConsoleError):
    """The conversation is not in a state that allows this (not live, taken by someone else)."""

    code = "conflict"
    status = 409


class TooManyAttempts(ConsoleError):
    """Too many login attempts; `retry_after` seconds to wait."""

    code = "too_many_attempts"
    status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConsoleUnavailable(ConsoleError):
    """The transcript store behind the console is missing or does not answer."""

    code = "console_unavailable"
    status = 503


def from_store(e: TranscriptError) -> ConsoleError:
    """The console error for a transcript store error (same code and status)."""
    kind: type[ConsoleError] = {
        400: BadRequest,
        404: NotFound,
        409: Conflict,
        503: ConsoleUnavailable,
    }.get(e.status, ConsoleError)
    return kind(e.message, e.code)
