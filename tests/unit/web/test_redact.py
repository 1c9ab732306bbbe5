"""PII redaction: what a support person reads instead of a shopper's personal data."""

from __future__ import annotations

import pytest

from web.store.redaction import Redactor, luhn_valid

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
        ("my card is 4111 1111 1111 1111, exp 12/27", "my card is [card], exp [expiry]"),
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
        "deliver by 12/25 please",
        "size 8.5 or 9, order 12345 is late",
        "the 2 for £5 offer on 85123A and 22423",
    ],
)
def test_shopping_talk_is_kept_as_written(said: str) -> None:
    assert redact(said) == said


# Each row: how a shopper might write it, and what the store and the staff see. Cards are
# test numbers that pass the Luhn check; IBANs pass their ISO 7064 checksum.
FORMATS = [
    # cards, in every grouping a shopper types or pastes
    ("card 4111111111111111", "card [card]"),
    ("card 4111 1111 1111 1111", "card [card]"),
    ("card 4111  1111  1111  1111", "card [card]"),
    ("card 4111.1111.1111.1111", "card [card]"),
    ("card 4111/1111/1111/1111", "card [card]"),
    ("card 4111-1111-1111-1111", "card [card]"),
    ("card 4111\u00a01111\u00a01111\u00a01111", "card [card]"),
    ("card 4111\u202f1111\u20091111 1111", "card [card]"),
    ("card 41111111 11111111", "card [card]"),
    ("card 4111 111111 111111", "card [card]"),
    ("amex 3782 822463 10005", "amex [card]"),
    ("mastercard 5555 5555 5555 4444", "mastercard [card]"),
    ("discover 6011 1111 1111 1117", "discover [card]"),
    ("19 digits 4111 1111 1111 1111 003", "19 digits [card]"),
    ("4111 1111 1111 1111 12/27 123", "[card] [expiry] [cvv]"),
    ("card 5555555555554444 exp 09/2028 cvv 737", "card [card] exp [expiry] cvv [cvv]"),
    ("my cvc is 123", "my cvc is [cvv]"),
    ("security code: 4321", "security code: [cvv]"),
    ("expires 11/29", "expires [expiry]"),
    ("valid thru 03-27", "valid thru [expiry]"),
    # IBANs, grouped or not, any case
    ("iban GB82 WEST 1234 5698 7654 32", "iban [iban]"),
    ("iban GB82WEST12345698765432", "iban [iban]"),
    ("DE89 3704 0044 0532 0130 00 please", "[iban] please"),
    ("fr14 2004 1010 0505 0001 3m02 606", "[iban]"),
    ("NL91ABNA0417164300", "[iban]"),
    # UK National Insurance numbers
    ("NI number JH 12 34 56 C", "NI number [ni-number]"),
    ("ni AB123456C", "ni [ni-number]"),
    ("my nino is jg-10-37-21-a", "my nino is [ni-number]"),
    # phones, E.164 and national forms
    ("+442079460958", "[phone]"),
    ("+44 20 7946 0958", "[phone]"),
    ("020 7946 0958", "[phone]"),
    ("(020) 7946 0958", "[phone]"),
    ("0044 20 7946 0958", "[phone]"),
    ("07700 900123", "[phone]"),
    ("+1 415 555 2671", "[phone]"),
    ("+14155552671", "[phone]"),
    ("(415) 555-2671", "[phone]"),
    ("+49 30 901820", "[phone]"),
    ("+33 1 23 45 67 89", "[phone]"),
    ("+61 2 9876 5432", "[phone]"),
    # emails, plain and spelled out
    ("jane.doe+gifts@example.co.uk", "[email]"),
    ("JANE@EXAMPLE.COM", "[email]"),
    ("jane dot doe [at] example dot com", "[email]"),
    ("write to jane(at)example.com", "write to [email]"),
    # postcodes and streets
    ("SW1A 1AA", "[address]"),
    ("to m1 1ae", "to [address]"),
    ("EC1A1BB", "[address]"),
    ("221B Baker Street", "[address]"),
    ("CA 94043", "[address]"),
]


@pytest.mark.parametrize(("said", "stored"), FORMATS, ids=[f[0][:40] for f in FORMATS])
def test_a_table_of_personal_data_formats(said: str, stored: str) -> None:
    assert len(FORMATS) >= 40
    assert redact(said) == stored


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
