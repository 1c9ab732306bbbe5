"""`TranscriptConsole`: what the staff console asks of the transcripts, and staff annotations.

Lists use keyset pagination: each page's `next_cursor` encodes the sort key of its
last row, so page 2,000 costs what page 1 costs. Search uses the database's own
full-text index (SQLite FTS5, PostgreSQL tsvector with GIN) over every message.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from web.store.analytics import compute_analytics
from web.store.conversations import SqlTranscriptStore
from web.store.errors import ConversationNotFound, InvalidRequest
from web.store.listing import (
    MAX_PAGE,
    cursor_after,
    filter_conditions,
    normalize_tag,
    page_query,
)
from web.store.models import (
    Conversation,
    ConversationTag,
    Event,
    Message,
    Note,
    Turn,
    utcnow,
)
from web.store.testcase import dialogue_from_transcript
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

__all__ = ["CSV_COLUMNS", "TranscriptConsole"]

log = logging.getLogger(__name__)

CSV_COLUMNS = [
    "id",
    "started_at",
    "last_at",
    "channel",
    "shopper_id",
    "messages",
    "turns",
    "first_message",
    "product_shown",
    "card_clicked",
    "added_to_cart",
    "handoff",
    "zero_result",
    "guardrail_hit",
    "fallback",
    "needs_human",
    "rating",
    "staff_rating",
    "tags",
]


class TranscriptConsole:
    """Reads for the staff console (list, search, detail, export, analytics) and staff edits.

    It shares the store's engine and redactor: a staff note is redacted like a message.
    """

    def __init__(
        self, store: SqlTranscriptStore, *, live_window: timedelta = timedelta(minutes=30)
    ) -> None:
        """Read and annotate `store`'s conversations.

        Args:
            store: the transcript store.
            live_window: how recent the last activity must be for "live".
        """
        self.store = store
        self.engine = store.engine
        self.live_window = live_window

    def list_conversations(
        self,
        filter: ConversationFilter | None = None,
        *,
        sort: Sort = "newest",
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page:
        """One page of conversations matching `filter`, in `sort` order.

        Args:
            filter: what to match; None lists everything.
            sort: "newest", "oldest", "longest" (most messages) or "lowest_rating"
                (worst shopper feedback first; unrated last; ties oldest first).
            cursor: `next_cursor` of the previous page; None for the first page.
            limit: rows per page, 1 to 500.

        Returns:
            The page and the cursor of the next one.

        Raises:
            InvalidRequest: a bad limit, or a cursor from another sort.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE}")
        f = filter or ConversationFilter()
        now = utcnow()
        with Session(self.engine) as conn:
            stmt = page_query(
                f,
                sort,
                cursor,
                limit,
                dialect=self.engine.dialect.name,
                now=now,
                live_window=self.live_window,
            )
            rows = list(conn.execute(stmt).scalars())
            more = len(rows) > limit
            rows = rows[:limit]
            tags = self._tags_of(conn, [r.id for r in rows])
        items = [self._summary(r, tags.get(r.id, []), now) for r in rows]
        next_cursor = cursor_after(sort, rows[-1]) if more and rows else None
        return Page(items=items, next_cursor=next_cursor)

    def count_conversations(self, filter: ConversationFilter | None = None) -> int:
        """How many conversations match `filter` (for "1,234 conversations")."""
        conditions = filter_conditions(
            filter or ConversationFilter(), self.engine.dialect.name, utcnow(), self.live_window
        )
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(Conversation).where(*conditions)
                ).scalar_one()
            )

    def iter_conversations(
        self, filter: ConversationFilter | None = None, *, sort: Sort = "newest", batch: int = 500
    ) -> Iterator[ConversationSummary]:
        """Every matching conversation, fetched a page at a time."""
        cursor: str | None = None
        while True:
            page = self.list_conversations(filter, sort=sort, cursor=cursor, limit=batch)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    @staticmethod
    def _tags_of(conn: Session, ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if not ids:
            return out
        rows = conn.execute(
            select(ConversationTag.conversation_id, ConversationTag.tag)
            .where(ConversationTag.conversation_id.in_(ids))
            .order_by(ConversationTag.tag)
        )
        for cid, tag in rows:
            out.setdefault(cid, []).append(tag)
        return out

    def _summary(self, row: Conversation, tags: list[str], now: datetime) -> ConversationSummary:
        return ConversationSummary(
            id=row.id,
            session_id=row.session_id,
            shopper_id=row.shopper_id,
            channel=row.channel,
            started_at=row.started_at,
            last_at=row.last_at,
            live=row.last_at >= now - self.live_window,
            messages=row.message_count,
            turns=row.turn_count,
            first_message=row.first_message,
            product_shown=row.product_shown,
            card_clicked=row.card_clicked,
            added_to_cart=row.added_to_cart,
            handoff=row.handoff,
            zero_result=row.zero_result,
            guardrail_hit=row.guardrail_hit,
            fallback=row.fallback_used,
            needs_human=row.needs_human,
            taken_over=row.taken_over,
            live_staff=row.live_staff,
            rating=None if row.rating is None else round(float(row.rating), 4),
            staff_rating=row.staff_rating,
            staff_rated_by=row.staff_rated_by,
            tags=tags,
        )

    # -- detail ---------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> ConversationDetail:
        """Everything about one conversation, for its detail page.

        Messages come in order, each assistant message with its turn record
        (tools, brain, corrections, cards, feedback); then events, notes and tags.

        Raises:
            ConversationNotFound: no such conversation (or it was purged).
        """
        with Session(self.engine) as conn:
            row = conn.execute(
                select(Conversation).where(Conversation.id == conversation_id)
            ).scalar_one_or_none()
            if row is None:
                raise ConversationNotFound(f"no conversation {conversation_id}")
            tags = self._tags_of(conn, [conversation_id]).get(conversation_id, [])
            turns = {
                t.turn_id: t
                for t in conn.execute(
                    select(Turn).where(Turn.conversation_id == conversation_id)
                ).scalars()
            }
            messages = list(
                conn.execute(
                    select(Message)
                    .where(Message.conversation_id == conversation_id)
                    .order_by(Message.seq)
                ).scalars()
            )
            events = list(
                conn.execute(
                    select(Event)
                    .where(Event.conversation_id == conversation_id)
                    .order_by(Event.at, Event.id)
                ).scalars()
            )
            notes = list(
                conn.execute(
                    select(Note)
                    .where(Note.conversation_id == conversation_id)
                    .order_by(Note.at, Note.id)
                ).scalars()
            )
        return ConversationDetail(
            summary=self._summary(row, tags, utcnow()),
            messages=[
                MessageView(
                    seq=m.seq,
                    role=m.role,
                    text=m.text,
                    at=m.at,
                    turn_id=m.turn_id,
                    author=m.author,
                    turn=_turn_view(turns[m.turn_id])
                    if m.role == "assistant" and m.turn_id in turns
                    else None,
                )
                for m in messages
            ],
            events=[
                EventView(name=e.name, product_id=e.product_id, staff=e.staff, at=e.at)
                for e in events
            ],
            notes=[
                NoteView(id=n.id, staff=n.staff, text=n.text, turn_id=n.turn_id, at=n.at)
                for n in notes
            ],
        )

    # -- staff edits ----------------------------------------------------------------

    def _require(self, conn: Connection, conversation_id: str) -> None:
        found = conn.execute(
            select(Conversation.id).where(Conversation.id == conversation_id)
        ).scalar_one_or_none()
        if found is None:
            raise ConversationNotFound(f"no conversation {conversation_id}")

    def tag(self, conversation_id: str, tag: str, *, staff: str | None = None) -> str:
        """Tag a conversation (tagging twice keeps one tag).

        Args:
            conversation_id: the conversation.
            tag: any short label; stored lowercased ("Refund " -> "refund").
            staff: who tagged it.

        Returns:
            The tag as stored.
        """
        value = normalize_tag(tag)
        with self.store.transaction() as conn:
            self._require(conn, conversation_id)
            conn.execute(
                self.store.insert(ConversationTag)
                .values(conversation_id=conversation_id, tag=value, staff=staff, at=utcnow())
                .on_conflict_do_nothing(index_elements=["conversation_id", "tag"])
            )
        log.debug("conversation %s tagged %r", conversation_id, value)
        return value

    def untag(self, conversation_id: str, tag: str) -> bool:
        """Remove a tag; False when the conversation did not have it."""
        value = normalize_tag(tag)
        with self.store.transaction() as conn:
            removed = conn.execute(
                delete(ConversationTag).where(
                    ConversationTag.conversation_id == conversation_id, ConversationTag.tag == value
                )
            ).rowcount
        return bool(removed)

    def tags(self) -> list[tuple[str, int]]:
        """Every tag in use with how many conversations carry it, most used first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ConversationTag.tag, func.count())
                .group_by(ConversationTag.tag)
                .order_by(func.count().desc(), ConversationTag.tag)
            ).all()
        return [(str(t), int(n)) for t, n in rows]

    def brains(self) -> list[str]:
        """The brains that answered stored turns (the values of the brain filter)."""
        with self.engine.connect() as conn:
            return [
                str(b)
                for b in conn.execute(select(Turn.brain).distinct().order_by(Turn.brain)).scalars()
            ]

    def add_note(
        self, conversation_id: str, text: str, *, staff: str, turn_id: str | None = None
    ) -> NoteView:
        """Add a staff note (redacted like every stored text).

        Args:
            conversation_id: the conversation.
            text: the note, 1 to 10,000 characters.
            staff: who wrote it.
            turn_id: the turn it is about, if any.

        Returns:
            The stored note.
        """
        body = text.strip()
        if not body or len(body) > 10_000:
            raise InvalidRequest("a note has 1 to 10,000 characters")
        at = utcnow()
        stored = self.store.redactor.redact(body)
        with self.store.transaction() as conn:
            self._require(conn, conversation_id)
            note_id = conn.execute(
                self.store.insert(Note)
                .values(
                    conversation_id=conversation_id,
                    turn_id=turn_id,
                    staff=staff,
                    text=stored,
                    at=at,
                )
                .returning(Note.id)
            ).scalar_one()
        log.debug("note %s added to conversation %s", note_id, conversation_id)
        return NoteView(id=int(note_id), staff=staff, text=stored, turn_id=turn_id, at=at)

    def rate_conversation(self, conversation_id: str, rating: int | None, *, staff: str) -> None:
        """A staff member's 1-5 rating of the whole conversation (None clears it).

        Raises:
            InvalidRequest: a rating outside 1-5.
            ConversationNotFound: no such conversation.
        """
        if rating is not None and not 1 <= rating <= 5:
            raise InvalidRequest("a staff rating is 1 to 5")
        with self.store.transaction() as conn:
            changed = conn.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(staff_rating=rating, staff_rated_by=staff if rating is not None else None)
            ).rowcount
        if not changed:
            raise ConversationNotFound(f"no conversation {conversation_id}")

    def rate_turn(
        self, conversation_id: str, turn_id: str, rating: int | None, *, staff: str
    ) -> None:
        """A staff member's 1-5 rating of one assistant answer (None clears it).

        Raises:
            InvalidRequest: a rating outside 1-5.
            ConversationNotFound: no such turn.
        """
        if rating is not None and not 1 <= rating <= 5:
            raise InvalidRequest("a staff rating is 1 to 5")
        with self.store.transaction() as conn:
            changed = conn.execute(
                update(Turn)
                .where(Turn.conversation_id == conversation_id, Turn.turn_id == turn_id)
                .values(staff_rating=rating, staff_rated_by=staff if rating is not None else None)
            ).rowcount
        if not changed:
            raise ConversationNotFound(f"no turn {turn_id} in conversation {conversation_id}")

    # -- exports, analytics, test cases ---------------------------------------------

    def export_csv(
        self, filter: ConversationFilter | None = None, *, sort: Sort = "newest"
    ) -> Iterator[str]:
        """The filtered list as CSV, one line per chunk: the header, then one per conversation.

        Cells that a spreadsheet would run as a formula are prefixed with '.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")

        def line(cells: list[Any]) -> str:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([_safe_cell(v) for v in cells])
            return buffer.getvalue()

        yield line(CSV_COLUMNS)
        for s in self.iter_conversations(filter, sort=sort):
            yield line(
                [
                    s.id,
                    s.started_at.isoformat(),
                    s.last_at.isoformat(),
                    s.channel,
                    s.shopper_id or "",
                    s.messages,
                    s.turns,
                    s.first_message or "",
                    *(
                        int(v)
                        for v in (
                            s.product_shown,
                            s.card_clicked,
                            s.added_to_cart,
                            s.handoff,
                            s.zero_result,
                            s.guardrail_hit,
                            s.fallback,
                            s.needs_human,
                        )
                    ),
                    "" if s.rating is None else s.rating,
                    "" if s.staff_rating is None else s.staff_rating,
                    ";".join(s.tags),
                ]
            )

    def export_jsonl(
        self, filter: ConversationFilter | None = None, *, sort: Sort = "newest"
    ) -> Iterator[str]:
        """The filtered conversations in full detail, one JSON document per line."""
        for s in self.iter_conversations(filter, sort=sort):
            try:
                detail = self.conversation(s.id)
            except ConversationNotFound:
                continue  # purged while the export ran
            yield detail.model_dump_json() + "\n"

    def analytics(
        self, since: datetime | None = None, until: datetime | None = None, *, top: int = 10
    ) -> Analytics:
        """Aggregates over [since, until); see `compute_analytics`."""
        return compute_analytics(self.engine, since, until, top=top)

    def test_case(self, conversation_id: str, *, dialogue_id: str | None = None) -> dict[str, Any]:
        """The conversation as a dialogue of data/demo/chat_suite.yaml ("save as test case").

        Each shopper message becomes a turn whose expectations are what the assistant
        did: its intent and first tool, whether it showed products, the constraints its
        search used (price, category, colour, stock), handoff and guardrails.

        Returns:
            A dict that `assistant.evaluate.Dialogue` accepts; append it to a suite's
            `dialogues`.
        """
        return dialogue_from_transcript(self.conversation(conversation_id), dialogue_id)


def _safe_cell(value: Any) -> Any:
    # Spreadsheet formula injection: "=HYPERLINK(...)" typed by a shopper must stay text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _turn_view(t: Turn) -> TurnView:
    record = t.record or {}
    return TurnView(
        turn_id=t.turn_id,
        brain=t.brain,
        fallback=t.fallback,
        intent=t.intent,
        tools=list(record.get("tools", [])),
        corrections=list(record.get("corrections", [])),
        guardrails=[str(g) for g in record.get("guardrails", [])],
        shown=[str(s) for s in record.get("shown", [])],
        handoff=t.handoff,
        timings={str(k): float(v) for k, v in (record.get("timings") or {}).items()},
        cards=list(t.cards or []),
        suggestions=[str(s) for s in (t.suggestions or [])],
        latency_ms=t.latency_ms,
        first_frame_ms=t.first_frame_ms,
        zero_result=t.zero_result,
        feedback=t.feedback,
        feedback_scale=t.feedback_scale,
        staff_rating=t.staff_rating,
        staff_rated_by=t.staff_rated_by,
        at=t.at,
    )
