"""Constraints from a message, in the catalog's own vocabulary, and how they merge across turns.

`parse(message, lexicon)` extracts what one message asks for, in the words of
the catalog's `Lexicon`; `merge(update, previous, ...)` folds it into the
conversation's constraints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.brains.offline.language import ShopperLanguage
from assistant.brains.offline.lexicon import Lexicon
from assistant.brains.offline.phrase import asks_for_a_product, product_phrase
from assistant.matching import (
    STOPWORDS,
    analyzer_tokens,
    content_words,
    normalize_spelling,
    stem,
    words,
)
from assistant.sizes import Direction
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
# "He's turning six", "she turns 7", "aged 3": an age, not a number of things or money.
_AGE = re.compile(
    r"\b(?:turning|turns|turned|aged|age)\s+(?:\d{1,2}|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|eighteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety)\b(?!\s*(?:pounds?|quid|dollars?|"
    r"euros?|rupees?|%|p\b))"
)
_NOT_EXCLUDABLE = {
    "many",
    "few",
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
_CUR = r"(?:£|\$|€|₹|(?:gbp|usd|eur|inr|rs\.?)\s*)"
# An amount, unless a unit follows: "16gb", "45cm" and "5 years" are no prices.
_AMT = (
    # ("below 500 in these?": "in" before a determiner is no inch.)
    r"(\d+(?:[.,]\d{1,2})?)(?!\d|[.,]\d|\s*in\s+(?!(?:these|those|them|this|that|the|my|stock|"
    r"black|white|red|blue|green|total)\b)|\s*(?:gb|mb|tb|cm|mm|m|kg|g|ml|l|inch|inches|years?|"
    r"yrs?|pieces?|pcs|pack|x|%|st|nd|rd|th|stars?|star|w|watts?|v|mah|hours?|hrs?|days?|"
    r"months?|weeks?|people|persons?|litres?|liters?|ltrs?)\b)"
)
_UNIT = (
    r"(?:\s*(?:pounds?|quid|gbp|dollars?|bucks|usd|euros?|eur|rupees?|rs\.?|inr)\b|p\b|"
    r"\s*/-)?"
)
_MONEY = rf"{_CUR}?\s*{_AMT}{_UNIT}"
_BETWEEN = re.compile(
    rf"(?:between|from)\s+{_MONEY}\s*(?:and|to|-|–)\s*{_MONEY}"
    rf"|{_CUR}{_AMT}\s*(?:-|–|to)\s*{_CUR}?{_AMT}"
    rf"|\b{_AMT}\s*(?:-|–|to)\s*{_AMT}\s*(?:pounds?|quid|gbp|dollars?|euros?|rupees?|inr|rs)\b"
)
_MAX = re.compile(
    r"(?:(?:not|n't|never)\s+(?:want\s+to\s+|wanna\s+|like\s+to\s+)?(?:spend|pay)\s+"
    r"(?:more than|over|above)|under|below|beneath|less than|cheaper than|lower than|"
    r"no more than|not more than|"
    r"up to|upto|max(?:imum)?(?: of)?|at most|within|budget(?: is| of|:)?(?: about| around)?|"
    r"spend(?:ing)?(?: about| around| up to)?|for less than|<|no more then|less then|"
    r"not over|not above|maximum|within (?:a |my )?budget of|priced (?:under|below|at most)|"
    r"nothing (?:over|above|more than|dearer than|pricier than|costing more than)|"
    r"no(?:thing)? (?:more )?(?:expensive|pricey|dearer) than|"
    r"(?:doesn'?t|does not|don'?t|do not|shouldn'?t|should not|can'?t|cannot|won'?t) "
    r"(?:want to |wanna )?(?:cost|costs|go|be|spend|pay) (?:more than|over|above)|"
    r"(?:isn'?t|is not|aren'?t|are not) (?:more than|over|above))\s*" + _MONEY
)
_MAX_AFTER = re.compile(
    rf"{_CUR}?\s*{_AMT}{_UNIT}\s*(?:to spend|budget|max(?:imum)?|or (?:less|under|below)|tops|"
    r"at (?:the )?most|limit)\b"
)
_MIN = re.compile(
    r"(?:over|above|more than|at least|minimum(?: of)?|min|starting at|upwards of|>|more then|"
    r"priced (?:over|above))"
    r"\s*" + _MONEY
)
_AROUND = re.compile(
    r"(?:around|about|roughly|approx(?:imately)?|circa|~|in the)\s*" + _MONEY + r"(?:\s*range)?"
)
_BARE = re.compile(
    rf"{_CUR}\s*{_AMT}|\b{_AMT}\s*(?:pounds?|quid|gbp|dollars?|bucks|euros?|rupees?|inr|rs)\b"
    rf"|\b(\d{{1,2}})p\b"
)
_PACK = re.compile(
    r"\b(?:set|pack|box|bag|packet)\s+of\s+(\d+)\b|\b(\d+)[- ]?(?:pack|piece set|pc set)\b"
)
_RATING_WORD = r"(?:rated|ratings?|reviews?|reviewed|stars?|scores?)"


def _at_least(name: str) -> str:
    return (
        r"(?:at least|atleast|minimum(?: of)?|min\.?|no less than|not less than|>=|>|"
        rf"(?P<{name}>above|over|more than|higher than|greater than|better than))"
    )


_OR_MORE = r"(?:\s*(?:\+|or (?:more|higher|above|better|up)|and (?:up|above|over)|plus))"
_RATING = re.compile(
    rf"\b{_RATING_WORD}\s*(?:of|is|at|:)?\s*(?:{_at_least('strict')}\s*)?(?P<a>[0-5](?:\.\d+)?)\b"
    rf"(?:\s*(?:stars?|/\s*5|out of (?:5|five)))?{_OR_MORE}?"
    rf"|(?:{_at_least('strict_b')}\s*)?(?P<b>[0-5](?:\.\d+)?)\s*{_OR_MORE}?\s*"
    rf"(?:stars?|/\s*5|out of (?:5|five))(?:\s*{_RATING_WORD})?{_OR_MORE}?"
    rf"|(?P<c>[0-5](?:\.\d+)?){_OR_MORE}\s*{_RATING_WORD}"
)
_GOOD_RATING = re.compile(
    r"\b(?:well|highly|top|best|highest)[- ]rated\b|\bgood reviews\b|\bbest reviewed\b|"
    r"\bgood ratings?\b"
)
_BEST_RATED = re.compile(
    r"\b(?:best|highest|top)[- ]rated\b|\bbest reviewed\b|\b(?:highest|top) ratings?\b|"
    r"\b(?:top|best|highest) (?:customer|user|buyer) (?:ratings?|reviews?)\b|"
    r"\b(?:sort|order|arrange|rank)\w* (?:\w+ )?by (?:the )?(?:ratings?|reviews?|stars?)\b|"
    r"\b(?:reviewers|customers|buyers|people|users) (?:like|love|rate) (?:it |them )?(?:the )?"
    r"(?:best|most)\b|"
    r"\bbest ratings?\b|\brated? (?:the )?(?:highest|best)\b|"
    # "which do buyers give the most stars", "the most stars"
    r"\bmost stars\b|\bbest reviews?\b|\b(?:top|highest) in (?:the )?reviews\b"
)
# "From cheapest to dearest", "price low to high", "most expensive first": an order.
_ORDER_ASC = re.compile(
    r"\b(?:cheapest|lowest|low|least expensive)(?: price)? (?:to|-) (?:the )?(?:dearest|"
    r"priciest|highest|high|most expensive|costliest)\b|\b(?:cheapest|lowest price) first\b"
)
_ORDER_DESC = re.compile(
    r"\b(?:dearest|priciest|highest|high|most expensive|costliest)(?: price)? (?:to|-) (?:the )?"
    r"(?:cheapest|lowest|low|least expensive)\b|\b(?:dearest|priciest|most expensive|"
    r"highest price) first\b|"
    # "the aprons from most expensive down"
    r"\b(?:dearest|priciest|most expensive|costliest|highest priced?) down(?:wards)?\b"
)
_POPULAR = re.compile(
    r"\bmost popular\b|\bbest[- ]?sell(?:ing|ers?)\b|\bbestsellers?\b|\bmost bought\b|"
    r"\bmost ordered\b|\bpopular\b|\btrending\b|\btop[- ]selling\b|\bmost sold\b|"
    r"\b(?:buy|buys|bought|order|orders|ordered|get|gets|sells?|sold|like|likes)\s+(?:the\s+)?"
    r"most\b|\bsells? (?:the )?best\b|\bbest seller\b|\bbiggest sellers?\b|"
    r"\bflies off the shelf\b|\bfly off the shelves?\b|\bsells? like hot cakes\b|"
    r"\bmost people (?:buy|bought|get|order)\b|\beveryone (?:buys|gets|orders)\b"
)
_IN_STOCK = re.compile(
    r"\bin[- ]stock\b|\bavailable (?:now|today|right now)\b|\bonly (?:the )?available\b|"
    # "only ones you've actually got in at the moment"
    r"\b(?:you'?ve|you have|you) (?:actually |really |currently |definitely )?got in\b|"
    r"\bin (?:at the moment|right now|currently)\b|"
    r"\b(?:that|which) (?:are|is) available\b|\bnot sold out\b|\bcurrently available\b|"
    r"\bready to ship\b|\bships? (?:now|today)\b"
)
_CHEAPER = re.compile(
    r"\bcheaper\b|\bless expensive\b|\blower price|\bmore affordable\b|\bsomething less\b"
    r"|\bfor less\b"
    r"|\btoo (?:pricey|expensive|dear)\b|\bbit (?:pricey|expensive|much)\b"
    # "that's too much" of the price; "far too much wood already" of the things
    r"|\btoo much\b(?!\s+(?!for\b|money\b|to\b)[a-z])"
    r"|\bover (?:my|the) budget\b|\bout of my budget\b|\bcan'?t afford\b"
    r"|\b(?:that'?s|thats|it'?s|its|quite|very|rather|so|way) (?:expensive|pricey|dear)\b"
)
_PRICIER = re.compile(
    r"\bmore expensive\b|\bpricier\b|\bhigher[- ]end\b|\bbetter quality\b|\bnicer\b|\bfancier\b"
    r"|\bmore (?:premium|upmarket|luxurious|luxury|special|high[- ]end|posh|fancy)\b|\bposher\b"
    r"|\bdearer\b|\bsomething (?:better|nicer)\b"
)
_CHEAPEST = re.compile(
    r"\b(?:budget|pocket|wallet)[- ]friendly\b|"
    r"\bcheapest\b|\blowest price|\blowest in price\b|\bleast expensive\b|\bcheap\b|"
    r"\b(?:smallest|lowest) price(?: tag)?\b|\bcosts? the least\b|\bleast money\b|"
    r"\binexpensive\b|\baffordable\b|"
    r"\bbargain|\blow[- ]cost\b|"
    # "budget under 15k" states a budget; "a budget kettle" asks for a cheap one.
    r"\bbudget\b(?!\s*(?:is|of|:|about|around|under|below|upto|up to|max|within|less than|"
    r"not more than|no more than|around|approx|approximately|roughly|till|until|rs\.?|inr|"
    r"₹)?\s*[£$€₹\d])"
)
_PRICIEST = re.compile(
    r"\bmost expensive\b|\bpriciest\b|\bdearest\b|\bmost costly\b|\bcostliest\b|"
    r"\bhighest[- ]priced\b|\btop[- ]end\b|\bluxury\b|\bpremium\b|"
    r"\bfancy\b|\bposh\b"
)
_NEGATION = re.compile(
    r"\b(?:is ?n'?t|are ?n'?t|was ?n'?t|not|no|without|except(?: for)?|excluding|exclude|"
    r"other than|apart from|anything but|but not|none of|nothing|never|avoid|hates?|hated|"
    r"dislikes?|"
    r"minus(?: the)?|leave out|leaving out|sans|"
    r"any (?:other )?(?:colou?r|kind|type|brand|flavou?r|size|shade|style)s? (?:but|except)|"
    r"(?:do ?n'?t|do not|does ?n'?t|does not|never) (?:like|want|need|love|fancy|use|wear|"
    r"eat|drink)s?|rather not|"
    r"not keen on|not a fan of|not into|free from|free of|"
    r"(?:ca ?n'?t|can not|cannot|could ?n'?t) (?:stand|bear|stomach|abide)|skip|"
    r"steer clear of|stay away from|keep away from|allergic to|gone off|sick of|"
    r"fed up with|tired of|had enough of|done with)\s+"
    r"(?:(?:made|make|of|from|out|by|in|any|a|an|the|too|so|really|very|that|something|"
    r"anything|one|ones|products?|brand|color|colour|from the brand)\s+)*"
    r"(?P<what>[a-z0-9][a-z0-9&'-]*(?:\s+(?:&\s+)?(?!(?:and|or|but|under|over|below|above|less|more|"
    r"with|for|please|that|which|rated|priced|in|at|than|cheaper|because|so|as|is|are|"
    r"i|we|it|she|he|they|you|my|her|his|our|their)\b)[a-z0-9][a-z0-9&'-]*){0,2})"
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
    "GBP": re.compile(r"£|\bgbp\b|\bpounds?\b|\bquid\b|\b\d{1,2}p\b"),
    "USD": re.compile(r"\$|\busd\b|\bdollars?\b|\bbucks\b"),
    "EUR": re.compile(r"€|\beur\b|\beuros?\b"),
    "INR": re.compile(r"₹|\binr\b|\brupees?\b|\brs\.?\s*\d|\d\s*/-"),
}
_QUOTE_CUE = re.compile(
    r"\bhow much\b|\btotal\b|\bcost\b|\bcosts\b|\bprice\b|\bquote\b|\baltogether\b|"
    r"\bcome to\b|\bin all\b|"
    # "If I order 6 of them, do I get free delivery?": the quote says whether it does.
    r"\bfree (?:delivery|shipping|postage)\b|\b(?:shipping|delivery|postage) included\b"
)
# "5pounds" is an amount (of money or weight), never a product word.
_GLUED_MONEY = re.compile(
    r"\d+(?:[.,]\d+)?(?:pounds?|quid|dollars?|bucks|euros?|rupees?|rs|inr|gbp|usd|eur|p)$"
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_CURRENCY_WORDS = re.compile(
    r"[£$€₹]|\b(?:pounds?|quid|gbp|dollars?|bucks|usd|euros?|eur|rupees?|inr|rs)\b"
)
_RESET = re.compile(
    r"\bstart (?:over|again)\b|\bnew search\b|\bforget (?:that|it|all that)\b|"
    r"\bsomething completely different\b"
)
_REFINE_CUE = re.compile(
    r"\b(?:ones?|only|just|those|these|them|which are|that are|instead|rather)\b"
)
_CONTINUE_CUE = re.compile(r"^\s*(?:and|also|what about|how about|plus|same for|any)\b")


@dataclass
class ConstraintUpdate:
    """What one message says about constraints."""

    language: str = "en"
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
    exclude_brands: list[str] = field(default_factory=list)
    exclude_categories: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    occasions: list[str] = field(default_factory=list)
    ideas: list[str] = field(default_factory=list)
    quantity: int | None = None
    quote: bool = False
    size: Direction | None = None
    free_of: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)
    prefer: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)

    def has_conditions(self) -> bool:
        """True when the message sets or changes any condition on results."""
        return bool(
            self.attributes
            or self.brands
            or self.exclude
            or self.exclude_brands
            or self.relax
            or self.relative
            or self.sort
            or self.more
            or self.category
            or self.prefer
            or any(
                v is not None
                for v in (self.price_min, self.price_max, self.in_stock, self.min_rating)
            )
        )


def _amount(raw: str | None) -> float | None:
    return None if raw is None else float(raw.replace(",", "."))


def _pence(m: re.Match[str], value: float | None) -> float | None:
    """An amount written as pence ("under 50p") in pounds."""
    if value is not None and re.search(r"\dp\b(?!\s*\d)", m.group(0).strip()):
        return round(value / 100, 2)
    return value


def _blank(text: str, span: tuple[int, int]) -> str:
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


_NOT_AN_EXCLUSION = re.compile(
    r"(?:to |)(?:spend|pay|paying|spending|more|over|above|under|less|much|too|sure|worry|"
    r"problem|matter|mind|bother|exceed|go over|than|costly|expensive|pricey|dear|fancy|"
    r"overpriced)\b"
)


# "I have no ...", "we've got no ...", "there's no ... left": what the shopper lacks and wants.
_LACKING = re.compile(r"\b(?:have|has|had|'ve|got|there'?s|there is|we're|i'm|am)\s+$")


def _brand_key(key: str) -> str:
    """A brand as words ("Head & Shoulders" -> "head shoulders"), as messages are read."""
    return " ".join(words(key))


def _exclusions(text: str, lexicon: Lexicon, up: ConstraintUpdate) -> str:
    """Read "isn't red", "not Himalaya", "without glass" into the update; blank them out."""
    for m in list(_NEGATION.finditer(text)):
        phrase = m.group("what").strip()
        if _NOT_AN_EXCLUSION.match(phrase):
            continue  # "I don't want to spend more than £2" is a budget
        if _LACKING.search(text[: m.start()]) and m.group(0).startswith("no "):
            continue  # "I have no biscuits left" asks for biscuits
        filler = ShopperLanguage.load(lexicon.language).filler
        ws = [
            w
            for w in words(phrase)
            if w not in _NOT_EXCLUDABLE and w not in filler and w not in STOPWORDS
        ]
        if not ws:
            continue
        joined = " ".join(ws)
        brand = next(
            (
                b
                for key, b in sorted(lexicon.brands.items(), key=lambda kv: -len(kv[0]))
                if _brand_key(key) and f" {_brand_key(key)} " in f" {joined} "
            ),
            None,
        )
        if brand is not None:
            up.exclude_brands.append(brand)
            up.exclude += [w for w in words(brand) if w not in _NOT_EXCLUDABLE]
        else:
            stems = {stem(w) for w in ws}
            category = lexicon.match_category(stems)
            # A whole shelf only when its name is said: "not masala" leaves out masala, not
            # every product under "Foodgrains, Oil & Masala".
            if category is not None and lexicon.categories[category][0] <= stems:
                up.exclude_categories.append(category)
            # Only the first word of a longer tail is surely excluded ("not red please").
            keep = ws if len(ws) <= 2 or all(_known(w, lexicon) for w in ws) else ws[:2]
            # "Without nuts" leaves out cashews and hazelnuts too.
            keep += [m for w in keep for m in ShopperLanguage.load(lexicon.language).members(w)]
            up.exclude += [w for w in dict.fromkeys(keep) if w not in up.exclude]
        text = _blank(text, m.span())
        # "not pink or blue": every alternative after the first is excluded too; after a
        # comma only a listed word ("no moong, masoor or chana"), not a new clause ("no moong
        # though, kids won't touch it").
        tail = re.match(_TAIL, text[m.end() :])
        if tail:
            more = [w for w in re.findall(r"[a-z][a-z-]*", tail.group(0)) if w not in _JOINERS]
            filler = ShopperLanguage.load(lexicon.language).filler
            up.exclude += [
                w
                for w in more
                if w not in _NOT_EXCLUDABLE and w not in filler and w not in STOPWORDS
            ]
            text = _blank(text, (m.end(), m.end() + tail.end()))
    return text


# ", it makes my scalp itchy", "because the smell gives me a headache": why, not what.
_REASON = re.compile(
    r"(?<=[,;.!?])\s*(?:(?:it|it's|its|they|they're|that|this|because|cos|coz|since|as it|"
    r"the smell|the taste)\b[^,;.!?]*|"
    # "..., she says black is boring": what someone says or thinks, said as the reason.
    r"(?:he|she|they|(?:my|her|his|their|our) \w+)\s+(?:says?|said|thinks?|thought|reckons?|"
    r"finds?|feels?)\b[^,;.!?]*|"
    # "..., kids won't touch it": someone's habit, said as the reason.
    r"(?:\w+\s+){1,2}(?:won'?t|wouldn'?t|will not|would not|never)\s[^,;.!?]*|"
    # "..., her brother keeps picking those": what someone does with the things, said aside.
    # (A person the reading took out leaves a run of blanks where the subject was.)
    r"(?:(?:he|she|they|(?:my|her|his|their|our) \w+)\s+|\s{3,})[a-z]+\s[^,;.!?]*?"
    r"\b(?:them|those|these|it|ours|mine|theirs|hers)\b"
    r"(?:\s+(?:too|so|very|really|a bit)\s+[a-z]+)?"
    r"\s*(?=[,;.!?]|$)|"
    # "..., my kitchen is all blue and grey", "we've got far too much wood already",
    # "the wool makes me itch": how things are at home, not what to find.
    r"(?:my|our) \w+ (?:is|are|was|were|has|have)\b[^,;.!?]*|(?:my|our) \w+'s\b[^,;.!?]*|"
    r"(?:we'?ve|i'?ve|we have|i have)(?: got)? (?:\w+ )?(?:too|so|enough|plenty)\b[^,;.!?]*|"
    r"the \w+ (?:makes?|gives?|brings?|made|gave) (?:me|us|him|her|them)\b[^,;.!?]*|"
    # Hinglish: "mummy ko uski smell se sar dard hota hai", "wahi ghar pe pada hai".
    r"[^,;.!?]*\b(?:hota|hoti|hote|lagta|lagti|lagte|karta|karti|karte|khata|khati|khate|"
    r"pada|padi|pade|rakha|rakhi|rakhe)\s+(?:hai|hain|h|tha|thi)\b[^,;.!?]*)"
)


def _without_reasons(text: str, language: ShopperLanguage) -> str:
    """The text without clauses that say why (after the request, and naming no interest)."""

    def blank(m: re.Match[str]) -> str:
        if (
            language.interest_cue.search(m.group(0))
            or asks_for_a_product(m.group(0))
            or not content_words(text[: m.start()])
        ):
            return m.group(0)
        return " " * len(m.group(0))

    def someone(m: re.Match[str]) -> str:
        if m.group("who") not in language.people:
            return m.group(0)
        return blank(m)

    return _SOMEONE_DOES.sub(someone, _REASON.sub(blank, text))


# "..., wife finds them too bitter": what a person does with the things, said aside.
_SOMEONE_DOES = re.compile(
    r"(?<=[,;.!?])\s*(?P<who>[a-z]+)\s+[a-z]+(?:s|ed)\b[^,;.!?]*?"
    r"\b(?:them|those|these|it|ours|mine|theirs|hers)\b"
    r"(?:\s+(?:too|so|very|really|a bit)\s+[a-z]+)?\s*(?=[,;.!?]|$)"
)


_FREE_OF = re.compile(r"\b([a-z]{3,})[- ]free\b(?!\s+(?:of|from|delivery|shipping|gift|trial))")
_JOINERS = {"or", "nor", "and"}
_COUNT = r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+of\s+(?:them|those|these)\b"
_COUNT_OF = re.compile(_COUNT)
# "The wicker ones", "those glass ones", "four of them": things spoken of, not asked for.
_SPOKEN_OF = re.compile(
    r"\b(?:the|those|these|all|any)\s+(?:[a-z-]+\s+){1,2}ones\b|"
    + _COUNT
    + r"(?!\s*(?:please|for|,?\s*(?:how|what)))"
)
_TAIL = re.compile(
    r"(?:\s*(?:(?:or|nor|and)\s+|,\s*(?=[a-z][a-z-]*\b(?!')\s*(?:,|or\b|nor\b|and\b|[.?!]|$)))"
    r"([a-z][a-z-]*\b(?!')(?:\s+[a-z][a-z-]*\b(?!')(?=\s*(?:,|[.?!]|$|ones?\b|kinds?\b))"
    r")?))+"
)


def _listed(text: str, stop: set[str]) -> list[str]:
    """Things listed with commas: "need some namkeen, soft drinks, a few sweets and maybe
    paper plates" (three or more, each a run of product words)."""
    if text.count(",") < 1:
        return []
    best: list[str] = []
    run: list[str] = []
    for part in re.split(r"[,;]|\band\b|\bor\b|&", text):
        kept = [w for w in content_words(part) if w not in stop]
        if not kept:
            continue
        # A clause ("hosting a get-together for 10 people") ends a list: items are short
        # noun phrases, without numbers or prepositions.
        clause = re.search(r"\d|\b(?:for|on|at|with|in|to|from|is|are|was|have|has)\b", part)
        if len(kept) <= 3 and len(part.split()) <= 5 and not clause:
            phrase = " ".join(kept[-2:])
            if phrase not in run:
                run.append(phrase)
            continue
        best, run = max(best, run, key=len), []
    best = max(best, run, key=len)
    return best if len(best) >= 3 else []


def _alternatives(tokens: list[str], stop: set[str]) -> list[str]:
    """Things offered as alternatives: "a lampshade or a mirror or fairy lights", "oats or
    muesli or cornflakes" (each the run of product words around an "or")."""
    if "or" not in tokens:
        return []

    def product(w: str) -> bool:
        return w not in stop and bool(content_words(w)) and not w.isdigit()

    out: list[str] = []
    for n, w in enumerate(tokens):
        if w != "or":
            continue
        before: list[str] = []
        i = n - 1
        while i >= 0 and product(tokens[i]) and len(before) < 2:
            before.insert(0, tokens[i])
            i -= 1
        after: list[str] = []
        j = n + 1
        while j < len(tokens) and tokens[j] in ("a", "an", "some", "the", "maybe"):
            j += 1
        while j < len(tokens) and product(tokens[j]) and len(after) < 2:
            after.append(tokens[j])
            j += 1
        for phrase in (" ".join(before), " ".join(after)):
            if phrase and phrase not in out:
                out.append(phrase)
    return out if len(out) >= 2 else []


_SIZE = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:cm|mm|inch|inches|in(?!\s+(?:these|those|them|this|that|the|my|"
    r"stock|total)\b)|ft|feet|ml|litres?|liters?|ltr|kg|gm?|gb|tb|mah|watts?|w|oz|fl oz|v|hz|mp)\b"
)
# "Anything cheaper that does the same job?": like the product in question.
_SAME_JOB = re.compile(
    r"\b(?:that |which )?(?:does|do) the same (?:job|thing)\b|\bsame (?:job|"
    r"purpose|function)\b"
)
# "Had a Bajaj before and didn't like it": not a Bajaj this time.
_DISLIKED = re.compile(
    r"\b(?:had|have had|'ve had|used|tried|bought|owned) (?:a |an |the |some |one )?"
    r"(?P<what>[a-z0-9][a-z0-9&'-]*(?: (?!before|previously|already|once|last|earlier|and|but)"
    r"[a-z0-9][a-z0-9&'-]*)?) (?:one |ones )?"
    r"(?:before |previously |already |once |last time |earlier )?(?:and|but) (?:i |we |it |they )?"
    r"(?:didn'?t|did not|don'?t|do not|never|wasn'?t|was not|weren'?t|hated|disliked|broke)"
    r"(?: (?:like|love|enjoy|rate|get on with|work(?: well)?|last))?(?: (?:it|them|that|those))?"
)
_MONEY_LEAD = (
    r"(?:under|below|over|above|budget(?: of| is)?|around|about|upto|up to|max|less than|"
    r"more than|within|for|at|₹|rs\.?|inr|\$|£|€)\s*(?:₹|rs\.?|inr|\$|£|€)?\s*"
)
_SHORT_THOUSANDS = re.compile(
    rf"\b({_MONEY_LEAD})(\d+(?:\.\d+)?)\s*(k|lakhs?|lacs?)\b", re.IGNORECASE
)


_RANGE_THOUSANDS = re.compile(
    r"\b(between|from)\s+(\d+(?:\.\d+)?)\s*(k|lakhs?|lacs?)?\s*(?:and|to|-|–)\s*"
    r"(\d+(?:\.\d+)?)\s*(k|lakhs?|lacs?)\b",
    re.IGNORECASE,
)


def _thousands(text: str) -> str:
    """Amounts written short after a money word: "under 1k" -> 1000, "2 lakh" -> 200000
    (a "4k TV" stays a resolution)."""

    def spell(m: re.Match[str]) -> str:
        unit = m.group(3).lower()
        factor = 1000 if unit == "k" else 100_000
        return f"{m.group(1)}{float(m.group(2)) * factor:g}"

    def both(m: re.Match[str]) -> str:
        # "between 20k and 30k", "from 20 to 30k": each end in full, the unit shared.
        unit = (m.group(5) or m.group(3) or "").lower()
        factor = 1000 if unit == "k" else 100_000
        lo = float(m.group(2)) * (factor if (m.group(3) or m.group(5)) else 1)
        hi = float(m.group(4)) * factor
        return f"{m.group(1)} {lo:g} and {hi:g}"

    text = _RANGE_THOUSANDS.sub(both, text)
    return _SHORT_THOUSANDS.sub(spell, text)


def _compound_heads(tokens: list[str], lexicon: Lexicon) -> set[str]:
    """Attribute values that end a compound noun: "wrapping paper" is paper the product,
    not a product made of paper ("paper cups")."""
    values = {v for name, vs in lexicon.attributes.items() if name != "pack_size" for v in vs}
    out = set()
    for n, w in enumerate(tokens):
        if n == 0 or w not in values:
            continue
        before, after = tokens[n - 1], tokens[n + 1] if n + 1 < len(tokens) else ""
        if (
            before not in values
            and content_words(before)
            and not (after and content_words(after) and after not in values)
        ):
            out.add(w)
    return out


def _known(word: str, lexicon: Lexicon) -> bool:
    return word in lexicon.words or stem(word) in lexicon.words


def _money(text: str, up: ConstraintUpdate, spent: list[tuple[int, int]]) -> None:
    if m := _BETWEEN.search(text):
        nums = [g for g in m.groups() if g is not None]
        lo, hi = sorted(_amount(n) or 0.0 for n in nums[:2])
        up.price_min, up.price_max = lo, hi
        spent.append(m.span())
        return
    rest = text
    if m := _MAX_AFTER.search(text):
        up.price_max = _pence(m, _amount(m.group(1)))
        spent.append(m.span())
        return
    if m := _MAX.search(text):
        up.price_max = _pence(m, _amount(m.group(1)))
        spent.append(m.span())
        rest = _blank(text, m.span())
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


# "Right so my mum...", "ok, well I need...": how a message opens, never a product word.
_OPENING = re.compile(
    r"^\W*(?:(?:right|ok|okay|alright|well|so|anyway|now|oh|hmm+|erm+|um+)"
    r"(?:\s*[,.!-]+\s*|\s+(?=(?:right|so|then|ok|okay|well|now|i|i'm|i've|i'd|we|we're|my|"
    r"our|erm|um|basically|listen)\b)))+"
)


_ALREADY_HAVE = re.compile(
    r"(?:^|(?<=[,;.!?]))\s*(?:but\s+|and\s+)?(?:we|i|he|she|they)(?:'ve|'d| have| has)?\s+"
    r"(?:already\s+(?:got|have|has|own|bought)|(?:got|have|has|own|bought)\s+(?:[a-z]+\s+){0,3}?"
    r"(?=\S+\s+already\b))\s*(?:a |an |some |the |my |our |his |her )?"
    r"(?P<what>[a-z][a-z' -]*?)(?:\s+already)?\s*(?=[,;.!?]|$)"
)
# Hinglish puts the "not" after the thing: "masala flavour bhi nahi" is no masala flavour.
_AFTER_NEGATION = re.compile(
    r"\b(?!(?:and|or|but|the|a|an|aur|ka|ki|ke|ko|se|bhi|to|toh|ye|yeh|wo|woh)\b)"
    r"(?P<what>[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*)??"
    r"(?:\s+(?:flavou?r|wala|wali|wale|waala|waali))?)\s+"
    # "Cycle brand bhi mat dikhana", "Chings ka mat", "Britannia ke alawa": a brand's too.
    r"(?:(?:brand|ka|ki|ke)\s+)?(?:bhi\s+|also\s+)?(?:nahi|nahin|nai|mat|alawa|alava|ilawa|"
    r"siva|siwa|chhodke|chhod ke)\b"
)
_DOING = re.compile(
    r"((?:\b(?:he|she|they|it|we|i)|'s|'re|'m)\s+(?:(?:is|are|am|was|were|just|now|been|"
    r"currently|always)\s+)*)(?!(?:getting|going|having|starting|moving|bringing|looking|"
    r"searching|shopping|hoping|thinking|wondering|buying|needing|wanting)\b)"
    r"([a-z]+ing)\b(?!\s+(?:a|an|the|some|to)\b)"
)
_NO_BUDGET = re.compile(
    r"\b(?:money|cost|price|budget)(?:'s| is)? (?:no|not an?|not a) "
    r"(?:object|issue|problem|concern|constraint)\b"
)
_ANY_THING_FOR = re.compile(
    r"\b(?:thing|things|something|anything|stuff|bits|items?|products?)\s+(?:[a-z']+\s+){0,4}?"
    r"for\s+(?:the|my|our|a|your)\s+[a-z]+\s*(?:[?.!,]|$)"
)
_HELD_HOW = frozenset(
    "steady still straight upright open closed together tight warm cold dry safe clean fresh "
    "firm level flat".split()
)
# "Something to take her packed lunch in", "a thing to keep my keys in": what holds it.
_HOLDER_OF = re.compile(
    r"\b(?:something|anything|a thing|things|somewhere|a place|one)\s+(?:to|for|i can|she can|"
    r"he can|we can|they can)\s+(?:take|put|keep|carry|store|hold|pack|stash|organi[sz]e|"
    r"tidy|transport|bring)\s+(?:\w+\s+){0,3}?(?P<what>[a-z]+)(?:\s+(?:away\s+)?in|\s+on)?"
    r"(?=\s*(?:[,.;!?]|$|\b(?:for|and|but|under|below|please|that|which|so)\b))"
)


def _translated(text: str, language: ShopperLanguage, lexicon: Lexicon) -> str:
    """Chat words for products read as the catalog's own ("achaar" -> pickle), where the
    catalog's categories name the translation and not the word."""
    if not language.translations:
        return text

    def english(m: re.Match[str]) -> str:
        word = m.group(0)
        target = language.translations.get(word)
        if target is None or _known(word, lexicon):
            return word
        return target if all(_known(w, lexicon) for w in target.split()) else word

    return re.sub(r"[a-z]+", english, text)


def parse(message: str, lexicon: Lexicon) -> ConstraintUpdate:
    """The constraints one message states."""
    language = ShopperLanguage.load(lexicon.language)
    text = _OPENING.sub("", normalize_spelling(message).replace("\u2019", "'"))
    text = language.spoken_numbers(_THOUSANDS.sub("", text))
    for word, n in _NUMBER_WORDS.items():
        text = re.sub(
            rf"\b{word}\s+(pounds?|quid|dollars?|bucks|euros?|rupees?|stars?)\b", rf"{n} \1", text
        )
    # "between two and four quid": both ends of a range in words.
    text = re.sub(
        rf"\b(between|from)\s+({'|'.join(_NUMBER_WORDS)}|\d+)\s+(and|to)\s+"
        rf"({'|'.join(_NUMBER_WORDS)}|\d+)\b",
        lambda m: f"{m.group(1)} {_NUMBER_WORDS.get(m.group(2), m.group(2))} {m.group(3)} "
        f"{_NUMBER_WORDS.get(m.group(4), m.group(4))}",
        text,
    )
    text = language.spoken_amounts(text)
    text = _thousands(text)
    # "type c", "usb c": one word, as the catalog writes it ("Type-C").
    text = re.sub(r"\b(type|usb)[ -]?([abc])\b", r"\1-\2", text)
    # Ages are no budget, and no product words either.
    text = re.sub(r"\b\d+\s*-?\s*(?:years?|yrs?|months?)(?:\s*-?\s*old)?\b", " ", text)
    text = _AGE.sub(" ", text)
    # "My sister's applying for bake off": what someone is doing names no product.
    text = _DOING.sub(
        lambda m: m.group(0)
        if m.group(2) in language.occasion_words  # "who's retiring" is an occasion
        else m.group(1) + " " * len(m.group(2)),
        text,
    )
    up = ConstraintUpdate(language=lexicon.language)
    said = text
    reading = language.read(text)
    up.people, up.interests = reading.people, reading.interests
    up.occasions, up.ideas = reading.occasions, reading.ideas
    text = _translated(reading.text, language, lexicon)
    spent: list[tuple[int, int]] = []

    # A number next to "stars" or "rated" is a rating, never money: read it first.
    if m := _RATING.search(text):
        value = float(m.group("a") or m.group("b") or m.group("c"))
        strict = m.group("strict") or m.group("strict_b")
        up.min_rating = min(5.0, round(value + (0.01 if strict else 0.0), 2))
        text = _blank(text, m.span())
    elif _GOOD_RATING.search(text):
        up.min_rating = 4.0
    if m := _BEST_RATED.search(text):
        up.sort = "rating_desc"
        text = _blank(text, m.span())  # "the top customer rating" names no product
    # "... we already got skates": what they have is not what they want.
    if (m := _ALREADY_HAVE.search(text)) and content_words(text[: m.start()]):
        had = [w for w in content_words(m.group("what")) if w not in language.filler]
        up.exclude += [w for w in had if w not in up.exclude]
        text = _blank(text, m.span())
    if m := _NO_BUDGET.search(text):
        # "Money's no object", "budget is not a problem": the best the shop has, and no
        # exclusion of "object".
        text = text[: m.start()] + " premium " + text[m.end() :]
    text = _DISLIKED.sub(lambda m: f" not {m.group('what')} ", text)
    text = _AFTER_NEGATION.sub(lambda m: f" not {m.group('what')} ", text)
    held = None
    if (
        (m := _HOLDER_OF.search(text))
        and content_words(m.group("what"))
        # "something to hold the phone steady" keeps it still; it holds nothing in it.
        and m.group("what") not in _HELD_HOW
    ):
        held = m.group("what")
        text = text[: m.start()] + f" {held} " + text[m.end() :]
    text = _SAME_JOB.sub(" ", text)
    text = _exclusions(text, lexicon, up)
    _money(text, up, spent)
    counted = language.counts_as_digits(text)
    if m := language.quantity(_blank(counted, spent[0]) if spent else counted):
        up.quantity = int(next(g for g in m.groups() if g))
        up.quote = bool(_QUOTE_CUE.search(text)) and up.quantity > 0
        if up.quote:
            text = counted  # "two of the second one": the count is spent, not a word
            spent.append(m.span())
    # "Egg-free cakes", "plastic-free": free of a thing, or a claim the catalog makes
    # ("gluten free pasta"); the brain asks the catalog which.
    up.free_of = [m.group(1) for m in _FREE_OF.finditer(text) if m.group(1) not in STOPWORDS]
    direction, sized = language.size_cue(text)
    if direction is not None:
        # "Got a bigger one?": another size of the product in question, not a word to find.
        up.size = "bigger" if direction == "bigger" else "smaller"
        text = sized
    explicit = up.price_min is not None or up.price_max is not None
    if _CHEAPER.search(text) and not explicit:
        up.relative = "cheaper"
    elif _PRICIER.search(text) and not explicit:
        up.relative = "pricier"
    if up.relative == "pricier":
        # "Anything a bit more premium?": dearer than what was shown, not a word to find.
        text = _PRICIER.sub(" ", text)
    elif m := _ORDER_ASC.search(text):
        up.sort = "price_asc"
        text = _blank(text, m.span())
    elif m := _ORDER_DESC.search(text):
        up.sort = "price_desc"
        text = _blank(text, m.span())
    elif m := _PRICIEST.search(text):
        up.sort = "price_desc"
        if m.group(0) not in STOPWORDS:
            text = _blank(text, m.span())
    elif (m := _CHEAPEST.search(text)) and not up.relative:
        up.sort = "price_asc"
        if m.group(0) not in STOPWORDS:
            text = _blank(text, m.span())  # "budget friendly" is no product word
    elif (m := _POPULAR.search(text)) and up.sort is None:
        up.sort = "popularity"
        text = _blank(text, m.span())  # "most sold candles" are candles
    if _IN_STOCK.search(text):
        up.in_stock = True
    if (m := _PACK.search(text)) and lexicon.attributes.get("pack_size"):
        pack = m.group(1) or m.group(2)
        if pack in lexicon.attributes["pack_size"]:
            up.attributes["pack_size"] = pack
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

    # A word the shopper also asks for is no exclusion: "a mouse, I don't need a gaming
    # mouse" excludes "gaming", and "fruit juice, not juice glasses" excludes "glasses".
    # "The wicker ones always go mouldy" speaks of the excluded ones again: not a want.
    wanted = {stem(w) for w in words(_without_reasons(_SPOKEN_OF.sub(" ", text), language))}
    up.exclude = [w for w in up.exclude if stem(w) not in wanted]
    negated = {w for w in up.exclude}
    masked = text
    for span in spent:
        masked = _blank(masked, span)
    masked = _CURRENCY_WORDS.sub(" ", masked)
    # "She has like four of them": a count of something spoken of, never a product word.
    masked = _COUNT_OF.sub(lambda m: " " * len(m.group(0)), masked)
    masked = _without_reasons(masked, language)
    tokens = [
        t
        for t in words(masked)
        if t not in language.filler and not (t in language.vague and not _known(t, lexicon))
    ]
    attribute_words: set[str] = set()
    nouns = _compound_heads(tokens, lexicon)
    for name, values in lexicon.attributes.items():
        if name == "pack_size":
            continue
        for w in tokens:
            if w in values and w not in negated and w not in nouns:
                up.attributes.setdefault(name, values[w])
                attribute_words.add(w)
    lowered = " " + " ".join(tokens) + " "
    brand_words: set[str] = set()
    # Longest brands first, each taking its words: "24 Mantra" is not also "Mantra".
    for key, brand in sorted(lexicon.brands.items(), key=lambda kv: -len(kv[0])):
        spelled = f" {_brand_key(key)} "
        if spelled.strip() and spelled in lowered and brand not in up.exclude_brands:
            up.brands.append(brand)
            attribute_words.update(words(key))
            brand_words.update(words(key))
            lowered = lowered.replace(spelled, " | ")
    stop = attribute_words | negated | set(language.filler)
    up.alternatives = _alternatives(tokens, stop)
    if not up.alternatives:
        # A colour or material inside one listed thing ("paper plates") is that thing's.
        # "haldi powder, Tata Sampann ya Catch ka": the brands are conditions, not items.
        item_stop = negated | set(language.filler) | brand_words
        up.alternatives = _listed(
            " ".join(w for w in re.findall(r"[\w'-]+|[,;&]", masked.lower()) if w not in item_stop),
            item_stop,
        )
        inside = {w for a in up.alternatives for w in a.split()}
        up.attributes = {k: v for k, v in up.attributes.items() if v.lower() not in inside}
    if len(up.interests) >= 2 and not up.alternatives:
        # "My boy loves space and rockets": things for either, mixed.
        up.alternatives = [" ".join(content_words(i)) for i in up.interests if content_words(i)]
    found, up.phrase, purpose = product_phrase(
        tokens, attribute_words | negated, language.people
    )
    purpose = [w for w in purpose if w not in language.time_words and not w.isdigit()]
    if audience := language.audience(said, up.people):
        # "Deodorant for women", "running shoes for my husband": products marked for them
        # first, and none marked only for someone else.
        up.prefer.append(audience.marks[0])
        up.avoid = [m for name in audience.others for m in language.audiences[name].marks]
    if len(purpose) >= 2:
        # "Ink for a canon printer": what it goes with ranks, and is never required.
        up.prefer.append(" ".join(purpose))
    if held is not None:
        # Whichever holder of it the catalog has: a lunch box or a lunch bag.
        up.alternatives = [f"{held} {h}" for h in language.holders]
        found, up.phrase = [held], held
    if found and not any(found[-1] in a.split() for a in up.alternatives):
        # "a shampoo with aloe vera or hibiscus" wants a shampoo: the "or" is its detail.
        # "hooks or a mirror, something vintage" still wants either: the word after them
        # describes them.
        first = up.alternatives[0].split()[0] if up.alternatives else ""
        if not (first in tokens and found[-1] in tokens[tokens.index(first) :]):
            up.alternatives = []
    found = [
        w
        for w in found
        if not re.fullmatch(r"\d+(?:st|nd|rd|th)?", w) and not _GLUED_MONEY.match(w)
    ]
    # A size is a product word as the catalog's analyzer writes it ("138 cm" -> 138cm).
    spans = [m.group(0) for m in _SIZE.finditer(masked)]
    sizes = [
        t
        for span in spans
        for t in analyzer_tokens(span)
        if re.search(r"\d", t) and re.search(r"[a-z]", t) and t not in found
    ]
    units = {w for span in spans for w in words(span) if not re.search(r"\d", w)}
    found = [*sizes, *(w for w in found if w not in units)]
    # "Wicker wreaths? plain ones": a word before "ones" describes the thing named, never
    # is it.
    described_ones = [w for w in found if re.search(rf"\b{re.escape(w)} ones?\b", masked)]
    if described_ones and len(described_ones) < len(found):
        found = [*described_ones, *(w for w in found if w not in described_ones)]
    # What a person is into names what suits them: "for my sister who loves gardening".
    if (up.occasions or up.interests) and all(w in language.people for w in found):
        found = []  # "they've just had a baby boy": the occasion says what suits
    if any(w not in language.people for w in found):
        # "A proper builder's tea man" wants tea: the person is no product word.
        found = [w for w in found if w not in language.people]
    found_stems = {stem(w) for w in found}
    interest_words = [
        w for i in up.interests for w in content_words(i) if stem(w) not in found_stems
    ]
    up.query_words = [*interest_words, *found]
    if not up.phrase and interest_words:
        up.phrase = " ".join(up.interests)
    stems = {stem(w) for w in up.query_words}
    # What holds jewellery is not filed under jewellery.
    up.category = lexicon.match_category(stems) if stems and held is None else None
    if up.category is not None:
        leaf, parent = lexicon.categories[up.category]
        up.names_category = stems <= (leaf | parent)
        if not up.names_category:
            up.category = None
        elif _ANY_THING_FOR.search(masked):
            # "The cheapest thing you have for the garden": anything on that shelf, not
            # products with "garden" in their names.
            up.query_words, up.phrase = [], ""
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
        extra = [w for w in up.query_words if w not in previous.query.split()]
        if up.names_category:
            extra = []
        kept = previous.query.split()
        colours = ShopperLanguage.load(up.language).colours
        if any(w in colours for w in extra) or "color" in up.attributes:
            # "In blue instead?" after black watches: blue watches.
            kept = [w for w in kept if w not in colours]
        query = " ".join([*extra, *kept]).strip()
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
    if up.prefer:
        base.prefer, base.avoid = list(up.prefer), list(up.avoid)
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
    for brand in up.exclude_brands:
        if brand not in base.exclude_brands:
            base.exclude_brands.append(brand)
    base.brands = [b for b in base.brands if b not in base.exclude_brands]
    for path in up.exclude_categories:
        if path not in base.exclude_categories:
            base.exclude_categories.append(path)
    if base.category and base.category in base.exclude_categories:
        base.category = None
    return base
