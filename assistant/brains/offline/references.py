"""Which products a message points at: "the second one", "that one", "the red one", a name.

References resolve against what the conversation state holds: the products shown
last (in order), the product in focus, and every product seen so far.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from assistant.matching import STOPWORDS, words
from assistant.state import ConversationState
from retrieval import Product

__all__ = ["Reference", "resolve"]

_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "seventh": 7,
    "eighth": 8,
    "last": -1,
    "latter": -1,
    "former": 1,
}
_ORDINAL = re.compile(
    r"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|seventh|"
    r"eighth|last|latter|former)\b(?!\s+(?:time|thing|place|birthday|christmas))"
)
_NUMBERED = re.compile(r"\b(?:number|no\.?|option|item|#)\s*(\d)\b|^\s*(\d)\s*[.)]?\s*$")
_FIRST_N = re.compile(r"\b(?:first|top)\s+(two|three|four|2|3|4)\b")
_BOTH = re.compile(r"\bboth\b|\bthe two\b|\bthese two\b|\bthose two\b")
_ALL = re.compile(r"\b(?:all of (?:them|these|those)|all (?:three|four)|them all|these|those)\b")
_PRONOUN = re.compile(
    r"\b(?:it|its|it's|this|that|this one|that one|the one|same one|this product|that product|"
    r"this item|that item|them|they)\b"
)


def _cheapest(ps: list[Product]) -> Product:
    return min(ps, key=lambda p: p.price)


def _priciest(ps: list[Product]) -> Product:
    return max(ps, key=lambda p: p.price)


def _best_rated(ps: list[Product]) -> Product:
    return max(ps, key=lambda p: (p.rating or 0.0, p.rating_count))


def _most_rated(ps: list[Product]) -> Product:
    return max(ps, key=lambda p: p.rating_count)


# Phrase -> the pick it names, tried in this order.
_SUPERLATIVE: dict[str, Callable[[list[Product]], Product]] = {
    "cheapest": _cheapest,
    "cheaper": _cheapest,
    "most expensive": _priciest,
    "pricier": _priciest,
    "dearer": _priciest,
    "dearest": _priciest,
    "most costly": _priciest,
    "least expensive": _cheapest,
    "lowest price": _cheapest,
    "highest price": _priciest,
    "priciest": _priciest,
    "best rated": _best_rated,
    "highest rated": _best_rated,
    "top rated": _best_rated,
    "most popular": _most_rated,
    "best rating": _best_rated,
    "highest rating": _best_rated,
    "best reviews": _best_rated,
    "most reviews": _most_rated,
    "rated best": _best_rated,
    "rated highest": _best_rated,
    "best reviewed": _best_rated,
    "lowest priced": _cheapest,
    "lowest in price": _cheapest,
    "lowest cost": _cheapest,
    "costliest": _priciest,
    "highest priced": _priciest,
    "top end": _priciest,
    "top rating": _best_rated,
    "rate the highest": _best_rated,
    "rated the highest": _best_rated,
    "rate highest": _best_rated,
    "least money": _cheapest,
    "costs the least": _cheapest,
    "cost the least": _cheapest,
    "most stars": _best_rated,
    "smallest price": _cheapest,
    "lowest price tag": _cheapest,
    "biggest price": _priciest,
    "most money": _priciest,
    "top customer rating": _best_rated,
    "best customer rating": _best_rated,
    "like best": _best_rated,
    "liked best": _best_rated,
    "like the most": _best_rated,
}
_COUNT = {"two": 2, "three": 3, "four": 4}
# "Which of those is the cheapest?": a superlative over what was just shown.
_AMONG_SHOWN = re.compile(
    r"\b(?:of (?:those|these|them|the (?:ones|products) (?:you )?(?:showed|shown))|among (?:them|"
    r"those|these)|out of (?:them|those|these|that lot|this lot)|of (?:that|this) lot|"
    r"in (?:that|the|this|your) list|whichever|the one with the|"
    r"which (?:one|is|are|has|have)|the (?:cheapest|priciest|dearer|cheaper|costliest|"
    r"lowest priced|most expensive|dearest|best rated|highest rated|top rated|most popular) "
    r"(?:one|of|in))\b|"
    r"^\W*(?:and )?(?:which|"
    r"what(?:'s| is)) the (?:cheapest|priciest|most expensive|best rated|highest rated|"
    r"top rated|most popular|dearest|costliest)\W*$"
)

_OF_THOSE = re.compile(
    r"\b(?:of|among|from|out of) (?:those|these|them|the ones|the (?:products|items)|"
    r"that lot|this lot)\b|"
    r"\bin (?:that|the|this) list\b|\bwhichever of\b"
)


@dataclass
class Reference:
    """The products a message refers to, and how it referred to them."""

    ids: list[str] = field(default_factory=list)
    how: str = ""
    ambiguous: bool = False


def _by_name(text: str, products: list[Product]) -> list[Product]:
    """Products whose distinctive title words the message repeats (best match only)."""
    said = set(words(text))
    scored = []
    for p in products:
        title = [w for w in words(p.title) if w not in STOPWORDS and len(w) > 2]
        hits = sum(1 for w in title if w in said)
        if hits >= 2 or (hits == 1 and len(title) == 1):
            scored.append((hits / max(1, len(title)), hits, p))
    if not scored:
        return []
    best = max((s, h) for s, h, _ in scored)
    return [p for s, h, p in scored if (s, h) == best]


def resolve(text: str, state: ConversationState, known: Mapping[str, Product]) -> Reference:
    """Resolve the references in a message.

    Args:
        text: the message (any case).
        state: the conversation state (shown products, focus, seen products).
        known: catalog products by id, covering at least `state.shown` and `state.focus`.
    """
    lower = text.lower()
    shown = [known[i] for i in state.shown if i in known]
    if m := _FIRST_N.search(lower):
        n = _COUNT.get(m.group(1)) or int(m.group(1))
        return Reference([p.id for p in shown[:n]], "first_n")
    if _BOTH.search(lower) and len(shown) >= 2:
        named = _by_name(lower, shown)
        return Reference([p.id for p in (named if len(named) == 2 else shown[:2])], "both")
    ordinals = []
    for m in _ORDINAL.finditer(lower):
        n = _ORDINALS[m.group(1)]
        ordinals.append(n)
    for m in _NUMBERED.finditer(lower):
        ordinals.append(int(m.group(1) or m.group(2)))
    if ordinals and shown:
        picked = []
        for n in ordinals:
            index = len(shown) - 1 if n == -1 else n - 1
            if 0 <= index < len(shown) and shown[index].id not in picked:
                picked.append(shown[index].id)
        if picked:
            return Reference(picked, "ordinal")
    # After a sorted search ("the cheapest jigsaw"), "and the most expensive one?" asks
    # for the other end of the same search, unless it says "of those".
    resorted = state.constraints.sort != "relevance" and not _OF_THOSE.search(lower)
    for phrase, choose in _SUPERLATIVE.items():
        if resorted:
            break
        if (
            re.search(rf"\b(?:the |is |are )?{phrase}(?: one)?\b", lower)
            and len(shown) >= 2
            and (_AMONG_SHOWN.search(lower))
        ):
            return Reference([choose(shown).id], "superlative")
    colour = re.search(r"\bthe (\w+) (?:one|version|colour|color)\b", lower)
    if colour and shown:
        value = colour.group(1)
        matching = [
            p
            for p in shown
            if value in {v.lower() for v in p.attributes.values()} or value in words(p.title)
        ]
        if len(matching) == 1:
            return Reference([matching[0].id], "attribute")
    seen = [known[i] for i in reversed(state.seen) if i in known]
    named = _by_name(lower, shown) or _by_name(lower, seen)
    if len(named) == 1:
        return Reference([named[0].id], "name")
    if len(named) > 1:
        return Reference([p.id for p in named], "name", ambiguous=True)
    if _ALL.search(lower) and shown:
        return Reference([p.id for p in shown], "all")
    if _PRONOUN.search(lower):
        if state.focus and state.focus in known:
            return Reference([state.focus], "focus")
        if len(shown) == 1:
            return Reference([shown[0].id], "only_one")
        if shown:
            return Reference([p.id for p in shown], "pronoun", ambiguous=True)
    return Reference()
