"""assistant: the stateless chat agent that calls retrieval and recsys as tools.

`build_assistant(settings)` wires the in-process `Assistant` (or the pods' HTTP
clients when URLs are set); `HttpAssistant` offers the same `turn()` against an
assistant pod. A turn takes a `TurnRequest` (message, history, state) and yields
`TurnEvent`s ending with `assistant.done`, which carries the new state.
"""

from assistant.brains import Brain, make_brain
from assistant.client import HttpAssistant
from assistant.composition import build_assistant, build_policies
from assistant.context import TurnContext
from assistant.errors import (
    AssistantError,
    AssistantUnavailable,
    BadTurn,
    BrainFailed,
    BrainTimeout,
    PoliciesUnavailable,
    ToolFailed,
)
from assistant.events import (
    Correction,
    ProductCard,
    ToolCall,
    TurnEvent,
    TurnRecord,
    TurnResult,
    collect,
)
from assistant.policies import PolicyIndex, PolicySnippet, read_policies
from assistant.settings import AssistantSettings, LLMSettings
from assistant.state import (
    ChatMessage,
    Constraints,
    ConversationState,
    ProductFilters,
    TurnRequest,
)
from assistant.tools import ToolResult, Tools, make_tools
from assistant.turn import Assistant

__all__ = [
    "Assistant",
    "AssistantError",
    "AssistantSettings",
    "AssistantUnavailable",
    "BadTurn",
    "Brain",
    "BrainFailed",
    "BrainTimeout",
    "ChatMessage",
    "Constraints",
    "ConversationState",
    "Correction",
    "HttpAssistant",
    "LLMSettings",
    "PoliciesUnavailable",
    "PolicyIndex",
    "PolicySnippet",
    "ProductCard",
    "ProductFilters",
    "ToolCall",
    "ToolFailed",
    "ToolResult",
    "Tools",
    "TurnContext",
    "TurnEvent",
    "TurnRecord",
    "TurnRequest",
    "TurnResult",
    "build_assistant",
    "build_policies",
    "collect",
    "make_brain",
    "make_tools",
    "read_policies",
]
