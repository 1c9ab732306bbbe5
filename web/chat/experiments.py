"""The chat's hooks into experiments: each turn gets its conversation's arms, and a turn whose
recommendation tool answered from an arm records the cards it showed as that arm's impression.

The placement of a tool is assistant's `ARM_PLACEMENTS`; a tool that fell back to the catalog
or to the served model names no arm, and nothing is recorded for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant import ProductCard, TurnRecord
from assistant.tools import ARM_PLACEMENTS
from web.experiments import Assignment, Experiments

__all__ = ["chat_arms", "record_chat_impressions"]


async def chat_arms(
    experiments: Experiments | None, conversation_id: str, *, returning: bool
) -> dict[str, Assignment]:
    """The conversation's arm in each chat placement (none when experiments are off)."""
    if experiments is None or not conversation_id:
        return {}
    out = {}
    for placement in ARM_PLACEMENTS.values():
        assignment = await experiments.assign(placement, conversation_id, returning=returning)
        if assignment is not None:
            out[placement] = assignment
    return out


async def record_chat_impressions(
    experiments: Experiments | None,
    conversation_id: str,
    arms: dict[str, Assignment],
    record: TurnRecord,
    cards: Sequence[ProductCard],
) -> None:
    """Record the turn's cards as the impression of the arm whose tool produced them
    (before the turn's `assistant.done`, so a click that follows always finds it)."""
    if experiments is None or not cards:
        return
    ids = [c.id for c in cards if c.id]
    for tool in record.tools:
        placement = ARM_PLACEMENTS.get(tool.name)
        assignment = arms.get(placement) if placement else None
        if assignment is not None and tool.ok and tool.arm == assignment.arm:
            await experiments.served(assignment, conversation_id, ids)
            return  # one list per turn: the first recommending tool's
