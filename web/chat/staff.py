"""Staff on a live conversation: flag for a person, take over, write to the shopper, hand back.

Each action changes the conversation in the hub (so every gateway replica sees it), is
written to the transcript, and reaches the shopper's socket as a numbered frame.
"""

from __future__ import annotations

import asyncio

from web.chat.hub import ConversationHub
from web.store import TranscriptStore

__all__ = ["StaffDesk"]


class StaffDesk:
    """What the console does to live conversations, through the hub and the store."""

    def __init__(self, hub: ConversationHub, store: TranscriptStore) -> None:
        self.hub = hub
        self.store = store

    async def flag_for_staff(self, conversation_id: str) -> None:
        """Mark a conversation as waiting for a person (the shopper asked for one)."""
        conv = await self.hub.get(conversation_id)
        if conv is None or conv.needs_human:
            return
        conv.needs_human = True
        await self.hub.save(conv)
        await asyncio.to_thread(self.store.flag_needs_human, conversation_id, True)
        await self.hub.note(conversation_id, "conversation.flagged", {"needs_human": True})

    async def takeover(self, conversation_id: str, staff: str, display: str | None = None) -> bool:
        """A staff member takes the conversation: the assistant stops answering it.

        Args:
            conversation_id: the conversation.
            staff: who, as the transcript records it (the staff account's email).
            display: the name the shopper sees (default: `staff`).

        Returns:
            False when the conversation is no longer live.
        """
        conv = await self.hub.get(conversation_id)
        if conv is None:
            return False
        shown = display or staff
        conv.mode, conv.staff, conv.needs_human = "staff", shown, False
        await self.hub.save(conv)
        await asyncio.to_thread(self.store.set_live, conversation_id, live=True, staff=staff)
        await asyncio.to_thread(self.store.flag_needs_human, conversation_id, False)
        await self.hub.publish(conversation_id, "staff.joined", {"staff": shown})
        return True

    async def staff_message(
        self, conversation_id: str, staff: str, text: str, display: str | None = None
    ) -> bool:
        """A staff member's message to the shopper (`display` is the name shown).

        Returns:
            False when the conversation is no longer live.
        """
        conv = await self.hub.get(conversation_id)
        if conv is None:
            return False
        await asyncio.to_thread(
            self.store.add_staff_message, conversation_id, staff=staff, text=text
        )
        await self.hub.publish(
            conversation_id, "staff.message", {"staff": display or staff, "text": text}
        )
        return True

    async def handback(self, conversation_id: str, staff: str, display: str | None = None) -> bool:
        """Give the conversation back to the assistant (`display` is the name shown).

        Returns:
            False when the conversation is no longer live.
        """
        conv = await self.hub.get(conversation_id)
        if conv is None:
            return False
        conv.mode, conv.staff = "assistant", None
        await self.hub.save(conv)
        await asyncio.to_thread(self.store.set_live, conversation_id, live=False, staff=staff)
        await self.hub.publish(conversation_id, "staff.left", {"staff": display or staff})
        return True
