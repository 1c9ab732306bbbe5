"""The widget takes its error codes and message limit from the protocol, not from copies."""

from __future__ import annotations

import re
from pathlib import Path

from web.chat.protocol import json_schema
from web.errors import ERROR_CODES

WIDGET = Path(__file__).resolve().parents[3] / "web" / "static" / "aisle.js"


def _error_notes() -> set[str]:
    body = re.search(r"const ERROR_NOTES = \{(.*?)\n  \};", WIDGET.read_text(), re.S)
    assert body, "aisle.js has no ERROR_NOTES table"
    return set(re.findall(r"^\s+([a-z_]+):", body.group(1), re.M))


def test_the_schema_publishes_every_error_code() -> None:
    schema = json_schema()
    enums = [
        d["enum"]
        for d in schema.get("$defs", {}).values()
        if isinstance(d, dict) and "rate_limited" in d.get("enum", [])
    ]
    found = [
        prop["enum"]
        for d in schema.get("$defs", {}).values()
        for prop in d.get("properties", {}).values()
        if isinstance(prop, dict) and "rate_limited" in prop.get("enum", [])
    ]
    assert {code for e in enums + found for code in e} == ERROR_CODES


def test_the_widget_words_only_codes_the_protocol_has() -> None:
    unknown = _error_notes() - ERROR_CODES
    assert not unknown, f"aisle.js words error codes the server never sends: {sorted(unknown)}"


def test_the_widget_has_no_copy_of_the_message_limit() -> None:
    text = WIDGET.read_text()
    assert "max_message_chars" in text  # read from session.welcome
    assert not re.search(r"MAX_CHARS\s*=\s*\d+", text)
