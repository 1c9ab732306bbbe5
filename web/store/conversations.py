"""`TranscriptStore`, what the gateway writes conversations through, and its SQL implementation."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import ColumnElement, Connection, Engine, case, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import InterfaceError, OperationalError

from assistant import ProductCard, TurnRecord
from web.settings import WebSettings
from web.store.analytics import normalize_query
from web.store.database import make_engine, migrate, write
from web.store.errors import ConversationNotFound, InvalidRequest, StorageUnavailable
from web.store.models import (
    Conversation,
    Erasure,
    Event,
    Message,
    Turn,
    UTCDateTime,
    utcnow,
)
from web.store.outcomes import (
    FeedbackScale,
    TurnOutcome,
    feedback_scale,
    redact_record,
)
from web.store.pairs import shown_by
from web.store.redaction import Redactor

__all__ = [
    "EVENT_NAMES",
    "SqlTranscriptStore",
    "TranscriptStore",
    "make_transcript_store",
]

log = logging.getLogger(__name__)

EVENT_NAMES = frozenset({"view", "click", "cart"})
FIRST_MESSAGE_CHARS = 500


@runtime_checkable
class TranscriptStore(Protocol):
    """Durable conversations: every call commits before it returns.

    The gateway calls these from a worker thread (`asyncio.to_thread`); a message is
    acknowledged to the shopper only after its call returned.
    """

    def open_conversation(
        self,
        conversation_id: str,
        *,
        session_id: str,
        shopper_id: str | None,
        channel: str = "widget",
        started_at: datetime | None = None,
    ) -> None:
        """Create the conversation; again: no-op, except filling a missing shopper id."""
        ...

    def add_user_message(
        self,
        conversation_id: str,
        *,
        turn_id: str,
        client_id: str,
        text: str,
        at: datetime | None = None,
    ) -> bool:
        """Store a shopper message; False when this client_id is stored already."""
        ...

    def add_turn(
        self,
        conversation_id: str,
        *,
        turn_id: str,
        text: str,
        cards: Sequence[ProductCard],
        suggestions: list[str],
        record: TurnRecord,
        latency_ms: float,
        first_frame_ms: float,
        at: datetime | None = None,
    ) -> None:
        """Store the assistant's answer and its turn record; sets the outcome flags."""
        ...

    def add_staff_message(
        self, conversation_id: str, *, staff: str, text: str, at: datetime | None = None
    ) -> None:
        """Store what a staff member wrote to the shopper."""
        ...

    def add_event(
        self, conversation_id: str, *, name: str, product_id: str, at: datetime | None = None
    ) -> None:
        """Store a view, click or add-to-cart of a product."""
        ...

    def set_feedback(self, conversation_id: str, *, turn_id: str, rating: int) -> None:
        """Store the shopper's rating of a turn (+1/-1, or 1 to 5 stars)."""
        ...

    def set_live(self, conversation_id: str, *, live: bool, staff: str | None = None) -> None:
        """Record that a staff member took over the conversation, or left it."""
        ...

    def flag_needs_human(self, conversation_id: str, needs: bool = True) -> None:
        """Mark (or unmark) the conversation as waiting for a person."""
        ...

    def ping(self) -> None:
        """Check that the database answers (readiness)."""
        ...

    def erased_since(self, after_id: int) -> list[tuple[int, str]]:
        """Conversations erased on request after erasure `after_id`: (erasure id, conversation)."""
        ...

    def last_erasure(self) -> int:
        """The latest erasure id (0 before any)."""
        ...

    def is_erased(self, conversation_id: str) -> bool:
        """True when the conversation was deleted on request."""
        ...

    def close(self) -> None:
        """Release the database connections."""
        ...


def _later(at: datetime) -> ColumnElement[datetime]:
    """`last_at` moved forward to `at`, never back (writes may arrive out of order)."""
    when = literal(at, UTCDateTime())
    return case((Conversation.last_at < when, when), else_=Conversation.last_at)


class _Duplicate(Exception):
    """Raised inside a write to roll it back: the row was stored by an earlier call."""


class SqlTranscriptStore:
    """`TranscriptStore` on SQLAlchemy: a SQLite file (WAL) or PostgreSQL.

    Texts are redacted before they are written when the redactor is enabled. Writes
    to a conversation that was never opened raise `ConversationNotFound`.
    """

    def __init__(self, engine: Engine, *, redactor: Redactor | None = None) -> None:
        """Wrap a migrated database.

        Args:
            engine: from `make_engine`, with `migrate(engine)` run.
            redactor: PII redaction applied to every stored text; None: redaction on.
        """
        self.engine = engine
        self.redactor = redactor if redactor is not None else Redactor(True)

    # -- plumbing shared with the console and privacy tools -------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction on the store's database, committed when the block ends.

        Database errors that mean "cannot write now" become `StorageUnavailable`.
        """
        try:
            with write(self.engine) as conn:
                yield conn
        except (OperationalError, InterfaceError) as e:
            log.warning("transcript write failed: %s", type(e.orig).__name__)
            raise StorageUnavailable("the transcript database refused the write") from e

    def insert(self, model: Any) -> Any:
        """An INSERT for this dialect (it has `on_conflict_do_nothing`)."""
        if self.engine.dialect.name == "postgresql":
            return pg_insert(model)
        return sqlite_insert(model)

    @staticmethod
    def _touch(conn: Connection, conversation_id: str, at: datetime, **values: Any) -> int:
        """Bump the message counter (and any `values`); returns the new message's seq."""
        stmt = (
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(
                message_count=Conversation.message_count + 1,
                last_at=_later(at),
                **values,
            )
            .returning(Conversation.message_count)
        )
        seq = conn.execute(stmt).scalar_one_or_none()
        if seq is None:
            raise ConversationNotFound(f"no conversation {conversation_id}")
        return int(seq)

    @staticmethod
    def _bump(conn: Connection, conversation_id: str, at: datetime, **values: Any) -> None:
        stmt = (
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(
                last_at=_later(at),
                **values,
            )
        )
        if conn.execute(stmt).rowcount == 0:
            raise ConversationNotFound(f"no conversation {conversation_id}")

    # -- the gateway's calls --------------------------------------------------------

    def open_conversation(
        self,
        conversation_id: str,
        *,
        session_id: str,
        shopper_id: str | None,
        channel: str = "widget",
        started_at: datetime | None = None,
    ) -> None:
        """Create the conversation; opening it again (another replica, a resume) is harmless.

        Opening again changes nothing, except that a shopper id given now fills one
        that was missing (the shopper signed in mid-conversation).

        Args:
            conversation_id: the gateway's id for it.
            session_id: the widget session it belongs to.
            shopper_id: the shop's own id for the shopper, when the shop passed one.
            channel: where it happens ("widget", "api" ...).
            started_at: when it started; now by default.
        """
        at = started_at or utcnow()
        stmt = self.insert(Conversation).values(
            id=conversation_id,
            session_id=session_id,
            shopper_id=shopper_id or None,
            channel=channel,
            started_at=at,
            last_at=at,
            message_count=0,
            turn_count=0,
            product_shown=False,
            card_clicked=False,
            added_to_cart=False,
            handoff=False,
            zero_result=False,
            guardrail_hit=False,
            fallback_used=False,
            needs_human=False,
            taken_over=False,
        )
        # Opening again only fills in a shopper id that was missing (they signed in).
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={"shopper_id": func.coalesce(Conversation.shopper_id, stmt.excluded.shopper_id)},
        )
        with self.transaction() as conn:
            conn.execute(stmt)
        log.debug("conversation %s opened", conversation_id)

    def add_user_message(
        self,
        conversation_id: str,
        *,
        turn_id: str,
        client_id: str,
        text: str,
        at: datetime | None = None,
    ) -> bool:
        """Store a shopper message, committed before this returns.

        Args:
            conversation_id: an opened conversation.
            turn_id: the turn that will answer it.
            client_id: the widget's id for the message; a resend carries the same one.
            text: what the shopper wrote (redacted before it is stored).
            at: when; now by default.

        Returns:
            True when stored now, False when this client_id was stored already (by this
            or another gateway replica): the caller must not answer it again.

        Raises:
            ConversationNotFound: the conversation was never opened.
        """
        at = at or utcnow()
        stored = self.redactor.redact(text)
        try:
            with self.transaction() as conn:
                seq = self._touch(conn, conversation_id, at)
                inserted = conn.execute(
                    self.insert(Message)
                    .values(
                        conversation_id=conversation_id,
                        seq=seq,
                        role="user",
                        turn_id=turn_id,
                        client_id=client_id,
                        text=stored,
                        at=at,
                    )
                    .on_conflict_do_nothing(index_elements=["conversation_id", "client_id"])
                    .returning(Message.id)
                ).scalar_one_or_none()
                if inserted is None:
                    raise _Duplicate
                conn.execute(
                    update(Conversation)
                    .where(Conversation.id == conversation_id, Conversation.first_message.is_(None))
                    .values(
                        first_message=stored[:FIRST_MESSAGE_CHARS],
                        first_query=normalize_query(stored),
                    )
                )
        except _Duplicate:
            log.debug("message %s of %s was stored already", client_id, conversation_id)
            return False
        return True

    def add_turn(
        self,
        conversation_id: str,
        *,
        turn_id: str,
        text: str,
        cards: Sequence[ProductCard],
        suggestions: list[str],
        record: TurnRecord,
        latency_ms: float,
        first_frame_ms: float,
        at: datetime | None = None,
    ) -> None:
        """Store the assistant's answer with its turn record; storing a turn twice is a no-op.

        Sets the conversation's flags: product_shown (cards), zero_result (a search
        that found nothing, or found products none of which reached the shopper),
        guardrail_hit, handoff (which also marks it needs_human) and fallback.

        Args:
            conversation_id: an opened conversation.
            turn_id: the turn's id (as in the record).
            text: the answer the shopper saw.
            cards: the product cards shown (protocol v1 `products.shown` items).
            suggestions: the follow-up chips.
            record: the turn's record.
            latency_ms: from the shopper's message to `assistant.done`.
            first_frame_ms: from the shopper's message to the first frame.
            at: when the answer finished; now by default.

        Raises:
            ConversationNotFound: the conversation was never opened.
        """
        at = at or utcnow()
        return self._add_turn(
            conversation_id,
            turn_id=turn_id,
            text=text,
            cards=[card.model_dump(mode="json") for card in cards],
            suggestions=suggestions,
            record=record.model_dump(mode="json"),
            latency_ms=latency_ms,
            first_frame_ms=first_frame_ms,
            at=at,
        )

    def _add_turn(
        self,
        conversation_id: str,
        *,
        turn_id: str,
        text: str,
        cards: list[dict[str, Any]],
        suggestions: list[str],
        record: dict[str, Any],
        latency_ms: float,
        first_frame_ms: float,
        at: datetime,
    ) -> None:
        # The columns hold JSON: the record and cards as their JSON form.
        outcome = TurnOutcome.of(record, cards)
        stored_record = redact_record(record, self.redactor)
        try:
            with self.transaction() as conn:
                seq = self._touch(
                    conn,
                    conversation_id,
                    at,
                    turn_count=Conversation.turn_count + 1,
                    **outcome.conversation_flags(),
                )
                question = conn.execute(
                    select(Message.text)
                    .where(
                        Message.conversation_id == conversation_id,
                        Message.turn_id == turn_id,
                        Message.role == "user",
                    )
                    .limit(1)
                ).scalar_one_or_none()
                inserted = conn.execute(
                    self.insert(Turn)
                    .values(
                        conversation_id=conversation_id,
                        turn_id=turn_id,
                        brain=str(record.get("brain", "unknown")),
                        fallback=outcome.fallback,
                        intent=record.get("intent"),
                        query=normalize_query(question) if question else None,
                        product_count=len(cards),
                        zero_result=outcome.zero_result,
                        guardrail_hit=outcome.guardrail_hit,
                        handoff=outcome.handoff,
                        record=stored_record,
                        cards=list(cards),
                        suggestions=[self.redactor.redact(s) for s in suggestions],
                        latency_ms=float(latency_ms),
                        first_frame_ms=float(first_frame_ms),
                        at=at,
                    )
                    .on_conflict_do_nothing(index_elements=["conversation_id", "turn_id"])
                    .returning(Turn.id)
                ).scalar_one_or_none()
                if inserted is None:
                    raise _Duplicate
                conn.execute(
                    self.insert(Message).values(
                        conversation_id=conversation_id,
                        seq=seq,
                        role="assistant",
                        turn_id=turn_id,
                        text=self.redactor.redact(text),
                        at=at,
                    )
                )
        except _Duplicate:
            log.debug("turn %s of %s was stored already", turn_id, conversation_id)

    def add_staff_message(
        self, conversation_id: str, *, staff: str, text: str, at: datetime | None = None
    ) -> None:
        """Store what a staff member wrote to the shopper during a takeover.

        Args:
            conversation_id: an opened conversation.
            staff: the staff member's email.
            text: the message (redacted before it is stored).
            at: when; now by default.
        """
        at = at or utcnow()
        with self.transaction() as conn:
            seq = self._touch(conn, conversation_id, at)
            conn.execute(
                self.insert(Message).values(
                    conversation_id=conversation_id,
                    seq=seq,
                    role="staff",
                    author=staff,
                    text=self.redactor.redact(text),
                    at=at,
                )
            )

    def add_event(
        self, conversation_id: str, *, name: str, product_id: str, at: datetime | None = None
    ) -> None:
        """Store a shopper's product event; a click sets card_clicked, a cart added_to_cart.

        Args:
            conversation_id: an opened conversation.
            name: "view", "click" or "cart".
            product_id: the product's catalog id.
            at: when; now by default.

        Raises:
            InvalidRequest: an unknown event name.
        """
        if name not in EVENT_NAMES:
            raise InvalidRequest(f"event must be one of {sorted(EVENT_NAMES)}, not {name!r}")
        at = at or utcnow()
        flags = {"click": {"card_clicked": True}, "cart": {"added_to_cart": True}}.get(name, {})
        with self.transaction() as conn:
            self._bump(conn, conversation_id, at, **flags)
            turn_id, query = shown_by(conn, conversation_id, product_id)
            conn.execute(
                self.insert(Event).values(
                    conversation_id=conversation_id,
                    name=name,
                    product_id=product_id,
                    turn_id=turn_id or None,
                    query=query,
                    at=at,
                )
            )

    def set_feedback(
        self,
        conversation_id: str,
        *,
        turn_id: str,
        rating: int,
        scale: FeedbackScale | None = None,
    ) -> None:
        """Store the shopper's rating of a turn; a second rating replaces the first.

        The conversation's rating becomes the mean of its turns' ratings on a 0-1 scale
        (thumbs down 0, thumbs up 1; stars 1-5 map to 0, 0.25 ... 1).

        Args:
            conversation_id: the conversation.
            turn_id: the rated turn.
            rating: +1/-1, or 1 to 5 stars.
            scale: "thumbs" or "stars" when known; see `feedback_scale`.

        Raises:
            InvalidRequest: the rating is off the scale.
            ConversationNotFound: no such turn in that conversation.
        """
        chosen = feedback_scale(int(rating), scale)
        normalised = case(
            (Turn.feedback_scale == "thumbs", (Turn.feedback + 1) / 2.0),
            else_=(Turn.feedback - 1) / 4.0,
        )
        with self.transaction() as conn:
            changed = conn.execute(
                update(Turn)
                .where(Turn.conversation_id == conversation_id, Turn.turn_id == turn_id)
                .values(feedback=int(rating), feedback_scale=chosen, feedback_at=utcnow())
            ).rowcount
            if changed == 0:
                raise ConversationNotFound(f"no turn {turn_id} in conversation {conversation_id}")
            mean = (
                select(func.avg(normalised))
                .where(Turn.conversation_id == conversation_id, Turn.feedback.is_not(None))
                .scalar_subquery()
            )
            conn.execute(
                update(Conversation).where(Conversation.id == conversation_id).values(rating=mean)
            )

    def set_live(self, conversation_id: str, *, live: bool, staff: str | None = None) -> None:
        """Record a staff takeover starting (live) or ending, as state and as an event.

        Args:
            conversation_id: the conversation.
            live: True when a staff member joins, False when they leave.
            staff: the staff member's email.
        """
        at = utcnow()
        with self.transaction() as conn:
            self._bump(
                conn, conversation_id, at, taken_over=live, live_staff=staff if live else None
            )
            conn.execute(
                self.insert(Event).values(
                    conversation_id=conversation_id,
                    name="staff.joined" if live else "staff.left",
                    staff=staff,
                    at=at,
                )
            )

    def flag_needs_human(self, conversation_id: str, needs: bool = True) -> None:
        """Mark the conversation as waiting for a person (or no longer waiting).

        Args:
            conversation_id: the conversation.
            needs: True to queue it for staff, False once handled.
        """
        with self.transaction() as conn:
            changed = conn.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(needs_human=needs)
            ).rowcount
            if changed == 0:
                raise ConversationNotFound(f"no conversation {conversation_id}")

    def ping(self) -> None:
        """Check that the database answers (the gateway's readiness probe).

        Raises:
            StorageUnavailable: it does not.
        """
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except (OperationalError, InterfaceError) as e:
            raise StorageUnavailable("the transcript database does not answer") from e

    def erased_since(self, after_id: int) -> list[tuple[int, str]]:
        """Conversations erased on request after the erasure `after_id`: (erasure id, conversation).

        Gateways poll this to end the live sessions of a deleted shopper, whichever process
        ran the deletion.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(Erasure.id, Erasure.conversation_id)
                .where(Erasure.id > after_id)
                .order_by(Erasure.id)
                .limit(1000)
            ).all()
        return [(int(r[0]), str(r[1])) for r in rows]

    def last_erasure(self) -> int:
        """The latest erasure id (0 before any): where a starting gateway begins to poll."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(Erasure.id), 0))).scalar_one())

    def is_erased(self, conversation_id: str) -> bool:
        """True when the conversation was deleted on request (its resume token is dead)."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(Erasure.id).where(Erasure.conversation_id == conversation_id).limit(1)
            ).first()
        return found is not None

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def make_transcript_store(
    settings: WebSettings, *, migrate_schema: bool = True
) -> SqlTranscriptStore:
    """The transcript store the settings describe, its schema migrated to the newest.

    Args:
        settings: `database_url` (unset: a SQLite file in `data_dir/web`) and `redact_pii`.
        migrate_schema: run the shipped Alembic migrations first (default).

    Returns:
        The store; `close()` it on shutdown.
    """
    engine = make_engine(settings.database())
    try:
        if migrate_schema:
            migrate(engine)
    except (OperationalError, InterfaceError) as e:
        engine.dispose()
        raise StorageUnavailable(
            f"cannot reach the transcript database ({engine.url.get_backend_name()}): "
            "check AISLE_WEB_DATABASE_URL"
        ) from e
    log.info(
        "transcripts in %s (PII redaction %s)",
        engine.url.get_backend_name(),
        "on" if settings.redact_pii else "off",
    )
    return SqlTranscriptStore(engine, redactor=Redactor(settings.redact_pii))
