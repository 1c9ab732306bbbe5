"""Guardrails: message limits, instruction-like text in messages and catalog data, leaks.

Catalog text and the shopper's words are data. Instruction-like sentences are
cut out of catalog text before a model reads it, probes for the system prompt
or for other shoppers' data are refused before any brain runs, and an answer
that quotes the system prompt loses those sentences before it is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MessageCheck",
    "check_message",
    "clean_catalog_text",
    "is_off_topic",
    "leaks_prompt",
]

Block = Literal["empty", "too_long", "injection", "prompt_probe", "privacy", "off_topic"]

_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+)*"
    r"(?:previous|prior|above|earlier|preceding|system|original)?\s*"
    r"(?:instructions?|prompts?|rules|directions|guidelines)\b"
    r"|\byou\s+are\s+now\b|\bnew\s+instructions?\s*:|\bdeveloper\s+mode\b|\bjailbreak"
    r"|\bpretend\s+(?:to\s+be|you\s+are)\b|<\|?\s*(?:system|im_start)|\[\s*system\s*\]"
    r"|\bsay\s+(?:that\s+)?the\s+price\s+is\b|\bset\s+the\s+price\s+to\b",
    re.IGNORECASE,
)
_PROMPT_PROBE = re.compile(
    r"\bsystem\s+prompt\b|\b(?:your|the)\s+(?:hidden\s+|initial\s+|original\s+)?"
    r"(?:instructions|prompt)\b.*\b(?:show|reveal|print|repeat|tell|what|give)"
    r"|\b(?:show|reveal|print|repeat|tell\s+me|give\s+me|what\s+(?:are|were))\s+"
    r"(?:me\s+)?(?:your|the)\s+(?:hidden\s+|initial\s+|original\s+|system\s+)?"
    r"(?:instructions|prompt|rules)\b"
    r"|\brepeat\s+(?:the\s+|everything\s+|all\s+)?(?:text|words)?\s*above\b",
    re.IGNORECASE,
)
_PRIVACY = re.compile(
    r"\b(?:other|another|different|previous)\s+(?:customer|shopper|user|client|person|people)"
    r"(?:'s|s'|s)?\s+(?:orders?|address(?:es)?|e-?mails?|phone|details|data|purchases|history"
    r"|names?|accounts?|cards?|baskets?|carts?|info(?:rmation)?)\b"
    r"|\b(?:customer|user|shopper|client)\s+(?:id\s+|number\s+|no\.?\s+)?#?\d{3,}"
    r"|\b(?:list|show|give)\s+(?:me\s+)?(?:all\s+|the\s+|your\s+)*"
    r"(?:customers|users|shoppers|clients)\b"
    r"|\bwho\s+(?:else\s+)?(?:has\s+)?(?:bought|ordered|purchased)\b",
    re.IGNORECASE,
)
_OFF_TOPIC = re.compile(
    r"\bweather\b|\bforecast\b|\bpolitic|\belection\b|\bpresident\b|\bprime\s+minister\b"
    r"|\bjoke\b|\bpoem\b|\bpoetry\b|\bhomework\b|\bessay\b|\bcapital\s+of\b"
    r"|\b(?:football|soccer|cricket|tennis)\s+(?:score|match|results?)\b|\bwho\s+won\b"
    r"|\b(?:python|javascript|java|sql)\s+(?:code|script|function)\b|\bwrite\s+(?:me\s+)?code\b"
    r"|\bmeaning\s+of\s+life\b|\bstock\s+market\b|\bbitcoin\b|\bcrypto\b"
    r"|\bsolve\s+\d|\bwhat\s+is\s+\d+\s*[-+*/x]\s*\d+|\btranslate\b|\bhoroscope\b"
    r"|\bmedical\s+advice\b|\blegal\s+advice\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class MessageCheck:
    """Why a message is not handed to a brain (`block`), or None when it may go on."""

    block: Block | None
    detail: str = ""


def check_message(text: str, max_chars: int) -> MessageCheck:
    """Check a shopper's message before any brain sees it.

    Args:
        text: the message as typed.
        max_chars: the longest message served (AISLE_ASSISTANT_MAX_MESSAGE_CHARS).

    Returns:
        A MessageCheck whose `block` names the first guardrail that stops it.
    """
    if not text.strip():
        return MessageCheck("empty")
    if len(text) > max_chars:
        return MessageCheck("too_long", f"{len(text)} > {max_chars} characters")
    if _PROMPT_PROBE.search(text):
        return MessageCheck("prompt_probe")
    if _INJECTION.search(text):
        return MessageCheck("injection")
    if _PRIVACY.search(text):
        return MessageCheck("privacy")
    return MessageCheck(None)


def is_off_topic(text: str) -> bool:
    """True for requests that have nothing to do with shopping (weather, jokes, homework ...)."""
    return bool(_OFF_TOPIC.search(text))


def clean_catalog_text(text: str) -> tuple[str, bool]:
    """Catalog text without instruction-like sentences, and whether any were cut."""
    if not _INJECTION.search(text) and not _PROMPT_PROBE.search(text):
        return text, False
    kept = [
        s
        for s in _SENTENCE.split(text)
        if s.strip() and not _INJECTION.search(s) and not _PROMPT_PROBE.search(s)
    ]
    return " ".join(kept), True


def _shingles(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def leaks_prompt(text: str, prompt: str, n: int = 8) -> bool:
    """True when `text` repeats any run of `n` words of the system prompt."""
    if not prompt:
        return False
    return bool(_shingles(text, n) & _shingles(prompt, n))
