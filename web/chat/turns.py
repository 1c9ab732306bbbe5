"""The turn pipeline: a shopper's message in, the assistant's typed events out as numbered frames.

A turn, in order:
1. store the message (the shopper's `assistant.start` waits for the commit);
2. ask the assistant, inside the turn's deadline budget, saying "still looking" after 1 s;
3. publish each event as a frame through the hub (every socket of the conversation, on
   every replica, hears it);
4. store the answer with its record, keep the history for the next turn, and publish
   `assistant.done`.
Turns run as tasks of the gateway, not of the socket, so an answer goes on when the
socket drops and reaches the shopper on resume. One turn runs at a time per conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from assistant import (
    AnswerDelta,
    AssistantError,
    CircuitBreaker,
    ConversationState,
    PartDown,
    ProductCard,
    ProductsShown,
    Suggestions,
    TurnBudget,
    TurnDone,
    TurnEvent,
    TurnRecord,
    TurnRequest,
    TurnStarted,
    turn_budget,
)
from web.chat.experiments import chat_arms, record_chat_impressions
from web.chat.hub import Conversation, ConversationHub
from web.chat.staff import StaffDesk
from web.experiments import Experiments
from web.metrics import GatewayMetrics
from web.settings import WebSettings
from web.store import Redactor, TranscriptStore

__all__ = [
    "ASSISTANT_DOWN",
    "SORRY",
    "STILL_LOOKING",
    "AssistantSilent",
    "TurnPipeline",
    "TurnRunner",
    "TurnTimeout",
]

log = logging.getLogger(__name__)

SORRY = "Sorry, I couldn't finish that answer just now. Please ask again in a moment."
STILL_LOOKING = "Still looking…"
# The assistant pod is known down, does not answer, or did not accept the turn in time.
ASSISTANT_DOWN = "Sorry, I can't reach the assistant right now. Please try again in a moment."
_DOWN_CODES = frozenset({"assistant_down", "assistant_unavailable", "assistant_silent"})


class TurnTimeout(Exception):
    """The turn used up its deadline budget."""


class AssistantSilent(Exception):
    """The assistant pod did not accept the turn (its first event) within a call's timeout."""


class TurnRunner(Protocol):
    """What runs a turn: the in-process `Assistant` or the assistant pod's `HttpAssistant`."""

    def turn(self, request: TurnRequest) -> AsyncIterator[TurnEvent]:
        """Stream the turn's events, `assistant.done` last."""
        ...


class NotSaved(Exception):
    """The shopper's message could not be stored; it was not acknowledged."""


@dataclass
class _Answer:
    """What a turn said, gathered from its events for the transcript and the history."""

    turn_id: str
    client_id: str
    chunks: list[str] = field(default_factory=list)
    cards: list[ProductCard] = field(default_factory=list)
    chips: list[str] = field(default_factory=list)
    record: TurnRecord | None = None
    state: ConversationState | None = None
    started: bool = False
    first_s: float | None = None

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def _error_code(e: Exception) -> str:
    if isinstance(e, AssistantError):
        return e.code
    if isinstance(e, TurnTimeout):
        return "turn_timeout"
    if isinstance(e, PartDown):
        return "assistant_down"
    if isinstance(e, AssistantSilent):
        return "assistant_silent"
    return "assistant_error"


class TurnPipeline:
    """Runs turns: one at a time per conversation, as tasks that outlive the socket."""

    def __init__(
        self,
        settings: WebSettings,
        hub: ConversationHub,
        runner: TurnRunner,
        store: TranscriptStore,
        staff: StaffDesk,
        metrics: GatewayMetrics,
        erased: Callable[[str], Awaitable[bool]],
        end: Callable[[str], Awaitable[None]],
        experiments: Experiments | None = None,
    ) -> None:
        self.settings = settings
        self.hub = hub
        self.runner = runner
        self.store = store
        self.staff = staff
        self.metrics = metrics
        self._erased = erased
        self._end = end
        self.experiments = experiments
        self._redactor = Redactor(settings.redact_pii)
        # Only the pod can be down on its own; an in-process assistant's faults are its
        # catalog's or recommender's, which their own breakers and the turn's budget
        # bound (assistant/budget.py).
        self.breaker: CircuitBreaker | None = (
            CircuitBreaker("assistant", settings.breaker_failures, settings.breaker_reset_s)
            if settings.assistant_url
            else None
        )
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(
        self,
        conversation_id: str,
        text: str,
        client_id: str,
        received: float,
        unsaved: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Answer a claimed message in a task of its own.

        Args:
            conversation_id: the conversation.
            text: the shopper's message.
            client_id: the message's client id (claimed in the hub: answered once).
            received: `time.perf_counter()` when the frame arrived (the budget starts there).
            unsaved: tells the socket that the message was not stored (it may resend it).
        """
        task = asyncio.create_task(
            self._queued(conversation_id, text, client_id, received, unsaved), name="aisle-turn"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def forget(self, conversation_id: str) -> None:
        """Drop a deleted conversation's turn lock."""
        self._locks.pop(conversation_id, None)

    async def drain(self, timeout: float) -> None:
        """Let running turns finish (on shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def _queued(
        self,
        conversation_id: str,
        text: str,
        client_id: str,
        received: float,
        unsaved: Callable[[], Awaitable[None]] | None,
    ) -> None:
        # One turn at a time per conversation, in arrival order; the lock lives while used.
        lock, users = self._locks.setdefault(conversation_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                await self._turn(conversation_id, text, client_id, received, unsaved)
        except NotSaved:
            pass
        except Exception:
            log.exception("turn of conversation %s failed", conversation_id)
        finally:
            users[0] -= 1
            if users[0] == 0:
                self._locks.pop(conversation_id, None)

    async def _turn(
        self,
        conversation_id: str,
        text: str,
        client_id: str,
        received: float,
        unsaved: Callable[[], Awaitable[None]] | None,
    ) -> None:
        conv = await self.hub.get(conversation_id)
        if conv is None:
            return
        answer = _Answer(turn_id=uuid.uuid4().hex[:16], client_id=client_id)
        if not await self._store_message(conv, answer, text, unsaved):
            return
        if conv.mode == "staff":
            return  # a person is answering; the console shows the message
        history, state = await self.hub.context(conv.id)
        keep = self.settings.history_turns
        arms = await chat_arms(self.experiments, conv.id, returning=bool(conv.shopper_id))
        request = TurnRequest(
            message=text,
            # A new conversation's state carries the conversation's own id, which seeds the
            # answer's wording: a transcript replays word for word (`aisle eval chat`).
            state=state if state is not None else ConversationState(conversation_id=conv.id),
            history=history[-keep:] if keep else [],
            user_id=conv.shopper_id,
            arms={placement: a.arm for placement, a in arms.items()},
        )
        try:
            await self._stream(conv, request, answer, received)
        except Exception as e:
            await self._apologise(conv, answer, _error_code(e))
        # The record carries the gateway's turn id, the one the shopper's frames carry.
        record = (answer.record or TurnRecord(turn_id="", brain="unknown")).model_copy(
            update={"turn_id": answer.turn_id}
        )
        latency = time.perf_counter() - received
        await asyncio.to_thread(
            self.store.add_turn,
            conv.id,
            turn_id=answer.turn_id,
            text=answer.text,
            cards=answer.cards,
            suggestions=answer.chips,
            record=record,
            latency_ms=latency * 1000,
            first_frame_ms=(answer.first_s or latency) * 1000,
        )
        history = [
            *history,
            {"role": "user", "content": text},
            {"role": "assistant", "content": answer.text},
        ]
        await self.hub.set_context(
            conv.id,
            history[-max(keep, 2) * 2 :],
            answer.state.model_dump(mode="json") if answer.state else (state or {}),
        )
        await record_chat_impressions(self.experiments, conv.id, arms, record, answer.cards)
        await self.hub.publish(conv.id, "assistant.done", {"turn_id": answer.turn_id})
        self._count(record, latency)
        if record.handoff:
            await self.staff.flag_for_staff(conv.id)

    async def _store_message(
        self,
        conv: Conversation,
        answer: _Answer,
        text: str,
        unsaved: Callable[[], Awaitable[None]] | None,
    ) -> bool:
        """Commit the shopper's message (and the conversation with its first); False: not ours.

        Raises:
            NotSaved: the store failed; the claim is released so that a resend is answered.
        """
        try:
            if not conv.preview:
                await asyncio.to_thread(
                    self.store.open_conversation,
                    conv.id,
                    session_id=conv.session_id,
                    shopper_id=conv.shopper_id,
                    channel="widget",
                )
            fresh = await asyncio.to_thread(
                self.store.add_user_message,
                conv.id,
                turn_id=answer.turn_id,
                client_id=answer.client_id,
                text=text,
            )
        except Exception as e:
            if await self._erased(conv.id):
                # Deleted a moment ago: end it now; the widget resends into a new chat.
                await self._end(conv.id)
                return False
            log.exception("message not stored")
            # Not acknowledged: the client may resend it with the same client id.
            await self.hub.release(conv.id, answer.client_id)
            if unsaved is not None:
                with contextlib.suppress(Exception):
                    await unsaved()
            raise NotSaved from e
        if not fresh:
            return False  # another replica took this client id first
        await self.hub.note(
            conv.id,
            "user.message",
            {"text": text, "client_id": answer.client_id, "turn_id": answer.turn_id},
        )
        if not conv.preview:
            conv.preview = self._redactor.redact(text)[:120]  # the live list shows it
            await self.hub.save(conv)
        return True

    async def _begin(self, conv: Conversation, answer: _Answer) -> None:
        """Publish `assistant.start` once, with the gateway's turn id and the client's id."""
        if not answer.started:
            answer.started = True
            await self.hub.publish(
                conv.id,
                "assistant.start",
                {"turn_id": answer.turn_id, "client_id": answer.client_id},
            )

    async def _stream(
        self, conv: Conversation, request: TurnRequest, answer: _Answer, received: float
    ) -> None:
        """Publish the assistant's events as frames; keep what the transcript needs."""

        async def still_looking() -> None:
            # The turn passed its first second in silence: the shopper hears that it goes on.
            await self._begin(conv, answer)
            await self.hub.publish(
                conv.id, "assistant.status", {"turn_id": answer.turn_id, "text": STILL_LOOKING}
            )

        # The in-process assistant's calls to the pods take their timeouts from this.
        budget = TurnBudget(received + self.settings.turn_deadline_s, self.settings.call_timeout_s)
        with turn_budget(budget):
            async for event in self._within_budget(request, received, still_looking):
                if answer.first_s is None:
                    answer.first_s = time.perf_counter() - received
                    self.metrics.first_frame.observe(answer.first_s)
                if isinstance(event, TurnStarted):
                    await self._begin(conv, answer)
                    continue
                if isinstance(event, TurnDone):
                    answer.record, answer.state = event.record, event.state
                    return
                if isinstance(event, AnswerDelta):
                    answer.chunks.append(event.text)
                elif isinstance(event, ProductsShown):
                    answer.cards = list(event.items)
                elif isinstance(event, Suggestions):
                    answer.chips = list(event.items)
                await self.hub.publish(conv.id, event.type, event.frame_data())

    async def _apologise(self, conv: Conversation, answer: _Answer, code: str) -> None:
        log.warning("turn failed (%s); the shopper gets an apology", code)
        self.metrics.errors.labels(code).inc()
        answer.record = TurnRecord(
            turn_id=answer.turn_id, brain="unknown", fallback=f"error: {code}"
        )
        await self._begin(conv, answer)
        text = ASSISTANT_DOWN if code in _DOWN_CODES else SORRY
        answer.chunks.append(text)
        await self.hub.publish(conv.id, "assistant.delta", {"text": text})

    def _count(self, record: TurnRecord, latency: float) -> None:
        self.metrics.turn_latency.observe(latency)
        self.metrics.turns.labels(record.brain, "fallback" if record.fallback else "ok").inc()
        for tool in record.tools:
            self.metrics.tool_calls.labels(tool.name, str(tool.ok)).inc()

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
        the assistant pod, its circuit breaker fails a turn at once while it is known down,
        and the pod must accept the turn (its first event, `assistant.start`, which a
        healthy pod sends before any work) within `AISLE_WEB_CALL_TIMEOUT_S`; after that
        first event only the turn's deadline bounds it (an LLM brain may think a while).

        Raises:
            TurnTimeout: the budget ran out.
            AssistantSilent: the assistant pod did not accept the turn in time.
            PartDown: the assistant pod's breaker is open.
        """
        breaker = self.breaker
        if breaker is not None:
            breaker.check()
        deadline = received + self.settings.turn_deadline_s
        status_at = received + self.settings.still_looking_s
        # Only the pod can be silent; the in-process assistant starts the turn in this loop.
        accept_by = received + self.settings.call_timeout_s if breaker is not None else None
        told = False
        events = aiter(self.runner.turn(request))
        try:
            while True:
                step = asyncio.ensure_future(anext(events))
                while True:
                    now = time.perf_counter()
                    until = deadline if told else min(deadline, status_at)
                    if accept_by is not None:
                        until = min(until, accept_by)
                    done, _ = await asyncio.wait({step}, timeout=max(0.0, until - now))
                    if done:
                        break
                    now = time.perf_counter()
                    if now >= deadline or (accept_by is not None and now >= accept_by):
                        step.cancel()
                        await asyncio.gather(step, return_exceptions=True)
                        if breaker is not None:
                            breaker.failure()
                        if now >= deadline:
                            raise TurnTimeout(self.settings.turn_deadline_s)
                        raise AssistantSilent(self.settings.call_timeout_s)
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
                accept_by = None  # the pod accepted the turn
                if not isinstance(event, TurnStarted):
                    told = True  # the assistant spoke: no "still looking" after that
                yield event
            if breaker is not None:
                breaker.success()
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(close(), 1.0)
