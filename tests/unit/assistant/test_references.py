"""Resolving "the second one", "that one", "the red one", "both" against what was shown."""

from __future__ import annotations

import pytest

from assistant.brains.offline.references import resolve
from assistant.state import ConversationState
from tests.unit.assistant.conftest import BY_ID

SHOWN = ConversationState(shown=["M1", "M2", "M3"], seen=["C1", "M1", "M2", "M3"])


@pytest.mark.parametrize(
    ("message", "ids"),
    [
        ("tell me about the second one", ["M2"]),
        ("what about the 3rd?", ["M3"]),
        ("number 1 please", ["M1"]),
        ("the last one", ["M3"]),
        ("the blue one", ["M2"]),
        ("the cheapest one", ["M3"]),
        ("compare the first two", ["M1", "M2"]),
        ("both", ["M1", "M2"]),
        ("is the enamel mug in stock?", ["M2"]),
        ("the red heart scented candle", ["C1"]),
    ],
)
def test_references(message: str, ids: list[str]) -> None:
    assert resolve(message, SHOWN, BY_ID).ids == ids


def test_it_means_the_focus_or_the_only_product_shown() -> None:
    assert resolve("is it in stock?", SHOWN.model_copy(update={"focus": "M2"}), BY_ID).ids == ["M2"]
    assert resolve("how much is it?", ConversationState(shown=["K2"]), BY_ID).ids == ["K2"]
    ambiguous = resolve("is it in stock?", SHOWN, BY_ID)
    assert ambiguous.ambiguous and ambiguous.ids == ["M1", "M2", "M3"]


def test_nothing_shown_means_no_reference() -> None:
    assert resolve("the second one", ConversationState(), BY_ID).ids == []
