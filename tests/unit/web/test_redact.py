"""PII redaction: what a support person reads instead of a shopper's personal data."""

from __future__ import annotations

import pytest

from web.transcripts.redact import Redactor, luhn_valid

redact = Redactor(True).redact


@pytest.mark.parametrize(
    ("said", "stored"),
    [
        ("mail me at jane.doe+shop@example.co.uk please", "mail me at [email] please"),
        ("JANE@EXAMPLE.COM", "[email]"),
        ("call 07700 900123 after six", "call [phone] after six"),
        ("+44 20 7946 0958", "[phone]"),
        ("(555) 123-4567", "[phone]"),
        ("555.123.4567", "[phone]"),
        ("+33 1 23 45 67 89", "[phone]"),
        ("my card is 4111 1111 1111 1111, exp 12/27", "my card is [card], exp 12/27"),
        ("5500-0000-0000-0004", "[card]"),
        ("378282246310005", "[card]"),
        ("I live at 221B Baker Street, London NW1 6XE", "I live at [address], London [address]"),
        ("send it to 12 kings road", "send it to [address]"),
        ("5 Elm Close", "[address]"),
        (
            "1600 Amphitheatre Parkway, Mountain View, CA 94043",
            "[address], Mountain View, [address]",
        ),
    ],
)
def test_personal_data_becomes_a_placeholder(said: str, stored: str) -> None:
    assert redact(said) == stored


@pytest.mark.parametrize(
    "said",
    [
        "red candles under £12.50 or 13.50",
        "do you have 85123A or 22423 in stock?",
        "sizes 10 12 14 16 18",
        "pack of 12 for 2.50",
        "3 red candles under 5 pounds",
        "2 table place mats",
        "in 2023 and 2024",
        "a 4111 1111 1111 1112 lookalike that fails Luhn is kept",
        "cheaper than the second one",
    ],
)
def test_shopping_talk_is_kept_as_written(said: str) -> None:
    assert redact(said) == said


def test_luhn_checks_card_numbers() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("")


def test_tool_arguments_are_redacted_inside_nested_values() -> None:
    args = {"query": "gift for jane@example.com", "filters": {"exclude": ["07700 900123"]}, "k": 4}
    assert Redactor(True).redact_value(args) == {
        "query": "gift for [email]",
        "filters": {"exclude": ["[phone]"]},
        "k": 4,
    }


def test_a_disabled_redactor_keeps_everything() -> None:
    off = Redactor(False)
    assert off.redact("jane@example.com, 07700 900123") == "jane@example.com, 07700 900123"
    assert off.redact_value({"q": "jane@example.com"}) == {"q": "jane@example.com"}
