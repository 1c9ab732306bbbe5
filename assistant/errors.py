"""Errors of the assistant part, each with a stable code and an HTTP status.

AssistantError
├── BadTurn               (422) a turn that cannot be served: empty message, broken state
├── BrainFailed           (502) the LLM errored or answered nothing usable (offline takes over)
│   └── BrainTimeout      (504) the LLM did not answer in time (offline takes over)
├── ToolFailed            (500) a tool raised; the agent gets a short result and recovers
├── PoliciesUnavailable   (503) the shop's policy documents cannot be read or indexed
└── AssistantUnavailable  (503) the assistant pod cannot be reached (HttpAssistant)
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AssistantError",
    "AssistantUnavailable",
    "BadTurn",
    "BrainFailed",
    "BrainTimeout",
    "PoliciesUnavailable",
    "ToolFailed",
    "error_for_code",
]


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""

    code: ClassVar[str] = "assistant_error"
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """The error as a JSON body."""
        return {"code": self.code, "message": self.message}


class BadTurn(AssistantError):
    """The request cannot be served as sent."""

    code = "bad_turn"
    status = 422


class BrainFailed(AssistantError):
    """The LLM brain failed; the turn falls back to the offline brain."""

    code = "brain_failed"
    status = 502


class BrainTimeout(BrainFailed):
    """The LLM brain ran past its time; the turn falls back to the offline brain."""

    code = "brain_timeout"
    status = 504


class ToolFailed(AssistantError):
    """A tool raised; its caller turns this into a short tool result."""

    code = "tool_failed"
    status = 500


class PoliciesUnavailable(AssistantError):
    """The policy documents could not be read or indexed."""

    code = "policies_unavailable"
    status = 503


class AssistantUnavailable(AssistantError):
    """The assistant pod did not answer (connection refused, timeout, bad gateway)."""

    code = "assistant_unavailable"
    status = 503


_BY_CODE: dict[str, type[AssistantError]] = {
    cls.code: cls
    for cls in (
        AssistantError,
        BadTurn,
        BrainFailed,
        BrainTimeout,
        ToolFailed,
        PoliciesUnavailable,
        AssistantUnavailable,
    )
}


def error_for_code(code: str, message: str) -> AssistantError:
    """Rebuild the typed error a pod reported by its code (unknown codes: the base class)."""
    return _BY_CODE.get(code, AssistantError)(message)
