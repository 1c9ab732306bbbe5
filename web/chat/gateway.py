"""The `/ws/chat` gateway: sessions, resume, limits, turns through the assistant, staff takeover.

One socket is one `_Connection`: a reader that validates frames and a pump that
sends the conversation's numbered frames in order, skipping any it already sent.
Turns run as tasks of the gateway, not of the socket, so an answer goes on when
the socket drops and reaches the shopper on resume. A shopper's message is
acknowledged (`assistant.start`) only after the transcript store committed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from assistant import AssistantError, TurnEvent, TurnRequest
from recsys import Interaction, Recommender
from web.breaker import CircuitBreaker, PartDown
from web.chat.experiments import chat_arms, record_chat_impressions
from web.chat.hub import (
    Conversation,
    ConversationHub,
    Item,
    Subscription,
    SubscriptionEnded,
    frame_text,
)
from web.chat.protocol import (
    CLOSE_BAD_FRAME,
    CLOSE_POLICY,
    CLOSE_UNAUTHENTICATED,
    BadFrame,
    EventFrame,
    FeedbackFrame,
    HelloFrame,
    MessageFrame,
    parse_client_frame,
)
from web.experiments import Experiments
from web.limits import RateLimits, SocketCounter
from web.metrics import GatewayMetrics
from web.settings import WebSettings
from web.shoppers import BadShopperToken, ShopperTokens
from web.store import Redactor, TranscriptError, TranscriptStore

__all__ = ["Gateway", "TurnRunner"]

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 15.0
MAX_BAD_FRAMES = 10
SORRY = "Sorry, I couldn't finish that answer just now. Please ask again in a moment."
STILL_LOOKING = "Still looking…"


class TurnTimeout(Exception):
    """The turn used up its deadline budget."""


class TurnRunner(Protocol):
    """What runs a turn: the in-process `Assistant` or the assistant pod's `HttpAssistant`."""

    def turn(self, request: TurnRequest) -> AsyncIterator[TurnEvent]:
        """Stream the turn's events, `assistant.done` last."""
        ...


@dataclass(slots=True)
class _Connection:
    ws: WebSocket
    ip: str
    conversation: Conversation
    subscription: Subscription
    sent_seq: int = 0
    bad_frames: int = 0
    strikes: int = 0
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed: bool = False


class _Closed(Exception):
    """The socket was closed (by us or the peer); stop reading."""


class Gateway:
    """Serves `/ws/chat` and the staff actions on live conversations."""

    def __init__(
        self,
        settings: WebSettings,
        hub: ConversationHub,
        assistant: TurnRunner,
        recommender: Recommender | None,
        transcripts: TranscriptStore | None,
        metrics: GatewayMetrics,
    ) -> None:
        self.settings = settings
        self.hub = hub
        self.assistant = assistant
        self.recommender = recommender
        self.transcripts = transcripts
        self.metrics = metrics
        # Set by the app once experiments are built (None: no arms, no impressions).
        self.experiments: Experiments | None = None
        self._tokens = URLSafeTimedSerializer(
            settings.secret_key.get_secret_value(), salt="aisle-resume"
        )
        self.shopper_tokens = ShopperTokens.from_settings(settings)
        self._redactor = Redactor(settings.redact_pii)
        # Only the pod can be down on its own; an in-process assistant's faults are its
        # catalog's or recommender's, which the turn deadline bounds.
        self.breaker: CircuitBreaker | None = (
            CircuitBreaker("assistant", settings.breaker_failures, settings.breaker_reset_s)
            if settings.assistant_url
            else None
        )
        self.sockets = SocketCounter(settings.sockets_per_ip, settings.max_sockets)
        self.rates = RateLimits(
            settings.redis_url.get_secret_value() if settings.redis_url else None
        )
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._erasures: asyncio.Task[None] | None = None
        self._closers: set[asyncio.Task[None]] = set()
        self._handlers: dict[str, Callable[[_Connection, Any, float], Awaitable[None]]] = {
            "user.message": self._on_message,
            "user.event": self._on_event,
            "user.feedback": self._on_feedback,
            "ping": self._on_ping,
            "session.hello": self._on_hello_again,
        }

    # -- GDPR erasures ----------------------------------------------------------------------
    async def start(self) -> None:
        """Begin following erasures (`aisle shopper delete` from any process)."""
        if self._erasures is None and hasattr(self.transcripts, "erased_since"):
            after = await self._write("last_erasure")
            self._erasures = asyncio.create_task(self._follow_erasures(int(after or 0)))

    async def _follow_erasures(self, after: int) -> None:
        while True:
            await asyncio.sleep(self.settings.erasure_poll_s)
            try:
                for erasure_id, conversation_id in await self._write("erased_since", after):
                    after = erasure_id
                    await self.end_conversation(conversation_id)
            except Exception as e:
                log.warning("erasures not read (%s); trying again", type(e).__name__)

    async def _erased(self, conversation_id: str) -> bool:
        if not hasattr(self.transcripts, "is_erased"):
            return False
        try:
            return bool(await self._write("is_erased", conversation_id))
        except Exception:
            log.warning("could not check an erasure; assuming none")
            return False

    async def end_conversation(self, conversation_id: str) -> None:
        """End a deleted conversation: its frames, replay and context go, its sockets close
        (4401, so the widget drops the resume token and starts afresh, anonymous)."""
        await self.hub.erase(conversation_id)
        self._locks.pop(conversation_id, None)

    # -- transcript writes, off the event loop ---------------------------------------------
    async def _write(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.transcripts is None:
            return None
        return await asyncio.to_thread(getattr(self.transcripts, method), *args, **kwargs)

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
        conn: _Connection | None = None
        try:
            conn = await self._handshake(ws, ip)
            if conn is not None:
                await self._run(conn)
        except (WebSocketDisconnect, _Closed):
            pass
        finally:
            if conn is not None:
                self.hub.unsubscribe(conn.subscription)
            self.sockets.release(ip)
            self.metrics.sockets_open.dec()

    async def _close(self, ws: WebSocket, code: int, reason: str, metric: str) -> None:
        self.metrics.errors.labels(metric).inc()
        if ws.application_state == WebSocketState.CONNECTED:
            try:
                await asyncio.wait_for(ws.close(code=code, reason=reason[:120]), 2.0)
            except (TimeoutError, RuntimeError, WebSocketDisconnect):
                pass
        raise _Closed

    async def _receive(self, ws: WebSocket) -> str | bytes:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            raise _Closed
        raw: str | bytes | None = message.get("text")
        if raw is None:
            raw = message.get("bytes") or b""
        size = len(raw) if isinstance(raw, bytes) else len(raw.encode())
        if size > self.settings.max_frame_bytes:
            await self._close(
                ws,
                CLOSE_POLICY,
                f"frame of {size} bytes is over the limit of {self.settings.max_frame_bytes}",
                "frame_too_large",
            )
        return raw

    async def _handshake(self, ws: WebSocket, ip: str) -> _Connection | None:
        try:
            raw = await asyncio.wait_for(self._receive(ws), HELLO_TIMEOUT_S)
        except TimeoutError:
            await self._close(ws, CLOSE_UNAUTHENTICATED, "send session.hello first", "no_hello")
            return None
        try:
            frame = parse_client_frame(raw)
        except BadFrame as e:
            await self._close(ws, CLOSE_BAD_FRAME, f"{e.code}: {e.message}", e.code)
            return None
        if not isinstance(frame, HelloFrame):
            await self._close(ws, CLOSE_UNAUTHENTICATED, "send session.hello first", "no_hello")
            return None
        hello = frame.data
        shopper_id, identity_error = self._shopper_of(hello.shopper_token, hello.shopper_id)
        conversation: Conversation | None = None
        expired = False
        if hello.resume_token:
            try:
                claims = self._tokens.loads(hello.resume_token, max_age=self.settings.session_ttl_s)
            except SignatureExpired:
                claims, expired = None, True
            except BadSignature:
                await self._close(
                    ws, CLOSE_UNAUTHENTICATED, "invalid resume token", "bad_resume_token"
                )
                return None
            if claims is not None and await self._erased(str(claims.get("c"))):
                # Deleted on the shopper's request: the token resumes nothing, ever.
                await self.end_conversation(str(claims.get("c")))
                claims, expired = None, True
            if claims is not None:
                conversation = await self.hub.get(str(claims.get("c")))
                expired = conversation is None
                if conversation is not None and conversation.session_id != claims.get("s"):
                    conversation = None
                if (
                    conversation is not None
                    and shopper_id
                    and conversation.shopper_id not in (None, shopper_id)
                ):
                    # Another shopper signed in on this tab: they get a conversation of their own.
                    conversation = None
        resumed = conversation is not None
        if conversation is None:
            # Stored with its first message: a widget opened and left is no transcript.
            conversation = await self.hub.create(uuid.uuid4().hex, shopper_id)
        elif shopper_id and conversation.shopper_id is None:
            # The shopper signed in mid-conversation: the store learns their id too.
            conversation.shopper_id = shopper_id
            await self.hub.save(conversation)
            if conversation.preview:
                await self._open_transcript(conversation)
        last = await self.hub.last_seq(conversation.id)
        # A last_seq beyond the conversation's would make the socket skip frames to come.
        after = min(hello.last_seq or 0, last) if resumed else 0
        subscription = self.hub.subscribe(conversation.id, self.settings.send_queue_frames)
        conn = _Connection(ws, ip, conversation, subscription)
        try:
            await self._welcome(conn, resumed, expired, after)
            if identity_error is not None:
                await self._error(conn, identity_error.code, identity_error.message)
        except BaseException:
            self.hub.unsubscribe(subscription)
            raise
        return conn

    def _shopper_of(
        self, token: str | None, claimed: str | None
    ) -> tuple[str | None, BadShopperToken | None]:
        """The verified shopper id of a hello (None: anonymous), and why a claim was not taken."""
        if token:
            try:
                return self.shopper_tokens.verify(token), None
            except BadShopperToken as e:
                return None, BadShopperToken(e.code, f"{e.message}; this chat is anonymous")
        if claimed:
            return None, BadShopperToken(
                "shopper_unverified",
                "shopper_id counts only inside a shopper_token signed by the shop; "
                "this chat is anonymous",
            )
        return None, None

    async def _welcome(self, conn: _Connection, resumed: bool, expired: bool, after: int) -> None:
        """Send `session.welcome`, then every kept frame after `after`, in order."""
        conversation = conn.conversation
        # Replay is read after subscribing: a frame is in the replay, the queue, or both.
        replay = await self.hub.replay(conversation.id, after)
        last = await self.hub.last_seq(conversation.id)
        token = self._tokens.dumps({"c": conversation.id, "s": conversation.session_id})
        await self._send_direct(
            conn,
            "session.welcome",
            {
                "conversation_id": conversation.id,
                "resume_token": token,
                "resumed": resumed,
                "last_seq": last,
                "mode": conversation.mode,
                "max_message_chars": self.settings.max_message_chars,
            },
        )
        if expired:
            await self._error(conn, "session_expired", "that chat has ended; this is a new one")
        if resumed and after < last and (not replay or replay[0][0] != after + 1):
            await self._error(
                conn, "replay_gap", "some earlier messages of this chat are no longer kept"
            )
        conn.sent_seq = after
        for item in replay:
            await self._send_item(conn, item)

    async def _run(self, conn: _Connection) -> None:
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

    async def _drop(self, conn: _Connection) -> None:
        try:
            await self._close(
                conn.ws, CLOSE_POLICY, "too slow to read; reconnect to resume", "slow"
            )
        except _Closed:
            pass

    async def _pump(self, conn: _Connection) -> None:
        while True:
            try:
                item = await conn.subscription.get()
            except SubscriptionEnded:
                await self._error(
                    conn, "conversation_deleted", "this chat was deleted; a new one starts"
                )
                await self._close(conn.ws, CLOSE_UNAUTHENTICATED, "chat deleted", "erased")
            await self._send_item(conn, item)

    async def _send_item(self, conn: _Connection, item: Item) -> None:
        seq, text = item
        if seq is not None:
            if seq <= conn.sent_seq:
                return
            conn.sent_seq = seq
        async with conn.send_lock:
            await conn.ws.send_text(text)

    async def _send_direct(self, conn: _Connection, type_: str, data: dict[str, Any]) -> None:
        async with conn.send_lock:
            await conn.ws.send_text(frame_text(type_, data, None))

    async def _error(
        self, conn: _Connection, code: str, message: str, ref: str | None = None
    ) -> None:
        self.metrics.errors.labels(code).inc()
        await self._send_direct(conn, "error", {"code": code, "message": message, "ref": ref})

    async def _read(self, conn: _Connection) -> None:
        while True:
            raw = await self._receive(conn.ws)
            received = time.perf_counter()
            try:
                frame = parse_client_frame(raw)
            except BadFrame as e:
                conn.bad_frames += 1
                if conn.bad_frames >= MAX_BAD_FRAMES:
                    await self._close(conn.ws, CLOSE_BAD_FRAME, "too many bad frames", e.code)
                await self._error(conn, e.code, e.message, e.frame_id)
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

    async def _on_ping(self, conn: _Connection, frame: Any, received: float) -> None:
        await self._send_direct(conn, "pong", {})

    async def _on_hello_again(self, conn: _Connection, frame: Any, received: float) -> None:
        await self._error(conn, "already_started", "this socket has a session already", frame.id)

    async def _limited(self, conn: _Connection, frame_id: str, key: str, per_minute: int) -> bool:
        retry = await self.rates.hit(key, per_minute)
        if retry is None:
            return False
        conn.strikes += 1
        if conn.strikes > self.settings.messages_per_minute:
            await self._close(conn.ws, CLOSE_POLICY, "too many messages", "flood")
        wait = max(1, round(retry))
        await self._error(
            conn, "rate_limited", f"too many messages; try again in {wait} s", frame_id
        )
        return True

    async def _on_message(self, conn: _Connection, frame: MessageFrame, received: float) -> None:
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
            await self._error(conn, "empty_message", "the message is empty", frame.id)
            return
        if len(text) > self.settings.max_message_chars:
            await self._error(
                conn,
                "message_too_long",
                f"messages are limited to {self.settings.max_message_chars} characters",
                frame.id,
            )
            return
        if not await self.hub.claim(conv.id, frame.data.client_id):
            # Already answered (or being answered): its frames reach the client by seq.
            return
        task = asyncio.create_task(
            self._turn(conv.id, text, frame.data.client_id, received, conn, frame.id),
            name="aisle-turn",
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_event(self, conn: _Connection, frame: EventFrame, received: float) -> None:
        conv = conn.conversation
        if await self._limited(
            conn, frame.id, f"event:{conv.session_id}", self.settings.messages_per_minute * 6
        ):
            return
        name, product_id = frame.data.name, frame.data.product_id
        self.metrics.events.labels(name).inc()
        await self.record_event(conv, name, product_id)

    async def _open_transcript(self, conv: Conversation) -> None:
        await self._write(
            "open_conversation",
            conv.id,
            session_id=conv.session_id,
            shopper_id=conv.shopper_id,
            channel="widget",
        )

    async def record_event(self, conv: Conversation, name: str, product_id: str) -> None:
        """Store a product event and hand it to recsys as an interaction of the shopper."""
        now = datetime.now(UTC)
        if self.recommender is not None:
            event = Interaction(user_id=conv.actor_id, product_id=product_id, event=name, ts=now)
            try:
                await asyncio.to_thread(self.recommender.record, [event])
            except Exception as e:
                log.warning("event not recorded in recsys: %s", type(e).__name__)
        if not conv.id:
            return  # a storefront event outside any chat
        if self.experiments is not None:
            await self.experiments.event(conv.id, name, product_id)
        try:
            await self._write("add_event", conv.id, name=name, product_id=product_id, at=now)
        except Exception:
            log.exception("event not stored in the transcript")

    async def _on_feedback(self, conn: _Connection, frame: FeedbackFrame, received: float) -> None:
        if await self._limited(
            conn,
            frame.id,
            f"event:{conn.conversation.session_id}",
            self.settings.messages_per_minute * 6,
        ):
            return
        if frame.data.rating == 0:
            await self._error(conn, "bad_frame", "rating: -1, 1 or 1-5 stars", frame.id)
            return
        try:
            await self._write(
                "set_feedback",
                conn.conversation.id,
                turn_id=frame.data.turn_id,
                rating=frame.data.rating,
            )
        except TranscriptError as e:
            await self._error(conn, e.code, e.message, frame.id)

    # -- turns -----------------------------------------------------------------------------
    async def _turn(
        self,
        conversation_id: str,
        text: str,
        client_id: str,
        received: float,
        conn: _Connection | None,
        frame_id: str | None = None,
    ) -> None:
        # One turn at a time per conversation, in arrival order; the lock lives while used.
        entry = self._locks.setdefault(conversation_id, (asyncio.Lock(), [0]))
        lock, users = entry
        users[0] += 1
        try:
            async with lock:
                await self._answer(conversation_id, text, client_id, received, conn, frame_id)
        except Exception:
            log.exception("turn of conversation %s failed", conversation_id)
        finally:
            users[0] -= 1
            if users[0] == 0:
                self._locks.pop(conversation_id, None)

    async def _answer(
        self,
        conversation_id: str,
        text: str,
        client_id: str,
        received: float,
        conn: _Connection | None,
        frame_id: str | None = None,
    ) -> None:
        conv = await self.hub.get(conversation_id)
        if conv is None:
            return
        turn_id = uuid.uuid4().hex[:16]
        try:
            if not conv.preview:
                await self._open_transcript(conv)
            fresh = await self._write(
                "add_user_message", conv.id, turn_id=turn_id, client_id=client_id, text=text
            )
        except Exception as e:
            if await self._erased(conv.id):
                # Deleted a moment ago: end it now; the widget resends into a new chat.
                await self.end_conversation(conv.id)
                return
            log.exception("message not stored")
            # Not acknowledged: the client may resend it with the same client id.
            await self.hub.release(conv.id, client_id)
            if conn is not None:
                try:
                    await self._error(
                        conn,
                        "not_saved",
                        "your message could not be saved; please resend it",
                        frame_id,
                    )
                except Exception:
                    pass
            raise RuntimeError("transcript store failed") from e
        if fresh is False:
            return  # another replica took this client id first
        await self.hub.note(
            conv.id, "user.message", {"text": text, "client_id": client_id, "turn_id": turn_id}
        )
        if not conv.preview:
            conv.preview = self._redactor.redact(text)[:120]  # the live list shows it
            await self.hub.save(conv)
        if conv.mode == "staff":
            return  # a person is answering; the console shows the message
        history, state = await self.hub.context(conv.id)
        keep = self.settings.history_turns
        arms = await chat_arms(self.experiments, conv.id, returning=bool(conv.shopper_id))
        request = TurnRequest(
            message=text,
            state=state,
            history=history[-keep:] if keep else [],
            user_id=conv.shopper_id,
            arms={p: a.arm for p, a in arms.items()},
        )
        first: float | None = None
        chunks: list[str] = []
        cards: list[dict[str, Any]] = []
        chips: list[str] = []
        record: dict[str, Any] = {"turn_id": turn_id, "brain": "unknown"}
        new_state: dict[str, Any] | None = state
        started = False

        async def still_looking() -> None:
            # The turn passed its first second in silence: the shopper hears that it goes on.
            nonlocal started
            if not started:
                started = True
                await self.hub.publish(
                    conv.id, "assistant.start", {"turn_id": turn_id, "client_id": client_id}
                )
            await self.hub.publish(
                conv.id, "assistant.status", {"turn_id": turn_id, "text": STILL_LOOKING}
            )

        try:
            async for event in self._within_budget(request, received, still_looking):
                if first is None:
                    first = time.perf_counter() - received
                    self.metrics.first_frame.observe(first)
                data = dict(event.data)
                if event.type == "assistant.start":
                    if started:
                        continue  # the gateway started this turn already (still looking)
                    started = True
                    data = {"turn_id": turn_id, "client_id": client_id}
                elif event.type == "assistant.delta":
                    chunks.append(str(data.get("text", "")))
                elif event.type == "products.shown":
                    cards = list(data.get("items", []))
                elif event.type == "suggestions":
                    chips = [str(s) for s in data.get("items", [])]
                elif event.type == "assistant.done":
                    record = {**dict(data.get("record") or {}), "turn_id": turn_id}
                    new_state = data.get("state")
                    break
                await self.hub.publish(conv.id, event.type, data)
        except Exception as e:
            code = (
                e.code
                if isinstance(e, AssistantError)
                else "turn_timeout"
                if isinstance(e, TurnTimeout)
                else "assistant_down"
                if isinstance(e, PartDown)
                else "assistant_error"
            )
            log.warning("turn failed (%s); the shopper gets an apology", code)
            self.metrics.errors.labels(code).inc()
            record = {**record, "fallback": f"error: {code}"}
            if not started:
                await self.hub.publish(
                    conv.id, "assistant.start", {"turn_id": turn_id, "client_id": client_id}
                )
            chunks.append(SORRY)
            await self.hub.publish(conv.id, "assistant.delta", {"text": SORRY})
        answer = "".join(chunks)
        latency = time.perf_counter() - received
        await self._write(
            "add_turn",
            conv.id,
            turn_id=turn_id,
            text=answer,
            cards=cards,
            suggestions=chips,
            record=record,
            latency_ms=latency * 1000,
            first_frame_ms=(first or latency) * 1000,
        )
        history = [
            *history,
            {"role": "user", "content": text},
            {"role": "assistant", "content": answer},
        ]
        await self.hub.set_context(
            conv.id, history[-max(keep, 2) * 2 :], new_state or (state or {})
        )
        await record_chat_impressions(self.experiments, conv.id, arms, record, cards)
        await self.hub.publish(conv.id, "assistant.done", {"turn_id": turn_id})
        self.metrics.turn_latency.observe(latency)
        self.metrics.turns.labels(
            str(record.get("brain", "unknown")), "fallback" if record.get("fallback") else "ok"
        ).inc()
        for tool in record.get("tools", []) or []:
            self.metrics.tool_calls.labels(str(tool.get("name")), str(bool(tool.get("ok")))).inc()
        if record.get("handoff"):
            await self.flag_for_staff(conv.id)

    async def _within_budget(
        self,
        request: TurnRequest,
        received: float,
        still_looking: Callable[[], Awaitable[None]],
    ) -> AsyncIterator[TurnEvent]:
        """The assistant's events, inside the turn's deadline, with one "still looking" note.

        Every wait for the next event is bounded by what is left of the turn's budget
        (`AISLE_WEB_TURN_DEADLINE_S`, counted from the message's arrival), so a stalled
        assistant, catalog or recommender cannot keep the shopper waiting longer; after
        `AISLE_WEB_STILL_LOOKING_S` without an answer `still_looking` is called once. With
        the assistant pod, its circuit breaker fails a turn at once while it is known down.

        Raises:
            TurnTimeout: the budget ran out.
            PartDown: the assistant pod's breaker is open.
        """
        breaker = self.breaker
        if breaker is not None:
            breaker.check()
        deadline = received + self.settings.turn_deadline_s
        status_at = received + self.settings.still_looking_s
        told = False
        events = aiter(self.assistant.turn(request))
        try:
            while True:
                step = asyncio.ensure_future(anext(events))
                while True:
                    now = time.perf_counter()
                    until = deadline if told else min(deadline, status_at)
                    done, _ = await asyncio.wait({step}, timeout=max(0.0, until - now))
                    if done:
                        break
                    if time.perf_counter() >= deadline:
                        step.cancel()
                        await asyncio.gather(step, return_exceptions=True)
                        if breaker is not None:
                            breaker.failure()
                        raise TurnTimeout(self.settings.turn_deadline_s)
                    told = True
                    await still_looking()
                try:
                    event = step.result()
                except StopAsyncIteration:
                    break
                except Exception:
                    if breaker is not None:
                        breaker.failure()
                    raise
                if event.type != "assistant.start":
                    told = True  # the assistant spoke: no "still looking" after that
                yield event
            if breaker is not None:
                breaker.success()
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(close(), 1.0)

    # -- staff -----------------------------------------------------------------------------
    async def flag_for_staff(self, conversation_id: str) -> None:
        """Mark a conversation as waiting for a person (the shopper asked for one)."""
        conv = await self.hub.get(conversation_id)
        if conv is None or conv.needs_human:
            return
        conv.needs_human = True
        await self.hub.save(conv)
        await self._write("flag_needs_human", conversation_id, True)
        await self.hub.note(conversation_id, "conversation.flagged", {"needs_human": True})

    async def takeover(self, conversation_id: str, staff: str, display: str | None = None) -> bool:
        """A staff member takes the conversation: the assistant stops answering it.

        Args:
            conversation_id: the conversation.
            staff: who, as the transcript records it (the staff account's email).
            display: the name the shopper sees (default: `staff`).
        """
        conv = await self.hub.get(conversation_id)
        if conv is None:
            return False
        shown = display or staff
        conv.mode, conv.staff, conv.needs_human = "staff", shown, False
        await self.hub.save(conv)
        await self._write("set_live", conversation_id, live=True, staff=staff)
        await self._write("flag_needs_human", conversation_id, False)
        await self.hub.publish(conversation_id, "staff.joined", {"staff": shown})
        return True

    async def staff_message(
        self, conversation_id: str, staff: str, text: str, display: str | None = None
    ) -> bool:
        """A staff member's message to the shopper (`display` is the name shown)."""
        conv = await self.hub.get(conversation_id)
        if conv is None:
            return False
        await self._write("add_staff_message", conversation_id, staff=staff, text=text)
        await self.hub.publish(
            conversation_id, "staff.message", {"staff": display or staff, "text": text}
        )
        return True

    async def handback(self, conversation_id: str, staff: str, display: str | None = None) -> bool:
        """Give the conversation back to the assistant (`display` is the name shown)."""
        conv = await self.hub.get(conversation_id)
        if conv is None:
            return False
        conv.mode, conv.staff = "assistant", None
        await self.hub.save(conv)
        await self._write("set_live", conversation_id, live=False, staff=staff)
        await self.hub.publish(conversation_id, "staff.left", {"staff": display or staff})
        return True

    async def drain(self, timeout: float = 10.0) -> None:
        """Let running turns finish (on shutdown)."""
        if self._erasures is not None:
            self._erasures.cancel()
            await asyncio.gather(self._erasures, return_exceptions=True)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
