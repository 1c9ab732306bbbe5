"""The product phrase of a message: which words name the thing the shopper wants.

"I have a kid starting school, I need a lunch bag" names a lunch bag; "a cake
stand for a tea party" names a cake stand; the head noun comes last, so the
search tool can insist on it.
"""

from __future__ import annotations

import re

from assistant.matching import content_words, normalize_spelling

__all__ = ["asks_for_a_product", "product_phrase"]

_CUES = re.compile(
    r"\b(?:look(?:ing)? (?:everywhere |all over |around |high and low |online )?for|"
    r"searching for|shopping for|search for|needs?(?! (?:\w+ing|to)\b)|needed|"
    r"wants?(?! to\b)|wanted(?! to\b)|"
    r"would like|i'd like|like to buy|buy|get|show me|find me|find|have you got|got any|"
    r"do you (?:have|sell|stock|carry|do)|any chance of|getting|buying|"
    r"(?:thinking|thought) (?:of |about )?(?:getting |buying )?(?:maybe |perhaps )?"
    # "I was thinking maybe a bird house": the idea the shopper has in mind.
    r"(?=(?:an?|some|one of)\b)|"
    # "I'm after a teapot" wants one; "a cup for after delivery" does not
    r"(?:i'?m|i am|we'?re|we are|was|were|is|are) (?:\w+ )?after|after(?= (?:an?|some|any)\b)|"
    # "Hiya, after a child's umbrella": the "I'm" left out.
    r"^\s*after)\b"
)


def asks_for_a_product(text: str) -> bool:
    """Whether the text holds a shopping cue ("he needs", "I'm after", "show me")."""
    return bool(_CUES.search(text.lower()))


_REPLACES = {"replacement", "replacements", "spare"}
# "A smart tv for the bedroom" is no bedroom tv: a room says where, not what kind.
_ROOMS = {"bedroom", "bathroom", "lounge", "hall", "hallway", "study", "room", "office", "loo"}
_DETERMINERS = {"a", "an", "the", "my", "our", "his", "her", "your", "their", "this", "that"}
_PRONOUN_OBJECTS = {"it", "them", "this", "that", "these", "those", "him", "her"}
_BE = {"is", "are", "has", "have", "comes", "come", "was", "were", "can", "will", "should"}
_CLAUSE_END = {
    "i've",
    "i'm",
    "i'd",
    "i'll",
    "ive",
    "we've",
    "we're",
    "she",
    "he",
    "they",
    "she's",
    "he's",
    "they're",
    "it's",
    "that",
    "which",
    "who",
    "because",
    "since",
    "so",
    "but",
    "as",
    "to",
    "i",
    "we",
    "before",
    "after",
    "when",
    "if",
    "until",
    "while",
}


def _first_run(segment: list[str], stop: set[str]) -> list[str]:
    """The first run of consecutive product words ("my mouse just died" -> [mouse])."""
    run: list[str] = []
    for word in segment:
        if content_words(word, extra_stop=stop) or (run and word.isdigit()):
            run.append(word)  # a model number stays inside the name ("badger 1 disposal")
        elif run:
            break
    return run


def product_phrase(
    tokens: list[str], stop: set[str], people: frozenset[str] = frozenset()
) -> tuple[list[str], str, list[str]]:
    """The words that name the product, head noun last.

    "I have a kid starting school, I need a lunch bag" -> [lunch, bag]: the words after the
    last shopping cue that has any. "a cake stand for a tea party" -> [cake, stand]: words
    after "for" name the occasion or person, and count only when nothing comes before.
    "a smartphone with 16gb storage" -> [storage, smartphone]: what comes after "with"
    describes the product, so it goes before the head noun. Also returns the phrase as the
    shopper wrote it, from its first product word to its last ("book in crime genre"), and
    what the product is for when that takes two or three words ("ink for a canon printer"
    -> [canon, printer]): no product word, but products made for it suit best.
    """
    text = " ".join(tokens)
    cues = list(_CUES.finditer(text))
    starts = [m.end() for m in cues]
    segment = tokens
    for cue in reversed(cues):
        rest = text[cue.end() :].split()
        if rest and rest[0] in _PRONOUN_OBJECTS:
            continue  # "I need it before my trip" names nothing new
        wanted = content_words(" ".join(rest), extra_stop=stop)
        if wanted and all(w in _REPLACES for w in wanted[:1]):
            continue  # "I smashed my milk jug, need a replacement": the jug named before
        if content_words(" ".join(rest), extra_stop=stop):
            segment = rest
            before = text[: cue.start()].split()
            if (
                "for" in rest
                and not content_words(" ".join(rest[: rest.index("for")]), extra_stop=stop)
                and content_words(" ".join(before), extra_stop=stop)
                # "a few bits for it, hooks or a mirror": things named after "for it" are
                # the products, not what they are for.
                and len(content_words(" ".join(rest[rest.index("for") + 1 :]), extra_stop=stop))
                <= 2
            ):
                # "usb cables under 300, need a few for the office": the product came
                # first; the cue only says how many and what for.
                segment = before
            break
    else:
        if starts:
            segment = text[: min(m.start() for m in _CUES.finditer(text))].split() or tokens
            if re.search(r"\b(?:one|ones|another|replacements?|spare)\b", text[starts[-1] :]):
                # "my mouse just died at work, need a new one": the thing named first.
                segment = _first_run(segment, stop) or segment
    described: list[str] = []
    for n, word in enumerate(segment):
        if word in _CLAUSE_END and n > 0 and content_words(" ".join(segment[:n]), extra_stop=stop):
            if word in ("that", "which") and n + 1 < len(segment) and segment[n + 1] in _BE:
                # "a usb cable that is braided and certified": what the product is like.
                rest = segment[n + 2 :]
                # ... up to what it is for ("rice which is not basmati, for daily dal").
                end = next(
                    (i for i, w in enumerate(rest) if w in _CLAUSE_END or w == "for"), len(rest)
                )
                described = content_words(" ".join(rest[:end]), extra_stop=stop)
            segment = segment[:n]
            break
    modifiers: list[str] = []
    purpose: list[str] = []
    if "for" in segment:
        cut = segment.index("for")
        before = content_words(" ".join(segment[:cut]), extra_stop=stop)
        after = content_words(" ".join(segment[cut + 1 :]), extra_stop=stop | set(people))
        if before:
            # "food for my cat" is cat food; "a mug for my dad" names no product in "dad".
            # One word names a kind ("for my cat"); more describe a use ("for office work")
            # or the thing it goes with ("for a canon printer"), which only ranks.
            modifiers = (
                [w for w in after if w not in before]
                if len(after) == 1 and after[0] not in _ROOMS
                else []
            )
            used = [w for w in segment[cut + 1 :] if w not in _DETERMINERS]
            if (
                2 <= len(after) <= 3
                and not set(after) & (_ROOMS | {"home", "house"})
                # "for making sweets at home" is a use, not a thing it goes with.
                and not (used and used[0].endswith("ing"))
            ):
                purpose = [w for w in after if w not in before]
            segment = segment[:cut]
        else:
            segment = segment[cut + 1 :]
    found = content_words(" ".join(segment), extra_stop=stop)
    found = [*modifiers, *(w for w in described if w not in found), *found]
    if "with" in segment:
        cut = segment.index("with")
        head = content_words(" ".join(segment[:cut]), extra_stop=stop)
        tail = content_words(" ".join(segment[cut + 1 :]), extra_stop=stop)
        if head:
            segment, found = segment[:cut], [w for w in tail if w not in head] + head
    named = [n for n, w in enumerate(segment) if normalize_spelling(w) in found or w in found]
    phrase = " ".join(segment[named[0] : named[-1] + 1]) if named else ""
    return found, phrase, purpose
