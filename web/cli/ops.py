"""`aisle ops` commands (being built)."""

from __future__ import annotations

from web.cli import CommandGroups


def add_commands(groups: CommandGroups) -> None:
    """Add the commands of this area (none yet)."""
