"""Answer wording: deterministic per conversation turn, varied across turns."""

from __future__ import annotations

from assistant.brains.offline.templates import PHRASES, Phrasebook


def test_the_same_turn_reads_the_same() -> None:
    a = Phrasebook("conv-1", 3).say("results_intro", what="mugs")
    b = Phrasebook("conv-1", 3).say("results_intro", what="mugs")
    assert a == b and "mugs" in a


def test_turns_and_conversations_read_differently() -> None:
    said = {
        Phrasebook(f"conv-{n}", t).say("results_intro", what="mugs")
        for n in range(5)
        for t in range(5)
    }
    assert len(said) == len(PHRASES["results_intro"])


def test_every_phrase_fills_without_missing_values() -> None:
    values = {
        "shop": "the shop",
        "what": "mugs",
        "title": "Mug",
        "price": "£1.00",
        "url": "/p",
        "missing": "x",
        "relax": "the price",
        "options": "a",
        "aspect": "its size",
        "examples": "mugs",
        "limit": 10,
        "currency": "pounds",
        "amount": "£5",
        "thing": "a timer",
    }
    for key, variants in PHRASES.items():
        for n in range(len(variants)):
            assert "{" not in Phrasebook(key, n).say(key, **values)
