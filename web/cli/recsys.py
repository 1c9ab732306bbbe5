"""`aisle train`, `aisle eval recsys`, `aisle recsys ...` and `aisle serve recsys`."""

from __future__ import annotations

from web.cli import CommandGroups


def add_commands(groups: CommandGroups) -> None:
    """Add the recommendation commands."""
