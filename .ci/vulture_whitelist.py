"""Names vulture cannot see used (see [tool.vulture] in pyproject.toml); each says who uses it.

Vulture only parses this file; nothing runs it.
"""
# ruff: noqa: B018

from web.chat.client import SocketChat
from web.staff.filters import ListQuery
from web.store import models, views

_ = object()  # stands for any object

# Read by the console's Jinja templates.
ListQuery.query_string
views.TurnView.timings
views.Analytics.ratings

# Set on each sqlite3 connection: SQLAlchemy, not the driver, owns the transactions.
_.isolation_level

# Columns of the schema: written by name in inserts and read by migrations and SQL.
models.Turn.product_count
models.Turn.feedback_at
models.StaffAccount.updated_at
models.Erasure.erased_at
models.ExperimentControl.changed_by

# The experiment state's read of a conversation's stored arm: the protocol's query for
# operators and the replica tests (serving picks from the local snapshot instead).
_.arm_of

# A served instance's conversation, called through `assistant.evaluate.Chat` by `run_suite`.
SocketChat.say
