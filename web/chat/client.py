"""A protocol v1 client: scripted conversations with a served instance over its `/ws/chat`.

`aisle eval chat --websocket URL` scores a served instance with it, as a shop's widget
talks to it: one socket per dialogue, a `user.message` per turn, the answer being the
turn's `assistant.delta` texts joined and its products the cards of the turn's
`products.shown`. The turn record (intent, tools, guardrails), which never crosses the
socket, is read by turn id from the instance's transcript store when the caller has it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from assistant import ConversationState, ProductCard, TurnRecord, TurnResult
from assistant.evaluate import Chat, ChatOpener, Dialogue
from web.errors import ERROR_CODES, ErrorCode, Unavailable, WebError
from web.shoppers import ShopperTokens
from web.store import TranscriptConsole, TurnView

__all__ = ["SocketChat", "record_of", "socket_chats"]

log = logging.getLogger(__name__)

# A rate-limited message is sent again (same client id: answered once) after these waits;
# past the last the limit is reported, not waited out.
RETRY_WAITS_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)


def _frame(type_: str, data: dict[str, Any]) -> tuple[str, str]:
    frame_id = uuid.uuid4().hex[:16]
    return frame_id, json.dumps({"v": 1, "type": type_, "id": frame_id, "data": data})


def _refused(data: dict[str, Any]) -> WebError:
    code = str(data.get("code", ""))
    known = cast(ErrorCode, code) if code in ERROR_CODES else None
    return WebError(f"the served instance answered {code}: {data.get('message', '')}", known)


def record_of(view: TurnView) -> TurnRecord:
    """The turn record the transcript store kept (redacted as the store redacts it)."""
    return TurnRecord.model_validate(
        {
            "turn_id": view.turn_id,
            "brain": view.brain,
            "fallback": view.fallback,
            "intent": view.intent,
            "tools": view.tools,
            "corrections": view.corrections,
            "guardrails": view.guardrails,
            "shown": view.shown,
            "handoff": view.handoff,
            "timings": view.timings,
        }
    )


class SocketChat:
    """One conversation on one socket; `say` sends a message and reads its whole turn."""

    def __init__(
        self,
        ws: ClientConnection,
        conversation_id: str,
        records: Callable[[str, str], TurnRecord | None],
        turn_timeout_s: float = 60.0,
    ) -> None:
        self.ws = ws
        self.conversation_id = conversation_id
        self.records = records
        self.turn_timeout_s = turn_timeout_s

    async def _next(self, deadline: float) -> dict[str, Any]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Unavailable(f"no assistant.done within {self.turn_timeout_s:.0f} s")
        try:
            raw = await asyncio.wait_for(self.ws.recv(), left)
        except TimeoutError:
            raise Unavailable(f"no assistant.done within {self.turn_timeout_s:.0f} s") from None
        except ConnectionClosed as e:
            raise Unavailable(f"the socket closed mid-turn ({e})") from e
        frame: dict[str, Any] = json.loads(raw)
        return frame

    async def say(self, message: str) -> TurnResult:
        """Send `message` and read frames up to the turn's `assistant.done`.

        Raises:
            WebError: the instance refused the message (an `error` frame other than a rate
                limit it lifted in time), closed the socket or did not finish the turn.
        """
        client_id = uuid.uuid4().hex[:16]
        waits = iter(RETRY_WAITS_S)
        started = time.perf_counter()
        deadline = time.monotonic() + self.turn_timeout_s
        frame_id, raw = _frame("user.message", {"text": message, "client_id": client_id})
        await self.ws.send(raw)
        first_ms: float | None = None
        turn_id: str | None = None
        text: list[str] = []
        cards: list[ProductCard] = []
        chips: list[str] = []
        while True:
            frame = await self._next(deadline)
            kind, data = frame.get("type"), frame.get("data") or {}
            # An error about this message, or about the conversation (ref null: a shopper
            # token it did not take, the chat deleted), ends the run.
            if kind == "error" and data.get("ref") in (frame_id, None):
                wait = next(waits, None)
                if data.get("code") != "rate_limited" or wait is None:
                    raise _refused(data)
                # The limit is the instance's own (per session and per address): a widget's
                # shopper would wait too, so the message goes again once it lifts.
                log.warning("rate limited by the served instance; sending again in %.0f s", wait)
                await asyncio.sleep(wait)
                deadline = time.monotonic() + self.turn_timeout_s
                frame_id, raw = _frame("user.message", {"text": message, "client_id": client_id})
                await self.ws.send(raw)
                continue
            if kind == "assistant.start" and data.get("client_id") == client_id:
                turn_id = str(data["turn_id"])
            if turn_id is None or data.get("turn_id", turn_id) != turn_id:
                continue  # not this turn's frames (pongs, an earlier turn's)
            if first_ms is None:
                first_ms = (time.perf_counter() - started) * 1000
            if kind == "assistant.delta":
                text.append(str(data["text"]))
            elif kind == "products.shown":
                cards = [ProductCard.model_validate(c) for c in data["items"]]
            elif kind == "suggestions":
                chips = [str(s) for s in data["items"]]
            elif kind == "assistant.done":
                return await self._result(turn_id, text, cards, chips, first_ms or 0.0)

    async def _result(
        self,
        turn_id: str,
        text: list[str],
        cards: list[ProductCard],
        chips: list[str],
        first_ms: float,
    ) -> TurnResult:
        record = await asyncio.to_thread(self.records, self.conversation_id, turn_id)
        return TurnResult(
            text="".join(text),
            cards=cards,
            suggestions=chips,
            # Without the store only what the shopper saw is known: no intent, no tools.
            record=record or TurnRecord(turn_id=turn_id, brain="unknown"),
            # The conversation's state stays on the server, as it does for a widget.
            state=ConversationState(conversation_id=self.conversation_id),
            events=[],
            first_event_ms=first_ms,
        )


def _store_records(console: TranscriptConsole | None) -> Callable[[str, str], TurnRecord | None]:
    def read(conversation_id: str, turn_id: str) -> TurnRecord | None:
        if console is None:
            return None
        detail = console.conversation(conversation_id)
        for m in detail.messages:
            if m.turn is not None and m.turn.turn_id == turn_id:
                return record_of(m.turn)
        return None

    return read


def socket_chats(
    url: str,
    *,
    console: TranscriptConsole | None = None,
    shopper_tokens: ShopperTokens | None = None,
    turn_timeout_s: float = 60.0,
    origin: str | None = None,
) -> ChatOpener:
    """Dialogues with a served instance, one socket (and conversation) each.

    Args:
        url: the instance's chat socket, `ws://host:port/ws/chat`.
        console: the instance's transcript store, where each turn's record is read (None:
            the records hold only the cards, and intent or tool expectations fail).
        shopper_tokens: signs a dialogue's `user_id` as the shop's backend would (its key
            is the instance's `AISLE_WEB_SHOPPER_TOKEN_SECRET`).
        turn_timeout_s: the longest one turn may take, rate-limit waits aside.
        origin: the `Origin` header (an instance with `AISLE_WEB_ALLOWED_ORIGINS` wants one).
    """
    records = _store_records(console)

    @asynccontextmanager
    async def open_chat(dialogue: Dialogue) -> AsyncIterator[Chat]:
        hello: dict[str, Any] = {}
        if dialogue.user_id is not None:
            if shopper_tokens is None or not shopper_tokens.enabled:
                raise WebError(
                    f"dialogue {dialogue.id} signs in as {dialogue.user_id}: set "
                    "AISLE_WEB_SHOPPER_TOKEN_SECRET to the served instance's key",
                    "shopper_tokens_off",
                )
            hello["shopper_token"] = shopper_tokens.issue(dialogue.user_id)
        headers = {"Origin": origin} if origin else None
        try:
            ws = await connect(url, additional_headers=headers, max_size=None, open_timeout=30)
        except (OSError, TimeoutError) as e:
            raise Unavailable(f"cannot open {url}: {e}") from e
        try:
            await ws.send(_frame("session.hello", hello)[1])
            welcome = json.loads(await asyncio.wait_for(ws.recv(), turn_timeout_s))
            if welcome.get("type") != "session.welcome":
                raise _refused(welcome.get("data") or {})
            chat = SocketChat(ws, welcome["data"]["conversation_id"], records, turn_timeout_s)
            yield chat
        finally:
            with contextlib.suppress(Exception):
                await ws.close()

    return open_chat
