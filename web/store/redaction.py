"""PII redaction at rest and in the live staff view: emails, phones, cards, IBANs, NI numbers.

The store runs every shopper, assistant and staff text (and the strings inside tool
arguments) through `Redactor.redact` before it is written, and the console's live sockets
run every frame through it before a staff member sees it, so with redaction on the
original never reaches the database or a support screen. Checksums come from maintained
libraries (python-stdnum's Luhn and IBAN, Google's libphonenumber via `phonenumbers`);
the patterns around them lean towards redacting: a support person reading "[phone]"
loses little, a shopper whose number is kept loses more.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn as stdnum_luhn

__all__ = ["PLACEHOLDERS", "Redactor", "luhn_valid"]

PLACEHOLDERS = {
    "email": "[email]",
    "card": "[card]",
    "cvv": "[cvv]",
    "expiry": "[expiry]",
    "iban": "[iban]",
    "ni": "[ni-number]",
    "phone": "[phone]",
    "address": "[address]",
}

# Every kind of space a keyboard, a phone or a copy from a PDF produces.
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# "jane dot doe at example dot com", "jane [at] example [dot] com".
_EMAIL_SPELLED = re.compile(
    r"\b[A-Za-z0-9._%+-]+(?:\s*[\[(]?\s*dot\s*[\])]?\s*[A-Za-z0-9_%+-]+)*"
    r"\s*[\[(]\s*at\s*[\])]\s*"
    r"[A-Za-z0-9-]+(?:(?:\s*(?:[\[(]\s*dot\s*[\])]|\.)\s*|\s+dot\s+)[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)

# Digit groups joined by up to three separator characters (spaces, dots, dashes, slashes,
# commas): a card number written in any grouping, or split in two numbers.
_DIGIT_RUN = re.compile(r"(?<![\w])\d+(?:[ .\-/_,]{1,3}\d+)*(?![\w])")
_GROUP = re.compile(r"\d+")

# CVV and expiry: by their keyword anywhere, or right after a card (the shopper typed them
# together: "[card] 12/27 123").
_CVV = re.compile(
    r"\b(?:cvv2?|cvc2?|csc|cid|security\s+code|card\s+code)\b\W{0,3}(?:is\s+)?\d{3,4}\b",
    re.IGNORECASE,
)
_EXPIRY = re.compile(
    r"\b(?:exp(?:iry|ires|iration)?(?:\s+date)?|valid\s+(?:thru|through|until)|good\s+thru)"
    r"\b\W{0,3}(?:is\s+|on\s+)?(?:0?[1-9]|1[0-2])\s*[/.\-]\s*(?:\d{4}|\d{2})\b",
    re.IGNORECASE,
)
_AFTER_CARD = re.compile(
    r"(\[card\])((?:[\s,;]+(?:(?:0?[1-9]|1[0-2])\s*[/.\-]\s*(?:\d{4}|\d{2})|\d{3,4}))+)\b"
)

# IBAN: country, check digits, then 11-30 letters or digits in any grouping.
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){11,30}\b")
# UK National Insurance numbers: two prefix letters (some never issued), six digits, A-D.
_NINO = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"[ \-]?\d{2}[ \-]?\d{2}[ \-]?\d{2}[ \-]?[A-D]\b",
    re.IGNORECASE,
)

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
    return digits.isdigit() and stdnum_luhn.is_valid(digits)


def _card_span(groups: list[str]) -> tuple[int, int] | None:
    """The longest run of whole digit groups that is a Luhn-valid 13-19 digit number."""
    best: tuple[int, int] | None = None
    for i in range(len(groups)):
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn_valid(digits):
                if best is None or (j - i) > (best[1] - best[0]):
                    best = (i, j)
    return best


def _cards(match: re.Match[str]) -> str:
    text = match.group(0)
    spans = [(m.start(), m.end(), m.group(0)) for m in _GROUP.finditer(text)]
    out, pos = [], 0
    while spans:
        found = _card_span([g for _, _, g in spans])
        if found is None:
            break
        i, j = found
        out.append(text[pos : spans[i][0]] + PLACEHOLDERS["card"])
        pos = spans[j][1]
        spans = spans[j + 1 :]
    out.append(text[pos:])
    return "".join(out)


def _after_card(match: re.Match[str]) -> str:
    parts = re.split(r"([\s,;]+)", match.group(2))
    out = []
    for part in parts:
        if re.fullmatch(r"\d{3,4}", part):
            out.append(PLACEHOLDERS["cvv"])
        elif part and part[0].isdigit():
            out.append(PLACEHOLDERS["expiry"])
        else:
            out.append(part)
    return match.group(1) + "".join(out)


def _keyword_value(placeholder: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        value = re.search(r"\d[\d\s/.\-]*$", text)
        return text[: value.start()] + placeholder if value else text

    return replace


def _iban(match: re.Match[str]) -> str:
    text = match.group(0)
    # The pattern is greedy ("DE89 ... 00 please" takes "please" too): try shorter ends.
    for end in range(len(text), 14, -1):
        if end < len(text) and text[end] not in " -":
            continue
        if stdnum_iban.is_valid(text[:end]):
            return PLACEHOLDERS["iban"] + text[end:]
    return text


def _phones(text: str, region: str) -> str:
    """Numbers libphonenumber finds valid (E.164 or national for `region`) become [phone]."""
    if not any(ch.isdigit() for ch in text):
        return text
    found = list(
        phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    )
    for m in reversed(found):
        text = text[: m.start] + PLACEHOLDERS["phone"] + text[m.end :]
    return text


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

    def __init__(self, enabled: bool = True, region: str = "GB") -> None:
        """Build a redactor.

        Args:
            enabled: False keeps every text as it is (AISLE_WEB_REDACT_PII=false).
            region: the country whose national phone formats are recognised (ISO 3166).
        """
        self.enabled = enabled
        self.region = region
        cvv = _keyword_value(PLACEHOLDERS["cvv"])
        expiry = _keyword_value(PLACEHOLDERS["expiry"])
        # Order matters: the checksummed kinds first, so a phone pattern never takes half
        # of a card or an IBAN.
        self._steps: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str]] = [
            (_EMAIL, PLACEHOLDERS["email"]),
            (_EMAIL_SPELLED, PLACEHOLDERS["email"]),
            (_IBAN, _iban),
            (_DIGIT_RUN, _cards),
            (_AFTER_CARD, _after_card),
            (_CVV, cvv),
            (_EXPIRY, expiry),
            (_NINO, PLACEHOLDERS["ni"]),
        ]
        self._after_phones: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str]] = [
            (_PHONE, _phone),
            (_STREET, PLACEHOLDERS["address"]),
            (_STREET_CAPITALISED, PLACEHOLDERS["address"]),
            (_POSTCODE, PLACEHOLDERS["address"]),
        ]

    def redact(self, text: str) -> str:
        """The text with emails, phone, card, IBAN and NI numbers and addresses replaced.

        Args:
            text: what a shopper, the assistant or a staff member wrote.

        Returns:
            The text to store or show to staff.
        """
        if not self.enabled or not text:
            return text
        text = _SPACES.sub(" ", text)
        for pattern, replacement in self._steps:
            text = pattern.sub(replacement, text)
        text = _phones(text, self.region)
        for pattern, replacement in self._after_phones:
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
