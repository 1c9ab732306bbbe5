"""Live conversations: the in-progress list, and the staff sockets that stream hub frames.

`/console/live/socket` streams every conversation's frames and notes (the list page
refreshes the rows that moved); `/console/live/socket/{id}` streams one conversation,
shopper messages included, for the conversation page during a takeover. Both read the
session cookie, accept only same-origin browsers, and are read-only: staff act through
CSRF-checked POSTs. With Redis configured, frames arrive from every gateway replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.websockets import WebSocketDisconnect, WebSocketState

from web.chat.hub import Subscription
from web.chat.staff import StaffDesk
from web.staff.auth import Viewer, same_origin, staff_of
from web.staff.state import ConsoleState, DeskDep, StateDep, get_state
from web.staff.templating import SECURITY_HEADERS, render, render_text
from web.store import ConversationFilter, ConversationSummary, Redactor, StaffUser

__all__ = ["LIVE_WINDOW_S", "LiveRow", "live_rows", "router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/console/live", include_in_schema=False)

# A conversation with activity in the last half hour is "in progress".
LIVE_WINDOW_S = 1800
QUEUE_FRAMES = 1024
RECHECK_S = 60.0
CLOSE_POLICY = 1008
CLOSE_UNAUTHENTICATED = 4401


class LiveRow(BaseModel):
    """A conversation in progress as the live list shows it."""

    id: str
    preview: str
    started: float
    updated: float
    mode: str
    staff: str | None
    needs_human: bool
    messages: int
    product_shown: bool
    added_to_cart: bool
    zero_result: bool
    shopper_id: str | None


async def live_rows(state: ConsoleState, desk: StaffDesk) -> list[LiveRow]:
    """Conversations in progress: the gateway's view (mode, staff, waiting) over the store's.

    The hub knows which conversations are in progress and who answers each right now,
    on every replica when it is Redis; the store adds message counts and outcome flags.
    Conversations where the shopper has not written yet are left out. Waiting ones come
    first, then those a person holds, then the most recently active.
    """
    in_progress = await desk.hub.live(LIVE_WINDOW_S)
    stored: dict[str, ConversationSummary] = {}
    if in_progress:
        page = await state.run(
            state.console.list_conversations, ConversationFilter(state="live"), limit=500
        )
        stored = {s.id: s for s in page.items}
    rows: list[LiveRow] = []
    for conv in in_progress:
        s = stored.get(conv.id)
        row = LiveRow(
            id=conv.id,
            preview=state.redactor.redact((s.first_message if s else None) or conv.preview),
            started=conv.started,
            updated=max(conv.updated, s.last_at.timestamp() if s else 0.0),
            mode=conv.mode,
            staff=conv.staff,
            needs_human=conv.needs_human,
            messages=s.messages if s else 0,
            product_shown=bool(s and s.product_shown),
            added_to_cart=bool(s and s.added_to_cart),
            zero_result=bool(s and s.zero_result),
            shopper_id=conv.shopper_id,
        )
        if row.messages or row.preview or row.needs_human:
            rows.append(row)
    rows.sort(key=lambda r: (not r.needs_human, r.mode != "staff", -r.updated))
    return rows


@router.get("")
async def live_page(
    request: Request, user: Viewer, state: StateDep, desk: DeskDep
) -> Response:
    """Conversations in progress, updated in place as they move."""
    rows = await live_rows(state, desk)
    return render(request, "live.html", rows=rows, window_min=LIVE_WINDOW_S // 60)


@router.get("/rows")
async def live_rows_fragment(
    request: Request, user: Viewer, state: StateDep, desk: DeskDep
) -> Response:
    """The live list's table body (console.js swaps it in when a conversation moves)."""
    rows = await live_rows(state, desk)
    html = render_text(request, "_live_rows.html", rows=rows)
    return Response(html, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


# -- the staff sockets -----------------------------------------------------------------


async def _refuse(ws: WebSocket, status: int) -> None:
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(Response(status_code=status))
    else:
        await ws.close(code=CLOSE_UNAUTHENTICATED if status == 401 else CLOSE_POLICY)


async def _authorize(ws: WebSocket) -> StaffUser | None:
    if not same_origin(ws):
        await _refuse(ws, 403)
        return None
    try:
        found = await staff_of(ws)
    except Exception:
        log.exception("staff socket: session check failed")
        found = None
    if found is None:
        await _refuse(ws, 401)
        return None
    return found[0]


async def _still_allowed(ws: WebSocket) -> bool:
    try:
        return await staff_of(ws) is not None
    except Exception:
        return True  # a store hiccup does not end a takeover; the next check decides


_REDACTED_KEYS = frozenset({"text", "preview", "message", "first_message"})


def _redact_data(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, dict):
        return {
            k: redactor.redact(v)
            if k in _REDACTED_KEYS and isinstance(v, str)
            else _redact_data(v, redactor)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_data(v, redactor) for v in value]
    return value


def redact_frame(text: str, redactor: Redactor) -> str:
    """A hub frame (or the list socket's `{"conversation_id", "frame"}`) as staff may see it.

    The hub carries what the shopper typed, for the shopper's own replay; a support screen
    gets the same redaction as the transcript store, so a card number never reaches it.
    """
    if not redactor.enabled:
        return text
    body = json.loads(text)
    inner = body.get("frame") if isinstance(body.get("frame"), dict) else body
    if isinstance(inner.get("data"), dict):
        inner["data"] = _redact_data(inner["data"], redactor)
    return json.dumps(body, separators=(",", ":"))


async def _stream(
    ws: WebSocket, sub: Subscription, redactor: Redactor, *, skip_deltas: bool
) -> None:
    """Send the subscription's items until the staff member leaves or may no longer watch."""

    async def pump() -> None:
        while True:
            _, text = await sub.get()
            if not text:
                continue  # a resync marker: staff screens reload on their own
            if skip_deltas and '"type":"assistant.delta"' in text[:200]:
                continue  # the list only needs to know which conversation moved
            await ws.send_text(redact_frame(text, redactor))

    async def read() -> None:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return

    async def recheck() -> None:
        while True:
            await asyncio.sleep(RECHECK_S)
            if not await _still_allowed(ws):
                return

    overflow = asyncio.Event()
    sub.on_overflow = overflow.set
    tasks = {
        asyncio.create_task(pump()): "pump",
        asyncio.create_task(read()): "read",
        asyncio.create_task(recheck()): "recheck",
        asyncio.create_task(overflow.wait()): "overflow",
    }
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        ended = {tasks[t] for t in done}
        code, reason = 1000, ""
        if "recheck" in ended:
            code, reason = CLOSE_UNAUTHENTICATED, "logged out"
        elif "overflow" in ended:
            code, reason = CLOSE_POLICY, "too slow to read; reconnect"
        if "read" not in ended and ws.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(code=code, reason=reason), 2.0)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@router.websocket("/socket")
async def all_conversations(ws: WebSocket) -> None:
    """Every conversation's frames and notes, as `{"conversation_id", "frame"}` (viewer)."""
    if await _authorize(ws) is None:
        return
    hub = get_state(ws).hub
    sub = hub.subscribe_all(QUEUE_FRAMES)
    try:
        await ws.accept()
        await ws.send_text(json.dumps({"type": "console.ready", "data": {"at": time.time()}}))
        await _stream(ws, sub, get_state(ws).redactor, skip_deltas=True)
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)


@router.websocket("/socket/{conversation_id}")
async def one_conversation(ws: WebSocket, conversation_id: str) -> None:
    """One conversation's frames and notes (viewer); `console.ready` first, with its mode.

    The subscription starts before `console.ready` is sent, so a page that reloads its
    transcript on `console.ready` misses nothing in between.
    """
    if await _authorize(ws) is None:
        return
    hub = get_state(ws).hub
    sub = hub.subscribe(conversation_id, QUEUE_FRAMES, notes=True)
    try:
        await ws.accept()
        conv = await hub.get(conversation_id)
        ready = {
            "live": conv is not None,
            "mode": conv.mode if conv else None,
            "staff": conv.staff if conv else None,
            "needs_human": conv.needs_human if conv else False,
        }
        await ws.send_text(json.dumps({"type": "console.ready", "data": ready}))
        await _stream(ws, sub, get_state(ws).redactor, skip_deltas=False)
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)
