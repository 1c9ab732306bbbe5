"""The staff JSON API (`/api/staff/...`): what the console's scripts call, and tools may too.

Authentication is the console's session cookie; every POST, PUT, PATCH and DELETE needs
the session's CSRF token in `X-CSRF-Token`. Anonymous calls get 401, a role too low 403.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from web.staff import actions
from web.staff.auth import Admin, Agent, Viewer, display_name
from web.staff.errors import BadRequest
from web.staff.filters import parse_list_query
from web.staff.live import LiveRow, live_rows
from web.staff.state import DeskDep, StateDep
from web.store import (
    Analytics,
    ConversationDetail,
    NoteView,
    Page,
    Role,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/staff", tags=["staff"])


class Me(BaseModel):
    """The logged-in staff member."""

    email: str
    role: Role
    name: str = Field(description="what shoppers see when this person joins a chat")
    csrf_token: str


class LiveState(BaseModel):
    """A conversation's live state after a takeover or handback."""

    conversation_id: str
    mode: str
    staff: str | None


class TagBody(BaseModel):
    """A tag to add."""

    tag: str = Field(min_length=1, max_length=64)


class NoteBody(BaseModel):
    """A staff note, on the conversation or one answer."""

    text: str = Field(min_length=1, max_length=10_000)
    turn_id: str | None = None


class RatingBody(BaseModel):
    """A staff rating, 1-5; null clears it."""

    rating: int | None = Field(default=None, ge=1, le=5)


class MessageBody(BaseModel):
    """A message to the shopper."""

    text: str = Field(min_length=1, max_length=10_000)


class StaffBody(BaseModel):
    """A new staff account."""

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    role: Role = "viewer"


class StaffChange(BaseModel):
    """Changes to a staff account; fields left out stay as they are."""

    role: Role | None = None
    password: str | None = Field(default=None, max_length=1024)
    disabled: bool | None = None


class StaffView(BaseModel):
    """A staff account as the admin sees it."""

    email: str
    role: Role
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


@router.get("/me", response_model=Me)
async def me(request: Request, user: Viewer) -> Me:
    """Who is logged in, and the CSRF token their scripts send."""
    return Me(
        email=user.email,
        role=user.role,
        name=display_name(user),
        csrf_token=request.state.staff_session.csrf,
    )


@router.get("/conversations", response_model=Page)
async def list_conversations(request: Request, user: Viewer, state: StateDep) -> Page:
    """A page of conversations; the console list's query parameters (q, since, until, flags
    as yes/no, rating, tag, brain, state, sort, cursor, limit)."""
    query = parse_list_query(request.query_params)
    page: Page = await state.run(
        state.console.list_conversations,
        query.filter,
        sort=query.sort,
        cursor=query.cursor,
        limit=query.limit,
    )
    return page


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
async def get_conversation(
    conversation_id: str, user: Viewer, state: StateDep
) -> ConversationDetail:
    """Everything stored about one conversation."""
    detail: ConversationDetail = await state.run(state.console.conversation, conversation_id)
    return detail


@router.post("/conversations/{conversation_id}/tags", status_code=201)
async def add_tag(
    conversation_id: str, body: TagBody, user: Agent, state: StateDep
) -> dict[str, str]:
    """Tag a conversation; returns the tag as stored (lowercased)."""
    tag = await state.run(state.console.tag, conversation_id, body.tag, staff=user.email)
    return {"tag": tag}


@router.delete("/conversations/{conversation_id}/tags/{tag}")
async def remove_tag(
    conversation_id: str, tag: str, user: Agent, state: StateDep
) -> dict[str, bool]:
    """Remove a tag; `removed` is false when the conversation did not have it."""
    removed = await state.run(state.console.untag, conversation_id, tag)
    return {"removed": bool(removed)}


@router.post("/conversations/{conversation_id}/notes", status_code=201, response_model=NoteView)
async def add_note(conversation_id: str, body: NoteBody, user: Agent, state: StateDep) -> NoteView:
    """Add a note to the conversation or one of its answers."""
    note: NoteView = await state.run(
        state.console.add_note, conversation_id, body.text, staff=user.email, turn_id=body.turn_id
    )
    return note


@router.put("/conversations/{conversation_id}/rating")
async def rate_conversation(
    conversation_id: str, body: RatingBody, user: Agent, state: StateDep
) -> dict[str, Any]:
    """Rate the conversation 1-5 (null clears it)."""
    await state.run(state.console.rate_conversation, conversation_id, body.rating, staff=user.email)
    return {"rating": body.rating}


@router.put("/conversations/{conversation_id}/turns/{turn_id}/rating")
async def rate_turn(
    conversation_id: str, turn_id: str, body: RatingBody, user: Agent, state: StateDep
) -> dict[str, Any]:
    """Rate one answer 1-5 (null clears it)."""
    await state.run(
        state.console.rate_turn, conversation_id, turn_id, body.rating, staff=user.email
    )
    return {"rating": body.rating}


@router.post("/conversations/{conversation_id}/takeover", response_model=LiveState)
async def take_over(
    conversation_id: str, user: Agent, state: StateDep, desk: DeskDep
) -> LiveState:
    """Take over a conversation in progress (409 when it ended or someone else holds it)."""
    conv = await actions.take_over(state, desk, conversation_id, user)
    return LiveState(conversation_id=conv.id, mode=conv.mode, staff=conv.staff)


@router.post("/conversations/{conversation_id}/messages", status_code=202)
async def staff_message(
    conversation_id: str, body: MessageBody, user: Agent, state: StateDep, desk: DeskDep
) -> dict[str, bool]:
    """Write to the shopper (409 unless the conversation is taken over)."""
    await actions.send_staff_message(state, desk, conversation_id, user, body.text)
    return {"sent": True}


@router.post("/conversations/{conversation_id}/handback", response_model=LiveState)
async def hand_back(conversation_id: str, user: Agent, desk: DeskDep) -> LiveState:
    """Give the conversation back to the assistant."""
    await actions.hand_back(desk, conversation_id, user)
    return LiveState(conversation_id=conversation_id, mode="assistant", staff=None)


@router.get("/live", response_model=list[LiveRow])
async def live(user: Viewer, state: StateDep, desk: DeskDep) -> list[LiveRow]:
    """Conversations in progress, those waiting for a person first."""
    return await live_rows(state, desk)


def _in_range(value: datetime) -> datetime:
    if not FIRST_MOMENT <= value <= LAST_MOMENT:
        raise ValueError(f"must be between {FIRST_MOMENT:%Y} and {LAST_MOMENT:%Y}")
    return value


# A time-zone-aware instant in years the store can hold and subtract 30 days from.
FIRST_MOMENT = datetime(1970, 1, 1, tzinfo=UTC)
LAST_MOMENT = datetime(2999, 12, 31, tzinfo=UTC)
Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]


@router.get("/analytics", response_model=Analytics)
async def analytics(
    user: Viewer,
    state: StateDep,
    since: Annotated[Moment | None, Query(description="ISO 8601 with a time zone")] = None,
    until: Annotated[Moment | None, Query(description="ISO 8601 with a time zone")] = None,
) -> Analytics:
    """The analytics figures over [since, until) (default: the last 30 days)."""
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=30)
    if start >= end:
        raise BadRequest("since must be before until")
    result: Analytics = await state.run(state.console.analytics, start, end)
    return result


def _view(u: Any) -> StaffView:
    return StaffView(
        email=u.email,
        role=u.role,
        disabled=u.disabled,
        created_at=u.created_at,
        last_login_at=u.last_login_at,
    )


@router.get("/users", response_model=list[StaffView])
async def list_users(user: Admin, state: StateDep) -> list[StaffView]:
    """Every staff account."""
    return [_view(u) for u in await state.run(state.accounts.list_users)]


@router.post("/users", status_code=201, response_model=StaffView)
async def add_user(body: StaffBody, user: Admin, state: StateDep) -> StaffView:
    """Add a staff account."""
    return _view(await state.run(state.accounts.add, body.email, body.password, body.role))


@router.patch("/users/{email}", response_model=StaffView)
async def change_user(
    email: str,
    user: Admin,
    state: StateDep,
    body: Annotated[StaffChange, Body()],
    response: Response,
) -> StaffView:
    """Change a staff account's role, password or disabled state."""
    yourself = email.strip().lower() == user.email
    if yourself and (body.disabled or (body.role is not None and body.role != user.role)):
        raise BadRequest("you cannot disable or change the role of your own account")
    changed = None
    if body.role is not None:
        changed = await state.run(state.accounts.set_role, email, body.role)
    if body.password is not None:
        # Every session of that account ends; your own goes on with a renewed cookie.
        changed = await state.run(state.accounts.set_password, email, body.password)
        if changed.id == user.id:
            state.sessions.set_cookie(response, state.sessions.login(changed))
    if body.disabled is not None:
        call = state.accounts.disable if body.disabled else state.accounts.enable
        changed = await state.run(call, email)
    if changed is None:
        found = await state.run(state.accounts.get, email)
        if found is None:
            raise BadRequest(f"no staff user {email}")
        changed = found
    return _view(changed)
