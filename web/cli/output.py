"""Terminal output for the `aisle` CLI: the one place that writes to stdout."""

from __future__ import annotations

import json
import sys
from typing import Any


def echo(text: str = "", *, err: bool = False) -> None:
    """Write one line to stdout (or stderr), flushing so pipes see it at once."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def echo_json(obj: Any) -> None:
    """Write one JSON document to stdout."""
    echo(json.dumps(obj, indent=2, sort_keys=False, default=str))


def table(rows: list[list[str]], headers: list[str]) -> str:
    """Format rows as a plain fixed-width table."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)
