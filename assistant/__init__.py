"""assistant: the stateless chat agent that calls retrieval and recsys as tools.

`build_assistant(settings)` wires the in-process `Assistant` (or the pods' HTTP
clients when URLs are set); `HttpAssistant` offers the same `turn()` against an
assistant pod. A turn takes a `TurnRequest` (message, history, state) and yields
`TurnEvent`s (a union tagged by `type`) ending with `TurnDone`, which carries the
record and the new state.
"""

from assistant.brains import Brain, make_brain
from assistant.breaker import CircuitBreaker, PartDown
from assistant.budget import GuardedRecommender, GuardedSearch, TurnBudget, turn_budget
from assistant.client import HttpAssistant
from assistant.composition import build_assistant, build_policies, build_ports, guard_pods
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
    AnswerDelta,
    Correction,
    ProductCard,
    ProductsShown,
    Suggestions,
    ToolCall,
    TurnDone,
    TurnEvent,
    TurnRecord,
    TurnResult,
    TurnStarted,
    collect,
    parse_event,
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
    "AnswerDelta",
    "Assistant",
    "AssistantError",
    "AssistantSettings",
    "AssistantUnavailable",
    "BadTurn",
    "Brain",
    "BrainFailed",
    "BrainTimeout",
    "ChatMessage",
    "CircuitBreaker",
    "Constraints",
    "ConversationState",
    "Correction",
    "GuardedRecommender",
    "GuardedSearch",
    "HttpAssistant",
    "LLMSettings",
    "PartDown",
    "PoliciesUnavailable",
    "PolicyIndex",
    "PolicySnippet",
    "ProductCard",
    "ProductFilters",
    "ProductsShown",
    "Suggestions",
    "ToolCall",
    "ToolFailed",
    "ToolResult",
    "Tools",
    "TurnBudget",
    "TurnContext",
    "TurnDone",
    "TurnEvent",
    "TurnRecord",
    "TurnRequest",
    "TurnResult",
    "TurnStarted",
    "build_assistant",
    "build_policies",
    "build_ports",
    "collect",
    "guard_pods",
    "make_brain",
    "make_tools",
    "parse_event",
    "read_policies",
    "turn_budget",
]
