"""A shopper's socket: the handshake (hello, resume token, shopper identity), the welcome, replay.

`Sessions.open(ws)` reads `session.hello` and answers with `session.welcome` and every
kept frame the client missed; `Connection` is the open socket from then on, and sends
the conversation's numbered frames in seq order, each once (`Connection.send_item`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from web.chat.hub import Conversation, ConversationHub, Item, Subscription, frame_text
from web.chat.protocol import (
    CLOSE_BAD_FRAME,
    CLOSE_POLICY,
    CLOSE_UNAUTHENTICATED,
    BadFrame,
    HelloFrame,
    parse_client_frame,
)
from web.errors import ErrorCode
from web.metrics import GatewayMetrics
from web.settings import WebSettings
from web.shoppers import BadShopperToken, ShopperTokens

__all__ = ["Closed", "Connection", "Sessions"]

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 15.0


class Closed(Exception):
    """The socket was closed (by us or the peer); stop reading."""


@dataclass(slots=True)
class Connection:
    """One open `/ws/chat` socket in its conversation."""

    ws: WebSocket
    ip: str
    conversation: Conversation
    subscription: Subscription
    hub: ConversationHub
    metrics: GatewayMetrics
    sent_seq: int = 0
    bad_frames: int = 0
    strikes: int = 0
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send_item(self, item: Item) -> None:
        """Send a hub item: a numbered frame once and in order, or a note as it is.

        A numbered frame past the next one means this socket missed some (the hub's
        pub/sub dropped them): the missing ones are read from the replay and sent first.
        """
        seq, text = item
        if seq is not None:
            if seq <= self.sent_seq:
                return
            if seq > self.sent_seq + 1:
                await self.fill_gap(seq)
                if seq <= self.sent_seq:
                    return
            self.sent_seq = seq
        async with self.send_lock:
            await self.ws.send_text(text)

    async def fill_gap(self, before: int | None = None) -> None:
        """Send the kept frames after the last one sent (up to `before`), from the replay."""
        missed = await self.hub.replay(self.conversation.id, self.sent_seq)
        if missed:
            self.metrics.errors.labels("gap_filled").inc()
        for seq, text in missed:
            if seq is None or seq <= self.sent_seq or (before is not None and seq >= before):
                continue
            self.sent_seq = seq
            async with self.send_lock:
                await self.ws.send_text(text)

    async def send(self, type_: str, data: dict[str, Any]) -> None:
        """Send an unnumbered frame to this socket only (welcome, pong, error)."""
        async with self.send_lock:
            await self.ws.send_text(frame_text(type_, data, None))

    async def error(self, code: ErrorCode, message: str, ref: str | None = None) -> None:
        """Send an `error` frame (`ref`: the id of the client frame it answers)."""
        self.metrics.errors.labels(code).inc()
        await self.send("error", {"code": code, "message": message, "ref": ref})


async def close(ws: WebSocket, code: int, reason: str) -> NoReturn:
    """Close the socket (at most 2 s for the close handshake) and stop its handler."""
    if ws.application_state == WebSocketState.CONNECTED:
        try:
            await asyncio.wait_for(ws.close(code=code, reason=reason[:120]), 2.0)
        except (TimeoutError, RuntimeError, WebSocketDisconnect):
            pass
    raise Closed


class Sessions:
    """Opens sockets into conversations: new, resumed, or refused."""

    def __init__(
        self,
        settings: WebSettings,
        hub: ConversationHub,
        metrics: GatewayMetrics,
        erased: Callable[[str], Awaitable[bool]],
        end: Callable[[str], Awaitable[None]],
        open_transcript: Callable[[Conversation], Awaitable[None]],
    ) -> None:
        self.settings = settings
        self.hub = hub
        self.metrics = metrics
        self.shopper_tokens = ShopperTokens.from_settings(settings)
        self._tokens = URLSafeTimedSerializer(
            settings.secret_key.get_secret_value(), salt="aisle-resume"
        )
        self._erased = erased
        self._end = end
        self._open_transcript = open_transcript

    async def refuse(self, ws: WebSocket, code: int, reason: str, metric: str) -> NoReturn:
        """Count the refusal and close the socket."""
        self.metrics.errors.labels(metric).inc()
        await close(ws, code, reason)

    async def receive(self, ws: WebSocket) -> str | bytes:
        """The next frame's raw text; a frame over `max_frame_bytes` closes the socket (1008).

        Raises:
            Closed: the peer left, or the frame was too large.
        """
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            raise Closed
        raw: str | bytes | None = message.get("text")
        if raw is None:
            raw = message.get("bytes") or b""
        size = len(raw) if isinstance(raw, bytes) else len(raw.encode())
        limit = self.settings.max_frame_bytes
        if size > limit:
            await self.refuse(
                ws,
                CLOSE_POLICY,
                f"frame of {size} bytes is over the limit of {limit}",
                "frame_too_large",
            )
        return raw

    async def open(self, ws: WebSocket, ip: str) -> Connection:
        """Read `session.hello`, find or start the conversation, send the welcome and replay.

        Raises:
            Closed: no hello in time, a bad frame or an invalid resume token (4400 / 4401).
        """
        try:
            raw = await asyncio.wait_for(self.receive(ws), HELLO_TIMEOUT_S)
        except TimeoutError:
            await self.refuse(ws, CLOSE_UNAUTHENTICATED, "send session.hello first", "no_hello")
        try:
            frame = parse_client_frame(raw)
        except BadFrame as e:
            await self.refuse(ws, CLOSE_BAD_FRAME, f"{e.code}: {e.message}", e.code)
        if not isinstance(frame, HelloFrame):
            await self.refuse(ws, CLOSE_UNAUTHENTICATED, "send session.hello first", "no_hello")
        hello = frame.data
        shopper_id, identity_error = self.shopper_of(hello.shopper_token, hello.shopper_id)
        conversation, expired = await self._resume(ws, hello.resume_token, shopper_id)
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
        conn = Connection(ws, ip, conversation, subscription, self.hub, self.metrics)
        try:
            await self._welcome(conn, resumed, expired, after)
            if identity_error is not None:
                await conn.error(identity_error.code, identity_error.message)
        except BaseException:
            self.hub.unsubscribe(subscription)
            raise
        return conn

    async def _resume(
        self, ws: WebSocket, token: str | None, shopper_id: str | None
    ) -> tuple[Conversation | None, bool]:
        """The conversation a resume token names (None: start anew) and whether it expired."""
        if not token:
            return None, False
        try:
            claims = self._tokens.loads(token, max_age=self.settings.session_ttl_s)
        except SignatureExpired:
            return None, True
        except BadSignature:
            await self.refuse(ws, CLOSE_UNAUTHENTICATED, "invalid resume token", "bad_resume_token")
        conversation_id = str(claims.get("c"))
        if await self._erased(conversation_id):
            # Deleted on the shopper's request: the token resumes nothing, ever.
            await self._end(conversation_id)
            return None, True
        conversation = await self.hub.get(conversation_id)
        if conversation is None:
            return None, True
        if conversation.session_id != claims.get("s"):
            return None, False
        if shopper_id and conversation.shopper_id not in (None, shopper_id):
            # Another shopper signed in on this tab: they get a conversation of their own.
            return None, False
        return conversation, False

    def shopper_of(
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

    async def _welcome(self, conn: Connection, resumed: bool, expired: bool, after: int) -> None:
        """Send `session.welcome`, then every kept frame after `after`, in order."""
        conversation = conn.conversation
        # Replay is read after subscribing: a frame is in the replay, the queue, or both.
        replay = await self.hub.replay(conversation.id, after)
        last = await self.hub.last_seq(conversation.id)
        token = self._tokens.dumps({"c": conversation.id, "s": conversation.session_id})
        await conn.send(
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
            await conn.error("session_expired", "that chat has ended; this is a new one")
        conn.sent_seq = after
        if resumed and after < last and (not replay or replay[0][0] != after + 1):
            await conn.error("replay_gap", "some earlier messages of this chat are no longer kept")
            # What is no longer kept cannot be sent: the replay goes on from what is.
            conn.sent_seq = (replay[0][0] or 1) - 1 if replay else last
        for item in replay:
            await conn.send_item(item)
