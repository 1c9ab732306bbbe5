"""Transcripts: durable conversations (SQLite or PostgreSQL), the console's queries, staff.

`make_transcript_store(settings)` migrates the database and returns the store the
gateway writes through; `TranscriptConsole(store)` is what the console reads and
annotates with; `StaffAccounts(store)` holds console logins.
"""

from web.store.accounts import ROLES, Role, StaffAccounts, StaffUser, role_at_least
from web.store.console import TranscriptConsole
from web.store.conversations import (
    SqlTranscriptStore,
    TranscriptStore,
    make_transcript_store,
)
from web.store.database import current_revision, head_revision, make_engine, migrate
from web.store.errors import (
    ConversationNotFound,
    InvalidRequest,
    StaffError,
    StaffExists,
    StaffNotFound,
    StorageUnavailable,
    TranscriptError,
    WeakPassword,
)
from web.store.outcomes import FeedbackScale
from web.store.privacy import (
    PurgeReport,
    ShopperDeletion,
    delete_shopper,
    export_shopper,
    purge_older_than,
    recsys_user_ids,
)
from web.store.redaction import Redactor
from web.store.views import (
    Analytics,
    ConversationDetail,
    ConversationFilter,
    ConversationSummary,
    EventView,
    MessageView,
    NoteView,
    Page,
    Sort,
    TurnView,
)

__all__ = [
    "ROLES",
    "Analytics",
    "ConversationDetail",
    "ConversationFilter",
    "ConversationNotFound",
    "ConversationSummary",
    "EventView",
    "FeedbackScale",
    "InvalidRequest",
    "MessageView",
    "NoteView",
    "Page",
    "PurgeReport",
    "Redactor",
    "Role",
    "ShopperDeletion",
    "Sort",
    "SqlTranscriptStore",
    "StaffAccounts",
    "StaffError",
    "StaffExists",
    "StaffNotFound",
    "StaffUser",
    "StorageUnavailable",
    "TranscriptConsole",
    "TranscriptError",
    "TranscriptStore",
    "TurnView",
    "WeakPassword",
    "current_revision",
    "delete_shopper",
    "export_shopper",
    "head_revision",
    "make_engine",
    "make_transcript_store",
    "migrate",
    "purge_older_than",
    "recsys_user_ids",
    "role_at_least",
]
