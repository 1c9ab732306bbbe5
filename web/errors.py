"""Errors of the web part: the `ErrorCode`s a client may see, and the `WebError` tree.

The protocol schema publishes `ErrorCode` as the enum of `error.data.code`, and every
HTTP error of the shop API, the staff API and the health routes carries one too, in one
JSON shape, `{"code": ..., "message": ...}`, made by the app's one exception handler
(web/app.py). Clients read the codes from the schema, not from a copy.

    WebError                 code, message, HTTP status; Retry-After when `retry_after`
    ├── BadRequest           400  a malformed filter, date, rating or split
    │   └── BadFrame         a client frame the gateway cannot take (chat/protocol.py)
    ├── Unauthenticated      401  with a WWW-Authenticate challenge
    │   ├── BadShopperToken  a shopper token that does not verify (shoppers.py)
    │   └── NotLoggedIn      no staff session; console pages redirect to the login
    ├── Forbidden            403
    │   ├── RoleRefused      the staff user's role is below the route's
    │   └── CsrfRefused      a state-changing request without the session's CSRF token
    ├── NotFound             404
    ├── Conflict             409  not now: the conversation has ended, or is taken
    ├── InvalidRequest       422  a request the API cannot take (its fields, its values)
    └── Unavailable          503  a part, the transcript store, or the server starting

(NotLoggedIn, RoleRefused and CsrfRefused live in staff/errors.py. A socket's rate limit is
an `error` frame, `rate_limited`; the login form's is its own page.)
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal, get_args

__all__ = [
    "ERROR_CODES",
    "BadRequest",
    "Conflict",
    "ErrorCode",
    "Forbidden",
    "InvalidRequest",
    "NotFound",
    "Unauthenticated",
    "Unavailable",
    "WebError",
    "error_for_status",
]

ErrorCode = Literal[
    # the frame itself
    "bad_json",
    "bad_version",
    "unknown_type",
    "bad_frame",
    "already_started",
    # the session
    "session_expired",
    "replay_gap",
    "conversation_deleted",
    "rate_limited",
    # a message
    "empty_message",
    "message_too_long",
    "not_saved",
    # the shopper's identity (the chat goes on, anonymous)
    "bad_shopper_token",
    "shopper_token_expired",
    "shopper_tokens_off",
    "shopper_unverified",
    # the transcript store (feedback frames, the staff API)
    "conversation_not_found",
    "invalid_request",
    "storage_unavailable",
    "transcript_error",
    "staff_error",
    "staff_exists",
    "staff_not_found",
    "weak_password",
    # any HTTP route
    "bad_request",
    "unauthenticated",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "conflict",
    "unavailable",
    "server_error",
    # the shop API: the catalog and the recommender behind it
    "bad_query",
    "catalog_unavailable",
    "index_not_ready",
    "recsys_unavailable",
    # the staff console and its API
    "not_logged_in",
    "csrf_failed",
    "console_unavailable",
    "not_live",
    "taken",
    "not_taken",
]

ERROR_CODES: frozenset[str] = frozenset(get_args(ErrorCode))


class WebError(Exception):
    """An error the web part reports to a client: a stable code, a message, an HTTP status.

    Each class has its status and a default code; `code` names the case more closely
    (`Conflict("...", "not_live")`).
    """

    status: int = 500
    code: ErrorCode = "server_error"

    def __init__(
        self, message: str, code: ErrorCode | None = None, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        """The response headers the error needs (Retry-After, a WWW-Authenticate challenge)."""
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(max(1, math.ceil(self.retry_after)))}


class BadRequest(WebError):
    """A malformed argument: a filter, a date, a rating, a split."""

    status = 400
    code: ErrorCode = "bad_request"


class Unauthenticated(WebError):
    """Credentials are missing or do not verify; `challenge` says which to send."""

    status = 401
    code: ErrorCode = "unauthenticated"
    challenge: ClassVar[str] = "Bearer"

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "WWW-Authenticate": self.challenge}


class Forbidden(WebError):
    """Authenticated, but not allowed to do this."""

    status = 403
    code: ErrorCode = "forbidden"


class NotFound(WebError):
    """No such product, conversation, turn, staff user or page."""

    status = 404
    code: ErrorCode = "not_found"


class Conflict(WebError):
    """Not in a state that allows this now (a conversation that ended, or is taken)."""

    status = 409
    code: ErrorCode = "conflict"


class InvalidRequest(WebError):
    """A request the API cannot take: a missing or mistyped field, an impossible value."""

    status = 422
    code: ErrorCode = "invalid_request"


class Unavailable(WebError):
    """A part, the transcript store or the server itself cannot answer now."""

    status = 503
    code: ErrorCode = "unavailable"


_BY_STATUS: dict[int, type[WebError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthenticated,
        Forbidden,
        NotFound,
        Conflict,
        InvalidRequest,
        Unavailable,
    )
}


def error_for_status(status: int, message: str, code: ErrorCode | None = None) -> WebError:
    """The `WebError` for an HTTP status another layer chose (the store's, the framework's).

    Args:
        status: the HTTP status.
        message: what went wrong.
        code: the code (default: the status's class's, or for a status without a class
            `method_not_allowed` (405), `bad_request` (other 4xx) or `server_error`).
    """
    kind = _BY_STATUS.get(status)
    if kind is not None:
        return kind(message, code)
    if code is None and status < 500:
        code = "method_not_allowed" if status == 405 else "bad_request"
    error = WebError(message, code)
    error.status = status
    return error
