"""Protocol v1 frames: validation answers and the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from web.chat.protocol import BadFrame, MessageFrame, dumps_schema, parse_client_frame

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "web" / "chat" / "protocol.schema.json"


def test_the_committed_schema_matches_the_models() -> None:
    assert SCHEMA_FILE.read_text() == dumps_schema(), (
        "web/chat/protocol.schema.json is stale: "
        "python -m web.chat.protocol > web/chat/protocol.schema.json"
    )


def test_the_schema_lists_every_frame_type_of_the_design() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    defs = schema["$defs"]

    def types(union: str) -> set[str]:
        return {
            defs[ref["$ref"].split("/")[-1]]["properties"]["type"]["const"]
            for ref in defs[union]["oneOf"]
        }

    assert types("ClientFrame") == {
        "session.hello",
        "user.message",
        "user.event",
        "user.feedback",
        "ping",
    }
    assert types("ServerFrame") == {
        "session.welcome",
        "assistant.start",
        "assistant.delta",
        "assistant.status",
        "products.shown",
        "suggestions",
        "assistant.done",
        "staff.joined",
        "staff.message",
        "staff.left",
        "error",
        "pong",
    }


def test_a_valid_message_parses_to_its_typed_frame() -> None:
    raw = '{"v":1,"type":"user.message","id":"a1","data":{"text":"candles","client_id":"c1"}}'
    parsed = parse_client_frame(raw)
    assert isinstance(parsed, MessageFrame)
    assert parsed.data.text == "candles" and parsed.data.client_id == "c1"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{nope", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('{"v":2,"type":"ping","id":"a","data":{}}', "bad_version"),
        ('{"v":1,"type":"user.shout","id":"a","data":{}}', "unknown_type"),
        ('{"v":1,"type":"user.message","id":"a","data":{"text":"hi"}}', "bad_frame"),
        (
            '{"v":1,"type":"user.event","id":"a","data":{"name":"buy","product_id":"1"}}',
            "bad_frame",
        ),
        ('{"v":1,"type":"user.feedback","id":"a","data":{"turn_id":"t","rating":9}}', "bad_frame"),
        ('{"v":1,"type":"ping","id":"","data":{}}', "bad_frame"),
        ('{"v":1,"type":"ping","id":"a","data":{"extra":1}}', "bad_frame"),
    ],
)
def test_bad_frames_are_named_by_code(raw: str, code: str) -> None:
    with pytest.raises(BadFrame) as bad:
        parse_client_frame(raw)
    assert bad.value.code == code
    assert bad.value.message
