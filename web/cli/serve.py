"""`aisle serve` for the whole system; each part adds `aisle serve <part>` itself."""

from __future__ import annotations

from web.cli import CommandGroups


def add_commands(groups: CommandGroups) -> None:
    """Nothing yet: the web gateway issue adds `aisle serve` (all parts in one process)."""
