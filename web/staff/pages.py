"""The console's pages: login, the list and its exports, one conversation, analytics, staff.

Pages are rendered on the server; forms post back here with the session's CSRF token
and redirect (POST, redirect, GET), so everything works without JavaScript.
console.js only adds the live parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from web.errors import WebError
from web.staff import actions, charts
from web.staff.auth import Admin, Agent, Viewer, display_name, session_of, staff_of
from web.staff.errors import BadRequest
from web.staff.filters import FLAGS, RATINGS, SORTS, parse_list_query
from web.staff.state import DeskDep, StateDep
from web.staff.templating import SECURITY_HEADERS, render, render_text
from web.staff.throttle import login_keys
from web.store import (
    ROLES,
    ConversationDetail,
    EventView,
    MessageView,
    NoteView,
    Role,
    StaffUser,
)

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/console", include_in_schema=False)

HOME = "/console/conversations"


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def _safe_next(target: str | None) -> str:
    """Where to go after login: only a path inside the console (no open redirect)."""
    if not target:
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/"):
        return HOME
    if parts.path.startswith("/console/login"):
        return HOME
    return target


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# -- login -----------------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, state: StateDep, next: str = "") -> Response:
    """The login form (public); a logged-in staff member goes straight to the console."""
    if await staff_of(request) is not None:
        return _redirect(_safe_next(next))
    session = session_of(request)
    # A cookie of a disabled or deleted account is replaced, not followed in a loop.
    fresh = session if session is not None and not session.logged_in else None
    fresh = fresh or state.sessions.anonymous()
    request.state.staff_session = fresh
    response = render(request, "login.html", next=_safe_next(next), error=None, email="")
    state.sessions.set_cookie(response, fresh)
    return response


@router.post("/login")
async def login(
    request: Request,
    state: StateDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Log in (public, CSRF-checked, rate-limited per IP and email)."""
    session = session_of(request)
    target = _safe_next(next)

    def again(status: int, error: str, headers: dict[str, str] | None = None) -> Response:
        fresh = session if session is not None else state.sessions.anonymous()
        request.state.staff_session = fresh
        response = render(
            request,
            "login.html",
            status=status,
            headers=headers,
            next=target,
            error=error,
            email=email,
        )
        state.sessions.set_cookie(response, fresh)
        return response

    if session is None or not session.csrf_matches(csrf_token):
        return again(403, "This login form expired. Please try again.")
    waits = [
        await state.throttle.hit(key, limit)
        for key, limit in login_keys(
            _client_ip(request), email, state.settings.login_attempts_per_minute
        )
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        seconds = int(wait + 0.999)
        log.warning("login attempts over the limit from one address")
        return again(
            429,
            f"Too many login attempts. Try again in {seconds} seconds.",
            {"Retry-After": str(seconds)},
        )
    user = await state.run(state.accounts.authenticate, email, password)
    if user is None:
        return again(401, "Wrong email or password.")
    response = _redirect(target)
    state.sessions.set_cookie(response, state.sessions.login(user))
    log.info("staff user %d logged in", user.id)
    return response


@router.post("/logout")
async def logout(user: Viewer, state: StateDep) -> Response:
    """Log out: every session of the account ends on the server, and the cookie is removed."""
    await state.run(state.accounts.end_sessions, user.email)
    log.info("staff user %d logged out", user.id)
    response = _redirect("/console/login")
    state.sessions.clear_cookie(response)
    return response


@router.get("")
@router.get("/")
async def home(user: Viewer) -> Response:
    """The console starts at the conversation list."""
    return _redirect(HOME)


# -- the list and exports --------------------------------------------------------------


@router.get("/conversations")
async def conversations(request: Request, user: Viewer, state: StateDep) -> Response:
    """Conversations with full-text search, filters, sort and keyset pages."""
    query = parse_list_query(request.query_params)
    console = state.console
    page = await state.run(
        console.list_conversations,
        query.filter,
        sort=query.sort,
        cursor=query.cursor,
        limit=query.limit,
    )
    total = await state.run(console.count_conversations, query.filter)
    tags = await state.run(console.tags)
    brains = await state.run(console.brains)
    return render(
        request,
        "conversations.html",
        query=query,
        page=page,
        total=total,
        tags=tags,
        brains=brains,
        flags=FLAGS,
        ratings=RATINGS,
        sorts=SORTS,
        first_page=query.cursor is not None,
    )


def _attachment(name: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


@router.get("/conversations.csv")
async def export_csv(request: Request, user: Viewer, state: StateDep) -> Response:
    """The filtered list as CSV, one row per conversation (streamed)."""
    query = parse_list_query(request.query_params)
    rows = state.console.export_csv(query.filter, sort=query.sort)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    log.info("staff user %d exported conversations as CSV", user.id)
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers=_attachment(f"aisle-conversations-{stamp}.csv"),
    )


@router.get("/conversations.jsonl")
async def export_jsonl(request: Request, user: Viewer, state: StateDep) -> Response:
    """The filtered conversations in full detail as JSON Lines (streamed)."""
    query = parse_list_query(request.query_params)
    rows = state.console.export_jsonl(query.filter, sort=query.sort)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    log.info("staff user %d exported conversations as JSON Lines", user.id)
    return StreamingResponse(
        rows,
        media_type="application/x-ndjson; charset=utf-8",
        headers=_attachment(f"aisle-conversations-{stamp}.jsonl"),
    )


# -- one conversation ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of the transcript: a message, or an event shown between messages."""

    kind: str
    item: MessageView | EventView


# Events worth a line in the chat; views are many and say little.
TIMELINE_EVENTS = frozenset({"click", "cart", "staff.joined", "staff.left"})


def _transcript_context(detail: ConversationDetail, user: StaffUser) -> dict[str, Any]:
    by_turn: dict[str, list[NoteView]] = {}
    general: list[NoteView] = []
    for note in detail.notes:
        if note.turn_id:
            by_turn.setdefault(note.turn_id, []).append(note)
        else:
            general.append(note)
    titles: dict[str, str] = {}
    for m in detail.messages:
        for card in m.turn.cards if m.turn else []:
            titles[str(card.get("id"))] = str(card.get("title") or card.get("id"))
    # Messages keep their stored order; an event goes after the messages before it.
    timeline = [Entry("message", m) for m in detail.messages]
    for e in detail.events:
        if e.name not in TIMELINE_EVENTS:
            continue
        at = next((i for i, x in enumerate(timeline) if x.item.at > e.at), len(timeline))
        timeline.insert(at, Entry("event", e))
    return {
        "detail": detail,
        "summary": detail.summary,
        "timeline": timeline,
        "titles": titles,
        "views": sum(e.name == "view" for e in detail.events),
        "turn_notes": by_turn,
        "notes": general,
        "can_annotate": user.can("agent"),
    }


@router.get("/conversations/{conversation_id}")
async def conversation(
    conversation_id: str, request: Request, user: Viewer, state: StateDep, desk: DeskDep
) -> Response:
    """One conversation as the shopper saw it, with what happened beside each answer."""
    detail = await state.run(state.console.conversation, conversation_id)
    live = await desk.hub.get(conversation_id)
    return render(
        request,
        "conversation.html",
        live=live,
        me=display_name(user),
        can_take_over=user.can("agent"),
        **_transcript_context(detail, user),
    )


@router.get("/conversations/{conversation_id}/transcript")
async def transcript(
    conversation_id: str, request: Request, user: Viewer, state: StateDep
) -> Response:
    """The transcript part of the conversation page (the live view refreshes it in place)."""
    detail = await state.run(state.console.conversation, conversation_id)
    html = render_text(request, "_transcript.html", **_transcript_context(detail, user))
    return Response(html, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


@router.get("/conversations/{conversation_id}/testcase.yaml")
async def test_case(conversation_id: str, user: Viewer, state: StateDep) -> Response:
    """ "Save as test case": the conversation as a dialogue for `aisle eval chat` (YAML)."""
    dialogue = await state.run(state.console.test_case, conversation_id)
    suite = {"name": f"from transcript {conversation_id}", "dialogues": [dialogue]}
    header = (
        f"# Saved from the Aisle console: conversation {conversation_id}.\n"
        "# Run it: aisle eval chat --data-dir var --suite this-file.yaml\n"
        "# Or append the dialogue to data/demo/chat_suite.yaml as a regression test.\n"
    )
    body = header + yaml.safe_dump(suite, sort_keys=False, allow_unicode=True, width=100)
    name = f"aisle-testcase-{conversation_id[:12]}.yaml"
    return Response(body, media_type="application/yaml; charset=utf-8", headers=_attachment(name))


def _back(conversation_id: str, anchor: str = "") -> RedirectResponse:
    return _redirect(f"/console/conversations/{quote(conversation_id)}{anchor}")


@router.post("/conversations/{conversation_id}/tags")
async def add_tag(
    conversation_id: str, user: Agent, state: StateDep, tag: Annotated[str, Form()] = ""
) -> Response:
    """Tag the conversation."""
    await state.run(state.console.tag, conversation_id, tag, staff=user.email)
    return _back(conversation_id, "#tags")


@router.post("/conversations/{conversation_id}/tags/remove")
async def remove_tag(
    conversation_id: str, user: Agent, state: StateDep, tag: Annotated[str, Form()] = ""
) -> Response:
    """Remove a tag."""
    await state.run(state.console.untag, conversation_id, tag)
    return _back(conversation_id, "#tags")


@router.post("/conversations/{conversation_id}/notes")
async def add_note(
    conversation_id: str,
    user: Agent,
    state: StateDep,
    text: Annotated[str, Form()] = "",
    turn_id: Annotated[str, Form()] = "",
) -> Response:
    """Add a note to the conversation, or to one of its answers."""
    await state.run(
        state.console.add_note, conversation_id, text, staff=user.email, turn_id=turn_id or None
    )
    return _back(conversation_id, f"#turn-{turn_id}" if turn_id else "#notes")


@router.post("/conversations/{conversation_id}/rating")
async def rate_conversation(
    conversation_id: str, user: Agent, state: StateDep, rating: Annotated[str, Form()] = ""
) -> Response:
    """Rate the whole conversation 1-5 (empty clears the rating)."""
    value = actions.rating_value(rating)
    await state.run(state.console.rate_conversation, conversation_id, value, staff=user.email)
    return _back(conversation_id, "#rating")


@router.post("/conversations/{conversation_id}/turns/{turn_id}/rating")
async def rate_turn(
    conversation_id: str,
    turn_id: str,
    user: Agent,
    state: StateDep,
    rating: Annotated[str, Form()] = "",
) -> Response:
    """Rate one answer 1-5 (empty clears the rating)."""
    value = actions.rating_value(rating)
    await state.run(state.console.rate_turn, conversation_id, turn_id, value, staff=user.email)
    return _back(conversation_id, f"#turn-{turn_id}")


@router.post("/conversations/{conversation_id}/takeover")
async def take_over(conversation_id: str, user: Agent, state: StateDep, desk: DeskDep) -> Response:
    """Take over the conversation in progress (the form behind the "Take over" button)."""
    await actions.take_over(state, desk, conversation_id, user)
    return _back(conversation_id, "#live")


@router.post("/conversations/{conversation_id}/messages")
async def staff_message(
    conversation_id: str,
    user: Agent,
    state: StateDep,
    desk: DeskDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    """Write to the shopper (after taking over)."""
    await actions.send_staff_message(state, desk, conversation_id, user, text)
    return _back(conversation_id, "#live")


@router.post("/conversations/{conversation_id}/handback")
async def hand_back(conversation_id: str, user: Agent, desk: DeskDep) -> Response:
    """Hand the conversation back to the assistant."""
    await actions.hand_back(desk, conversation_id, user)
    return _back(conversation_id, "#live")


# -- analytics -------------------------------------------------------------------------


def _day_param(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise BadRequest(f"{name} must be a date like 2025-03-01") from e


@router.get("/analytics")
async def analytics(
    request: Request, user: Viewer, state: StateDep, since: str = "", until: str = ""
) -> Response:
    """Conversations per day, CSAT, top and zero-result queries, click-through and rates."""
    last = _day_param(until, "until") or datetime.now(UTC).date()
    first = _day_param(since, "since") or last - timedelta(days=29)
    if first > last:
        raise BadRequest("since must not be after until")
    if (last - first).days > 366:
        raise BadRequest("show at most a year at a time")
    start = datetime.combine(first, time(), UTC)
    end = datetime.combine(last, time(), UTC) + timedelta(days=1)
    data = await state.run(state.console.analytics, start, end, top=10)
    per_day = [(d.day.strftime("%d %b"), float(d.conversations)) for d in data.per_day]
    return render(
        request,
        "analytics.html",
        data=data,
        since=first.isoformat(),
        until=last.isoformat(),
        per_day_chart=charts.column_chart(
            per_day, label=f"Conversations per day, {first} to {last}"
        ),
        outcome_chart=charts.rate_bars(
            [
                ("CSAT (positive ratings)", data.csat),
                ("Recommendation click-through", data.click_through),
                ("Add-to-cart per conversation", data.add_to_cart_rate),
            ],
            label="Shopper outcomes",
        ),
        quality_chart=charts.rate_bars(
            [
                ("Fallback brain (turns)", data.fallback_rate),
                ("Guardrail hit (turns)", data.guardrail_rate),
                ("Zero results (turns)", data.zero_result_rate),
                ("Asked for a person", data.handoff_rate),
            ],
            label="Answer quality",
        ),
        top_chart=charts.bar_list(
            [(q.query, float(q.count)) for q in data.top_queries], label="Top first messages"
        ),
        zero_chart=charts.bar_list(
            [(q.query, float(q.count)) for q in data.zero_result_queries],
            label="Queries with no results",
            css="warn",
        ),
    )


# -- staff accounts (admin) ------------------------------------------------------------


@router.get("/staff")
async def staff(request: Request, user: Admin, state: StateDep) -> Response:
    """Staff accounts: add, change role, reset password, disable."""
    users = await state.run(state.accounts.list_users)
    return render(request, "staff.html", users=users, roles=ROLES)


def _role(value: str) -> Role:
    for role in ROLES:
        if role == value:
            return role
    raise BadRequest(f"role must be one of {', '.join(ROLES)}")


def _not_yourself(user: StaffUser, email: str, what: str) -> None:
    if email.strip().lower() == user.email:
        raise BadRequest(f"you cannot {what} your own account; ask another admin")


@router.post("/staff")
async def add_staff(
    user: Admin,
    state: StateDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
) -> Response:
    """Add a staff account."""
    added = await state.run(state.accounts.add, email, password, _role(role))
    log.info("staff user %d added staff user %d (%s)", user.id, added.id, added.role)
    return _redirect("/console/staff")


@router.post("/staff/role")
async def set_role(
    user: Admin,
    state: StateDep,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    """Change a staff member's role."""
    _not_yourself(user, email, "change the role of")
    await state.run(state.accounts.set_role, email, _role(role))
    return _redirect("/console/staff")


@router.post("/staff/password")
async def set_password(
    user: Admin,
    state: StateDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Set a staff member's password: every session of theirs ends (yours goes on, renewed)."""
    changed = await state.run(state.accounts.set_password, email, password)
    response = _redirect("/console/staff")
    if changed.id == user.id:
        state.sessions.set_cookie(response, state.sessions.login(changed))
    return response


@router.post("/staff/disable")
async def disable(user: Admin, state: StateDep, email: Annotated[str, Form()] = "") -> Response:
    """Stop a staff member from logging in (their sessions end at once)."""
    _not_yourself(user, email, "disable")
    await state.run(state.accounts.disable, email)
    return _redirect("/console/staff")


@router.post("/staff/enable")
async def enable(user: Admin, state: StateDep, email: Annotated[str, Form()] = "") -> Response:
    """Let a disabled staff member log in again."""
    await state.run(state.accounts.enable, email)
    return _redirect("/console/staff")


def error_page(request: Request, error: WebError) -> Response:
    """An error as a console page (the API answers JSON instead)."""
    return render(
        request, "error.html", status=error.status, headers=error.headers(), error=error, back=None
    )
