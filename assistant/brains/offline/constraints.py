"""Constraints from a message, in the catalog's own vocabulary, and how they merge across turns.

`parse(message, lexicon)` extracts what one message asks for, in the words of
the catalog's `Lexicon`; `merge(update, previous, ...)` folds it into the
conversation's constraints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.brains.offline.lexicon import Lexicon
from assistant.brains.offline.phrase import product_phrase
from assistant.matching import normalize_spelling, stem, words
from assistant.state import Constraints, SortOrder

__all__ = ["ConstraintUpdate", "Lexicon", "merge", "parse"]

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
_NOT_EXCLUDABLE = {
    "more",
    "too",
    "so",
    "sure",
    "thanks",
    "thank",
    "problem",
    "idea",
    "budget",
    "need",
    "anything",
    "something",
    "it",
    "that",
    "them",
    "one",
    "ones",
    "much",
    "really",
    "a",
    "to",
    "be",
    "just",
    "only",
    "the",
    "any",
    "longer",
    "worries",
    "i",
    "we",
    "you",
    "expensive",
    "cheap",
    "matter",
}
_CUR = r"(?:£|\$|€|gbp\s*|usd\s*|eur\s*)"
# An amount, unless a unit follows: "16gb", "45cm" and "5 years" are no prices.
_AMT = (
    r"(\d+(?:[.,]\d{1,2})?)(?![\d.,]|\s*(?:gb|mb|tb|cm|mm|m|kg|g|ml|l|inch|inches|in|years?|"
    r"yrs?|pieces?|pcs|pack|x|%|st|nd|rd|th)\b)"
)
_UNIT = r"(?:\s*(?:pounds?|quid|gbp|dollars?|bucks|usd|euros?|eur)\b|p\b)?"
_MONEY = rf"{_CUR}?\s*{_AMT}{_UNIT}"
_BETWEEN = re.compile(
    rf"(?:between|from)\s+{_MONEY}\s*(?:and|to|-|–)\s*{_MONEY}"
    rf"|{_CUR}{_AMT}\s*(?:-|–|to)\s*{_CUR}?{_AMT}"
    rf"|\b{_AMT}\s*(?:-|–|to)\s*{_AMT}\s*(?:pounds?|quid|gbp|dollars?|euros?)\b"
)
_MAX = re.compile(
    r"(?:(?:not|n't|never)\s+(?:want\s+to\s+|wanna\s+|like\s+to\s+)?(?:spend|pay)\s+"
    r"(?:more than|over|above)|under|below|beneath|less than|cheaper than|lower than|"
    r"no more than|not more than|"
    r"up to|upto|max(?:imum)?(?: of)?|at most|within|budget(?: is| of|:)?(?: about| around)?|"
    r"spend(?:ing)?(?: about| around| up to)?|for less than|<|no more then|less then|"
    r"not over|not above|maximum)\s*" + _MONEY
)
_MIN = re.compile(
    r"(?:over|above|more than|at least|minimum(?: of)?|min|starting at|upwards of|>|more then)"
    r"\s*" + _MONEY
)
_AROUND = re.compile(
    r"(?:around|about|roughly|approx(?:imately)?|circa|~|in the)\s*" + _MONEY + r"(?:\s*range)?"
)
_BARE = re.compile(
    rf"{_CUR}\s*{_AMT}|\b{_AMT}\s*(?:pounds?|quid|gbp|dollars?|bucks|euros?)\b|\b(\d{{1,2}})p\b"
)
_PACK = re.compile(
    r"\b(?:set|pack|box|bag|packet)\s+of\s+(\d+)\b|\b(\d+)[- ]?(?:pack|piece set|pc set)\b"
)
_RATING = re.compile(
    r"\b([1-5](?:\.\d)?)\s*(?:\+|stars?|or more stars|star and up|/5)|rated\s+(?:at least\s+|"
    r"above\s+|over\s+)?([1-5](?:\.\d)?)"
)
_GOOD_RATING = re.compile(
    r"\b(?:well|highly|top|best)[- ]rated\b|\bgood reviews\b|\bbest reviewed\b"
)
_IN_STOCK = re.compile(
    r"\bin[- ]stock\b|\bavailable (?:now|today|right now)\b|\bonly (?:the )?available\b|"
    r"\b(?:that|which) (?:are|is) available\b|\bnot sold out\b|\bcurrently available\b|"
    r"\bready to ship\b|\bships? (?:now|today)\b"
)
_CHEAPER = re.compile(
    r"\bcheaper\b|\bless expensive\b|\blower price|\bmore affordable\b|\bsomething less\b"
    r"|\btoo (?:pricey|expensive|dear|much)\b|\bbit (?:pricey|expensive|much)\b"
    r"|\bover (?:my|the) budget\b|\bout of my budget\b|\bcan'?t afford\b"
    r"|\b(?:that'?s|thats|it'?s|its|quite|very|rather|so|way) (?:expensive|pricey|dear)\b"
)
_PRICIER = re.compile(
    r"\bmore expensive\b|\bpricier\b|\bhigher[- ]end\b|\bbetter quality\b|\bnicer\b|\bfancier\b"
)
_CHEAPEST = re.compile(
    r"\bcheapest\b|\blowest price|\bleast expensive\b|\bcheap\b|\binexpensive\b|\baffordable\b|"
    r"\bbargain|\blow[- ]cost\b|\bbudget\b(?!\s*(?:is|of|:|about|around)?\s*[£$€\d])"
)
_PRICIEST = re.compile(r"\bmost expensive\b|\bpriciest\b|\bluxury\b|\bpremium\b|\bfancy\b|\bposh\b")
_NEGATION = re.compile(
    r"\b(?:not|no|without|except|but not|anything but|nothing|hate|avoid|don'?t (?:like|want))\s+"
    r"(?:in\s+|the\s+|any\s+|too\s+|so\s+)?([a-z]+)"
)
_MORE = re.compile(
    r"\b(?:show|see|any|got|have)\b.*\b(?:more|others?|else|different ones|other options)\b|"
    r"^\s*(?:more|others?|next|any others?|anything else|something else|other options?)\b|"
    r"\bdo you have (?:any ?thing|some ?thing) else\b|\bnext (?:page|ones)\b"
)
_RELAX = {
    "price": re.compile(
        r"\b(?:any|no|drop the|forget the|remove the|ignore the) (?:price|budget)\b|"
        r"\bprice doesn'?t matter\b"
    ),
    "attributes": re.compile(
        r"\b(?:any|drop the|forget the|remove the) (?:colou?r|material)\b|"
        r"\bcolou?r doesn'?t matter\b"
    ),
    "in_stock": re.compile(r"\b(?:include|even|also) (?:out of stock|sold out)\b"),
    "rating": re.compile(r"\b(?:any|drop the|forget the|ignore the|remove the) ratings?\b"),
}
_CURRENCIES = {
    "GBP": re.compile(r"£|\bgbp\b|\bpounds?\b|\bquid\b"),
    "USD": re.compile(r"\$|\busd\b|\bdollars?\b|\bbucks\b"),
    "EUR": re.compile(r"€|\beur\b|\beuros?\b"),
}
_RESET = re.compile(
    r"\bstart (?:over|again)\b|\bnew search\b|\bforget (?:that|it|all that)\b|"
    r"\bsomething completely different\b"
)
_REFINE_CUE = re.compile(r"\b(?:ones?|only|just|those|these|them|which are|that are)\b")
_CONTINUE_CUE = re.compile(r"^\s*(?:and|also|what about|how about|plus|same for|any)\b")


@dataclass
class ConstraintUpdate:
    """What one message says about constraints."""

    query_words: list[str] = field(default_factory=list)
    phrase: str = ""
    category: str | None = None
    names_category: bool = False
    attributes: dict[str, str] = field(default_factory=dict)
    brands: list[str] = field(default_factory=list)
    price_min: float | None = None
    price_max: float | None = None
    relative: str | None = None
    sort: SortOrder | None = None
    in_stock: bool | None = None
    min_rating: float | None = None
    exclude: list[str] = field(default_factory=list)
    relax: list[str] = field(default_factory=list)
    more: bool = False
    reset: bool = False
    continuation: bool = False
    refinement_cue: bool = False
    foreign_currency: str | None = None

    def has_conditions(self) -> bool:
        """True when the message sets or changes any condition on results."""
        return bool(
            self.attributes
            or self.brands
            or self.exclude
            or self.relax
            or self.relative
            or self.sort
            or self.more
            or self.category
            or any(
                v is not None
                for v in (self.price_min, self.price_max, self.in_stock, self.min_rating)
            )
        )


def _amount(raw: str | None) -> float | None:
    return None if raw is None else float(raw.replace(",", "."))


def _pence(m: re.Match[str], value: float | None) -> float | None:
    """An amount written as pence ("under 50p") in pounds."""
    if value is not None and re.search(r"\dp$", m.group(0).strip()):
        return round(value / 100, 2)
    return value


def parse(message: str, lexicon: Lexicon) -> ConstraintUpdate:
    """The constraints one message states."""
    text = normalize_spelling(message).replace("\u2019", "'")
    for word, n in _NUMBER_WORDS.items():
        text = re.sub(rf"\b{word}\s+(pounds?|quid|dollars?|euros?)\b", rf"{n} \1", text)
    # Ages are no budget, and no product words either.
    text = re.sub(r"\b\d+\s*-?\s*(?:years?|yrs?|months?)(?:\s*-?\s*old)?\b", " ", text)
    up = ConstraintUpdate()
    spent: list[tuple[int, int]] = []

    if m := _BETWEEN.search(text):
        nums = [g for g in m.groups() if g is not None]
        lo, hi = sorted(_amount(n) or 0.0 for n in nums[:2])
        up.price_min, up.price_max = lo, hi
        spent.append(m.span())
    else:
        rest = text
        if m := _MAX.search(text):
            up.price_max = _pence(m, _amount(m.group(1)))
            spent.append(m.span())
            rest = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
        if m := _MIN.search(rest):
            up.price_min = _pence(m, _amount(m.group(1)))
            spent.append(m.span())
        if up.price_min is None and up.price_max is None:
            if m := _AROUND.search(text):
                mid = _amount(m.group(1)) or 0.0
                up.price_min, up.price_max = round(mid * 0.75, 2), round(mid * 1.25, 2)
                spent.append(m.span())
            elif m := _BARE.search(text):
                raw = m.group(1) or m.group(2)
                up.price_max = _amount(raw) if raw else int(m.group(3)) / 100
                spent.append(m.span())
    explicit = up.price_min is not None or up.price_max is not None
    if _CHEAPER.search(text) and not explicit:
        up.relative = "cheaper"
    elif _PRICIER.search(text) and not explicit:
        up.relative = "pricier"
    if _PRICIEST.search(text):
        up.sort = "price_desc"
    elif _CHEAPEST.search(text) and not up.relative:
        up.sort = "price_asc"
    if m := _RATING.search(text):
        up.min_rating = float(m.group(1) or m.group(2))
        spent.append(m.span())
    elif _GOOD_RATING.search(text):
        up.min_rating = 4.0
    if _IN_STOCK.search(text):
        up.in_stock = True
    if (m := _PACK.search(text)) and lexicon.attributes.get("pack_size"):
        value = m.group(1) or m.group(2)
        if value in lexicon.attributes["pack_size"]:
            up.attributes["pack_size"] = value
        spent.append(m.span())
    for name, rx in _RELAX.items():
        if rx.search(text):
            up.relax.append(name)
    if up.price_min is not None or up.price_max is not None:
        for code, rx in _CURRENCIES.items():
            if code != lexicon.currency and rx.search(text):
                up.foreign_currency = code
    up.reset = bool(_RESET.search(text))
    up.more = bool(_MORE.search(text))
    up.continuation = bool(_CONTINUE_CUE.search(text))
    up.refinement_cue = bool(_REFINE_CUE.search(text))

    negated: set[str] = set()
    for m in _NEGATION.finditer(text):
        word = m.group(1)
        if word in _NOT_EXCLUDABLE:
            continue
        negated.add(word)
        up.exclude.append(word)
    masked = text
    for start, end in spent:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    tokens = words(masked)
    attribute_words: set[str] = set()
    for name, values in lexicon.attributes.items():
        if name == "pack_size":
            continue
        for w in tokens:
            if w in values and w not in negated:
                up.attributes.setdefault(name, values[w])
                attribute_words.add(w)
    lowered = " " + " ".join(tokens) + " "
    for key, brand in lexicon.brands.items():
        if f" {key} " in lowered:
            up.brands.append(brand)
            attribute_words.update(words(key))
    found, up.phrase = product_phrase(tokens, attribute_words | negated)
    up.query_words = [w for w in found if not re.fullmatch(r"\d+(?:st|nd|rd|th)?", w)]
    stems = {stem(w) for w in up.query_words}
    up.category = lexicon.match_category(stems) if stems else None
    if up.category is not None:
        leaf, parent = lexicon.categories[up.category]
        up.names_category = stems <= (leaf | parent)
        if not up.names_category:
            up.category = None
    return up


def merge(
    up: ConstraintUpdate, previous: Constraints, *, new_topic: bool, shown_prices: list[float]
) -> Constraints:
    """The conversation's constraints after this message."""
    if up.reset:
        previous = Constraints()
    if new_topic:
        base = Constraints()
        if up.continuation:
            base.price_min, base.price_max = previous.price_min, previous.price_max
            base.in_stock = previous.in_stock
        query = " ".join(up.query_words)
        base.category = up.category
    else:
        base = previous.model_copy(deep=True)
        query = previous.query
        if up.query_words and not up.names_category:
            extra = [w for w in up.query_words if w not in previous.query.split()]
            query = " ".join([*extra, previous.query]).strip()
        if up.category and not previous.category:
            base.category = up.category
    base.query = query
    if "price" in up.relax:
        base.price_min = base.price_max = None
    if "attributes" in up.relax:
        base.attributes = {k: v for k, v in base.attributes.items() if k == "pack_size"}
    if "in_stock" in up.relax:
        base.in_stock = None
    if "rating" in up.relax:
        base.min_rating = None
    if up.price_min is not None or up.price_max is not None:
        base.price_min, base.price_max = up.price_min, up.price_max
    if up.relative == "cheaper" and shown_prices:
        base.price_max = round(min(shown_prices) - 0.01, 2)
        base.price_min = (
            None if base.price_min is None or base.price_min > base.price_max else base.price_min
        )
    elif up.relative == "pricier" and shown_prices:
        base.price_min = round(max(shown_prices) + 0.01, 2)
        base.price_max = (
            None if base.price_max is None or base.price_max < base.price_min else base.price_max
        )
    base.attributes.update(up.attributes)
    if up.brands:
        base.brands = list(up.brands)
    if up.sort:
        base.sort = up.sort
    elif up.relative:
        base.sort = "relevance"
    if up.in_stock is not None:
        base.in_stock = up.in_stock
    if up.min_rating is not None:
        base.min_rating = up.min_rating
    for word in up.exclude:
        if word not in base.exclude:
            base.exclude.append(word)
        for name, value in list(base.attributes.items()):
            if value.lower() == word:
                del base.attributes[name]
    return base
