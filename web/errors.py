"""Errors of the web part: the `ErrorCode`s an `error` frame may carry, and the `WebError` tree.

The protocol schema publishes `ErrorCode` as the enum of `error.data.code`, so the
widget and any other client read the codes from the schema, not from a copy.

    WebError                  code, message, HTTP status
    ├── BadFrame              a client frame the gateway cannot take (chat/protocol.py)
    └── BadShopperToken       a shopper token that does not verify (shoppers.py)
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["ERROR_CODES", "ErrorCode", "WebError", "as_error_code"]

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
    # feedback on a turn the store does not know, or a store that does not answer
    "conversation_not_found",
    "invalid_request",
    "storage_unavailable",
    "server_error",
]

ERROR_CODES: frozenset[str] = frozenset(get_args(ErrorCode))


def as_error_code(code: str) -> ErrorCode:
    """`code` when it is a published error code, else `server_error`."""
    if code in ERROR_CODES:
        return code  # type: ignore[return-value]
    return "server_error"


class WebError(Exception):
    """An error the web part reports to a client: a stable code, a message, an HTTP status."""

    status = 400

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
