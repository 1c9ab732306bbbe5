"""The `/ws/chat` gateway: each socket's read loop and pump, frame dispatch, limits, erasures.

One socket is one `Connection` (chat/session.py opens it): a reader that validates
frames and dispatches them by type, and a pump that sends the conversation's numbered
frames in order. A message becomes a turn (chat/turns.py); staff actions are the
`StaffDesk`'s (chat/staff.py); product events go to the `EventRecorder`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from web.chat.events import EventRecorder
from web.chat.hub import RESYNC, Conversation, ConversationHub, SubscriptionEnded
from web.chat.protocol import (
    CLOSE_BAD_FRAME,
    CLOSE_POLICY,
    CLOSE_UNAUTHENTICATED,
    BadFrame,
    EventFrame,
    FeedbackFrame,
    MessageFrame,
    parse_client_frame,
)
from web.chat.session import Closed, Connection, Sessions
from web.chat.staff import StaffDesk
from web.chat.turns import TurnPipeline, TurnRunner
from web.limits import RateLimits, SocketCounter
from web.metrics import GatewayMetrics
from web.settings import WebSettings
from web.store import TranscriptError, TranscriptStore

__all__ = ["Gateway"]

log = logging.getLogger(__name__)

MAX_BAD_FRAMES = 10

Handler = Callable[[Connection, Any, float], Awaitable[None]]


class Gateway:
    """Serves `/ws/chat`: sessions, turns, events and feedback of every socket of this replica."""

    def __init__(
        self,
        settings: WebSettings,
        hub: ConversationHub,
        runner: TurnRunner,
        store: TranscriptStore,
        events: EventRecorder,
        metrics: GatewayMetrics,
    ) -> None:
        self.settings = settings
        self.hub = hub
        self.store = store
        self.metrics = metrics
        self.events = events
        self.staff = StaffDesk(hub, store)
        self.sessions = Sessions(
            settings, hub, metrics, self.erased, self.end_conversation, self.open_transcript
        )
        self.turns = TurnPipeline(
            settings,
            hub,
            runner,
            store,
            self.staff,
            metrics,
            self.erased,
            self.end_conversation,
            events.experiments,
        )
        self.sockets = SocketCounter(settings.sockets_per_ip, settings.max_sockets)
        self.rates = RateLimits(
            settings.redis_url.get_secret_value() if settings.redis_url else None
        )
        self._erasures: asyncio.Task[None] | None = None
        self._closers: set[asyncio.Task[None]] = set()
        self._handlers: dict[str, Handler] = {
            "user.message": self._on_message,
            "user.event": self._on_event,
            "user.feedback": self._on_feedback,
            "ping": self._on_ping,
            "session.hello": self._on_hello_again,
        }

    # -- GDPR erasures ----------------------------------------------------------------------
    async def start(self) -> None:
        """Begin following erasures (`aisle shopper delete` from any process)."""
        if self._erasures is None:
            after = await asyncio.to_thread(self.store.last_erasure)
            self._erasures = asyncio.create_task(self._follow_erasures(after))

    async def _follow_erasures(self, after: int) -> None:
        while True:
            await asyncio.sleep(self.settings.erasure_poll_s)
            try:
                erased = await asyncio.to_thread(self.store.erased_since, after)
                for erasure_id, conversation_id in erased:
                    after = erasure_id
                    await self.end_conversation(conversation_id)
            except Exception as e:
                log.warning("erasures not read (%s); trying again", type(e).__name__)

    async def erased(self, conversation_id: str) -> bool:
        """Whether the conversation was deleted on request (False when the store cannot say)."""
        try:
            return await asyncio.to_thread(self.store.is_erased, conversation_id)
        except Exception:
            log.warning("could not check an erasure; assuming none")
            return False

    async def end_conversation(self, conversation_id: str) -> None:
        """End a deleted conversation: its frames, replay and context go, its sockets close
        (4401, so the widget drops the resume token and starts afresh, anonymous)."""
        await self.hub.erase(conversation_id)
        self.turns.forget(conversation_id)

    async def open_transcript(self, conv: Conversation) -> None:
        """Store the conversation (again: fills in a shopper id that became known)."""
        await asyncio.to_thread(
            self.store.open_conversation,
            conv.id,
            session_id=conv.session_id,
            shopper_id=conv.shopper_id,
            channel="widget",
        )

    # -- the socket ------------------------------------------------------------------------
    async def serve(self, ws: WebSocket) -> None:
        """Handle one `/ws/chat` socket from handshake to close."""
        origin = ws.headers.get("origin")
        allowed = self.settings.allowed_origins
        if allowed and origin not in allowed:
            self.metrics.errors.labels("origin").inc()
            await ws.close(code=CLOSE_POLICY)  # before accept: the handshake gets a 403
            return
        ip = ws.client.host if ws.client else "unknown"
        refusal = self.sockets.acquire(ip)
        await ws.accept()
        if refusal is not None:
            self.metrics.errors.labels("too_many_sockets").inc()
            await ws.close(code=CLOSE_POLICY, reason=refusal)
            return
        self.metrics.sockets_open.inc()
        conn: Connection | None = None
        try:
            conn = await self.sessions.open(ws, ip)
            await self._run(conn)
        except (WebSocketDisconnect, Closed):
            pass
        finally:
            if conn is not None:
                self.hub.unsubscribe(conn.subscription)
            self.sockets.release(ip)
            self.metrics.sockets_open.dec()

    async def _run(self, conn: Connection) -> None:
        pump = asyncio.create_task(self._pump(conn))

        def drop_slow() -> None:
            # A client that does not read its frames is dropped, not waited for; it
            # resumes from its last seq when it reconnects.
            pump.cancel()
            task = asyncio.create_task(self._drop(conn))
            self._closers.add(task)
            task.add_done_callback(self._closers.discard)

        conn.subscription.on_overflow = drop_slow
        try:
            await self._read(conn)
        finally:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)

    async def _drop(self, conn: Connection) -> None:
        try:
            await self.sessions.refuse(
                conn.ws, CLOSE_POLICY, "too slow to read; reconnect to resume", "slow"
            )
        except Closed:
            pass

    async def _pump(self, conn: Connection) -> None:
        while True:
            try:
                item = await conn.subscription.get()
            except SubscriptionEnded:
                await conn.error("conversation_deleted", "this chat was deleted; a new one starts")
                await self.sessions.refuse(conn.ws, CLOSE_UNAUTHENTICATED, "chat deleted", "erased")
            if item is RESYNC:
                await conn.fill_gap()  # the hub may have missed frames: read them back
            else:
                await conn.send_item(item)

    async def _read(self, conn: Connection) -> None:
        while True:
            raw = await self.sessions.receive(conn.ws)
            received = time.perf_counter()
            try:
                frame = parse_client_frame(raw)
            except BadFrame as e:
                conn.bad_frames += 1
                if conn.bad_frames >= MAX_BAD_FRAMES:
                    await self.sessions.refuse(
                        conn.ws, CLOSE_BAD_FRAME, "too many bad frames", e.code
                    )
                await conn.error(e.code, e.message, e.frame_id)
                continue
            # Every frame type counts, pings and feedback too, per session and per address.
            if await self._limited(
                conn,
                frame.id,
                f"frame:{conn.conversation.session_id}",
                self.settings.frames_per_minute,
            ) or await self._limited(
                conn, frame.id, f"frame-ip:{conn.ip}", self.settings.frames_per_minute_ip
            ):
                continue
            await self._handlers[frame.type](conn, frame, received)

    async def _limited(self, conn: Connection, frame_id: str, key: str, per_minute: int) -> bool:
        retry = await self.rates.hit(key, per_minute)
        if retry is None:
            return False
        conn.strikes += 1
        if conn.strikes > self.settings.messages_per_minute:
            await self.sessions.refuse(conn.ws, CLOSE_POLICY, "too many messages", "flood")
        wait = max(1, round(retry))
        await conn.error("rate_limited", f"too many messages; try again in {wait} s", frame_id)
        return True

    # -- frames ----------------------------------------------------------------------------
    async def _on_ping(self, conn: Connection, frame: Any, received: float) -> None:
        await conn.send("pong", {})

    async def _on_hello_again(self, conn: Connection, frame: Any, received: float) -> None:
        await conn.error("already_started", "this socket has a session already", frame.id)

    async def _on_message(self, conn: Connection, frame: MessageFrame, received: float) -> None:
        conv = conn.conversation
        text = frame.data.text.strip()
        settings = self.settings
        if await self._limited(
            conn, frame.id, f"msg:{conv.session_id}", settings.messages_per_minute
        ):
            return
        if await self._limited(
            conn, frame.id, f"msg-ip:{conn.ip}", settings.messages_per_minute_ip
        ):
            return
        if not text:
            await conn.error("empty_message", "the message is empty", frame.id)
            return
        if len(text) > settings.max_message_chars:
            await conn.error(
                "message_too_long",
                f"messages are limited to {settings.max_message_chars} characters",
                frame.id,
            )
            return
        if not await self.hub.claim(conv.id, frame.data.client_id):
            # Already answered (or being answered): its frames reach the client by seq.
            return

        async def unsaved() -> None:
            await conn.error(
                "not_saved", "your message could not be saved; please resend it", frame.id
            )

        self.turns.start(conv.id, text, frame.data.client_id, received, unsaved)

    async def _on_event(self, conn: Connection, frame: EventFrame, received: float) -> None:
        conv = conn.conversation
        if await self._limited(
            conn, frame.id, f"event:{conv.session_id}", self.settings.messages_per_minute * 6
        ):
            return
        name, product_id = frame.data.name, frame.data.product_id
        self.metrics.events.labels(name).inc()
        await self.events.record(conv.actor_id, name, product_id, conversation_id=conv.id)

    async def _on_feedback(self, conn: Connection, frame: FeedbackFrame, received: float) -> None:
        if await self._limited(
            conn,
            frame.id,
            f"event:{conn.conversation.session_id}",
            self.settings.messages_per_minute * 6,
        ):
            return
        if frame.data.rating == 0:
            await conn.error("bad_frame", "rating: -1, 1 or 1-5 stars", frame.id)
            return
        try:
            await asyncio.to_thread(
                self.store.set_feedback,
                conn.conversation.id,
                turn_id=frame.data.turn_id,
                rating=frame.data.rating,
            )
        except TranscriptError as e:
            await conn.error(e.code, e.message, frame.id)

    async def drain(self, timeout: float = 10.0) -> None:
        """Stop following erasures and let running turns finish (on shutdown)."""
        if self._erasures is not None:
            self._erasures.cancel()
            await asyncio.gather(self._erasures, return_exceptions=True)
        await self.turns.drain(timeout)
