"""PII redaction at rest: emails, phone numbers, Luhn-valid card numbers and street addresses.

The store runs every shopper, assistant and staff text (and the strings inside tool
arguments) through `Redactor.redact` before it is written, so with redaction on the
original never reaches the database. Detection leans towards redacting: a support
person reading "[phone]" loses little, a shopper whose number is kept loses more.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["PLACEHOLDERS", "Redactor", "luhn_valid"]

PLACEHOLDERS = {
    "email": "[email]",
    "card": "[card]",
    "phone": "[phone]",
    "address": "[address]",
}

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# 13 to 19 digits, optionally grouped by single spaces or dashes (4-4-4-4, 4-6-5 ...).
_CARD = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w])")

# Digit groups of 1-5 joined by one separator, an optional +country code or (area) code.
_PHONE = re.compile(
    r"(?<![\w£$€.,])(?:(?:\+|00)\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{1,5}"
    r"(?:[\s.-]?\(?\d{1,5}\)?){1,5}(?![\w])"
)
_PRICE = re.compile(r"\.\d{2}(?!\d)")

_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|terrace|crescent"
    r"|parkway|pkwy|highway|hwy"
)
# Unambiguous street words in any case: "12 baker street", "221b Baker St.".
_STREET = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?(?:,?\s+[A-Za-z][A-Za-z'.-]*){{1,4}}\s+(?:{_STREET_WORDS})\b\.?",
    re.IGNORECASE,
)
# Words that are also ordinary nouns ("2 table place mats") count only when capitalised.
_STREET_CAPITALISED = re.compile(
    r"\b\d{1,5}[A-Za-z]?(?:\s+[A-Z][A-Za-z'.-]*){1,4}\s+"
    r"(?:Close|Court|Way|Place|Gardens|Grove|Row|Mews|Square|Walk|Hill)\b"
)
# UK postcodes ("SW1A 1AA", "m1 1ae") and US "CA 94043" style state + ZIP.
_POSTCODE = re.compile(
    r"\b(?:[A-Za-z]{1,2}\d[A-Za-z\d]?\s\d[A-Za-z]{2}|[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2})\b"
    r"|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"
)


def luhn_valid(digits: str) -> bool:
    """True when a string of digits passes the Luhn checksum that card numbers carry.

    Args:
        digits: only the digits, no separators.

    Returns:
        Whether the checksum holds (and there are digits at all).
    """
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return PLACEHOLDERS["card"] if luhn_valid(digits) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    if _PRICE.search(text):
        return text  # "£12.50 or 13.50" is a list of prices, not a number
    digits = re.sub(r"\D", "", text)
    if not 9 <= len(digits) <= 15:
        return text
    groups = re.findall(r"\d+", text)
    dialled = text.startswith(("+", "00", "0", "(")) or "(" in text
    if not dialled and max(len(g) for g in groups) < 3:
        return text  # "sizes 10 12 14 16 18" is not a phone number
    return PLACEHOLDERS["phone"]


class Redactor:
    """Replaces personal data in text with placeholders such as `[email]`.

    A disabled redactor returns everything unchanged, so the store calls it
    unconditionally.
    """

    def __init__(self, enabled: bool = True) -> None:
        """Build a redactor.

        Args:
            enabled: False keeps every text as it is (AISLE_WEB_REDACT_PII=false).
        """
        self.enabled = enabled
        self._steps: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str]] = [
            (_EMAIL, PLACEHOLDERS["email"]),
            (_CARD, _card),
            (_PHONE, _phone),
            (_STREET, PLACEHOLDERS["address"]),
            (_STREET_CAPITALISED, PLACEHOLDERS["address"]),
            (_POSTCODE, PLACEHOLDERS["address"]),
        ]

    def redact(self, text: str) -> str:
        """The text with emails, phone and card numbers and street addresses replaced.

        Args:
            text: what a shopper, the assistant or a staff member wrote.

        Returns:
            The text to store.
        """
        if not self.enabled or not text:
            return text
        for pattern, replacement in self._steps:
            text = pattern.sub(replacement, text)
        return text

    def redact_value(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value (tool arguments, corrections).

        Args:
            value: a str, list, tuple or dict nesting them, or any other scalar.

        Returns:
            A copy with each string redacted; keys and non-strings are kept.
        """
        if not self.enabled:
            return value
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self.redact_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_value(v) for v in value]
        return value
