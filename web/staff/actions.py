"""What staff do to a conversation, shared by the console's forms and its JSON API.

Live actions go through the gateway (so the shopper's socket hears them, on whichever
replica it is); annotations go to the transcript store.
"""

from __future__ import annotations

import logging

from web.chat.hub import Conversation
from web.chat.staff import StaffDesk
from web.staff.auth import display_name
from web.staff.errors import BadRequest, Conflict
from web.staff.state import ConsoleState
from web.store import StaffUser

__all__ = ["hand_back", "live_conversation", "rating_value", "send_staff_message", "take_over"]

log = logging.getLogger(__name__)


async def live_conversation(desk: StaffDesk, conversation_id: str) -> Conversation:
    """The gateway's state of a conversation in progress.

    Raises:
        Conflict: the conversation has ended (the gateway no longer keeps it).
    """
    conv = await desk.hub.get(conversation_id)
    if conv is None:
        raise Conflict(
            "this conversation has ended; only a conversation in progress can be joined",
            "not_live",
        )
    return conv


async def take_over(
    state: ConsoleState, desk: StaffDesk, conversation_id: str, user: StaffUser
) -> Conversation:
    """Join a conversation in progress: the shopper sees `staff.joined`, the assistant stops.

    Taking over a conversation you hold already changes nothing.

    Raises:
        Conflict: it has ended, or another staff member holds it.
    """
    conv = await live_conversation(desk, conversation_id)
    name = display_name(user)
    if conv.mode == "staff":
        if conv.staff == name:
            return conv
        raise Conflict(f"{conv.staff} is answering this conversation already", "taken")
    if not await desk.takeover(conversation_id, user.email, display=name):
        raise Conflict("this conversation has just ended", "not_live")
    log.info("staff user %d took over conversation %s", user.id, conversation_id)
    return await live_conversation(desk, conversation_id)


async def send_staff_message(
    state: ConsoleState, desk: StaffDesk, conversation_id: str, user: StaffUser, text: str
) -> None:
    """Write to the shopper as yourself (`staff.message`); only while the conversation is taken.

    Raises:
        BadRequest: an empty or over-long message.
        Conflict: it has ended or is not taken over.
    """
    body = text.strip()
    limit = state.settings.max_message_chars
    if not body:
        raise BadRequest("the message is empty", "empty_message")
    if len(body) > limit:
        raise BadRequest(f"messages are limited to {limit} characters", "message_too_long")
    conv = await live_conversation(desk, conversation_id)
    if conv.mode != "staff":
        raise Conflict("take the conversation over before writing to the shopper", "not_taken")
    if not await desk.staff_message(
        conversation_id, user.email, body, display=display_name(user)
    ):
        raise Conflict("this conversation has just ended", "not_live")


async def hand_back(desk: StaffDesk, conversation_id: str, user: StaffUser) -> None:
    """Give the conversation back to the assistant (`staff.left`).

    Any agent may hand back, so a conversation never stays stuck with someone gone home.

    Raises:
        Conflict: it has ended or is not taken over.
    """
    conv = await live_conversation(desk, conversation_id)
    if conv.mode != "staff":
        raise Conflict("the assistant is answering this conversation already", "not_taken")
    if not await desk.handback(
        conversation_id, user.email, display=conv.staff or display_name(user)
    ):
        raise Conflict("this conversation has just ended", "not_live")
    log.info("staff user %d handed conversation %s back", user.id, conversation_id)


def rating_value(raw: str | int | None) -> int | None:
    """A staff rating from a form or JSON: 1-5, or empty/None to clear it.

    Raises:
        BadRequest: anything else.
    """
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError as e:
        raise BadRequest("a rating is 1 to 5") from e
    if not 1 <= value <= 5:
        raise BadRequest("a rating is 1 to 5")
    return value
