"""Intents of real shopper phrasing (MG-ShopDial and Amazon Q&A, moved to a giftware shop)."""

from __future__ import annotations

import pytest

from assistant.brains.offline.constraints import Lexicon
from assistant.brains.offline.understand import understand
from assistant.state import Constraints, ConversationState
from tests.unit.assistant.conftest import BY_ID

FRESH = ConversationState()
AFTER_LIST = ConversationState(
    shown=["M1", "M2", "M3"],
    shown_prices=[2.5, 3.25, 1.65],
    seen=["M1", "M2", "M3"],
    constraints=Constraints(query="mugs"),
)


@pytest.mark.parametrize(
    ("message", "state", "intent"),
    [
        ("Hello! I'm looking for some candles", FRESH, "find"),
        ("Hei hei", FRESH, "greeting"),
        ("Good afternoon! Is anyone here to help me?", FRESH, "identity"),
        ("only red ones", AFTER_LIST, "refine"),
        ("cheaper", AFTER_LIST, "refine"),
        ("do you have any other suggestions?", AFTER_LIST, "refine"),
        ("what about the second one?", AFTER_LIST, "product_question"),
        ("what's the price?", AFTER_LIST, "product_question"),
        ("can you send me a pic of the first one", AFTER_LIST, "product_question"),
        ("what is the difference between the first two?", AFTER_LIST, "compare"),
        ("do you have something similar to the third one?", AFTER_LIST, "similar"),
        ("what goes with the first one?", AFTER_LIST, "bought_together"),
        ("Just recommend the best available options", FRESH, "recommend"),
        ("How much is the delivery cost for Norway?", FRESH, "policy_question"),
        ("Can I pay with credit? or debit cards", FRESH, "policy_question"),
        ("can I return it?", AFTER_LIST, "policy_question"),
        ("thanks a lot", AFTER_LIST, "thanks"),
        ("have a nice day", FRESH, "goodbye"),
        ("can I talk to a real person please", FRESH, "human"),
        ("I think I'll take the first one", AFTER_LIST, "purchase"),
        ("tell me a joke", FRESH, "off_topic"),
        ("yes please", AFTER_LIST, "affirm"),
        ("no thanks", AFTER_LIST, "deny"),
        ("I'm looking for a gift", FRESH, "find"),
        (
            "is this dishwasher safe?",
            ConversationState(shown=["K2"], focus="K2"),
            "product_question",
        ),
    ],
)
def test_intents(message: str, state: ConversationState, intent: str) -> None:
    assert understand(message, state, Lexicon(), BY_ID).intent == intent


def test_a_clarifying_answer_with_nothing_new_gets_suggestions() -> None:
    state = ConversationState(pending="clarify")
    assert understand("no idea really", state, Lexicon(), BY_ID).intent == "recommend"


def test_yes_to_dropping_a_condition_drops_it() -> None:
    state = ConversationState(
        pending="relax:price", constraints=Constraints(query="mugs", price_max=0.5)
    )
    u = understand("yes", state, Lexicon(), BY_ID)
    assert u.intent == "refine" and u.constraints.price_max is None
