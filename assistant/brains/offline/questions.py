"""Answering a question about one product from its catalog fields, and saying what they lack.

A question asks about aspects (price, stock, colour, material, pack size,
rating, pictures, details); each aspect the catalog has is answered from its
field, and each it lacks (dimensions, dishwasher safety ...) is said plainly.
"""

from __future__ import annotations

import re

from assistant.brains.offline.language import ShopperLanguage
from assistant.brains.offline.templates import Phrasebook
from assistant.guardrails import clean_catalog_text
from assistant.matching import stem, words
from retrieval import Product

__all__ = ["answer_question", "describe_product"]

_ASPECTS: list[tuple[str, re.Pattern[str]]] = [
    (
        "price",
        # "How much power does it use?" asks about power, not the price.
        re.compile(
            r"\bhow much\b(?!\s+(?!is\b|are\b|does\b|do\b|for\b|would\b|will\b|was\b|did\b|"
            r"money\b)[a-z]+\s+(?:does|do|can|will|is|are|would))"
            # "How much time to charge?", "how much rice can it cook?": a quantity asked.
            r"(?!\s+(?:time|power|water|space|room|weight|data|storage|battery|charge|"
            r"electricity|noise|current|rice|milk|capacity|load|air|heat|steam|juice)\b)"
            # "How much does the Osmo weigh?": a figure of the product, not its price.
            r"(?!\s+(?:\w+\s+){0,6}?(?:weigh|weighs|hold|holds|draw|draws|pull|pulls|consume|"
            r"consumes)\b)|"
            r"\bprice\b|\bcosts?\b|"
            r"\bpricey\b|\bexpensive\b|\bcheap\b"
        ),
    ),
    (
        "brand",
        re.compile(
            r"\bwhich (?:company|brand)\b|\bwho (?:makes|made|manufactures)\b|"
            r"\bmanufacturer\b|\bmade by\b|\bwhat brand\b|\bbrand is\b"
        ),
    ),
    (
        "stock",
        re.compile(
            r"\bin stock\b|\bavailab\w*|\bsold out\b|\bcan i (?:get|buy|order)\b|\bhave (?:it|"
            r"them|any)\b|"
            # "is the bath duck watering can back in yet?", "still got it?"
            r"\bback in\b|\bin yet\b|\brestock\w*|\bstill (?:got|have|sell)\b|"
            r"\bgot (?:it|them|any) in\b"
        ),
    ),
    ("color", re.compile(r"\bcolou?rs?\b|\bwhat shade\b")),
    ("material", re.compile(r"\bmaterial\b|\bmade (?:of|from|out of)\b|\bwhat is it made\b")),
    (
        "pack",
        re.compile(
            # "how many litres does it hold?" asks for a figure, not a count in the pack.
            r"\bhow many\b(?! (?:litres?|liters?|watts?|hours?|minutes?|mah|gb|tb|inch(?:es)?|cm|"
            r"mm|metres?|meters?|feet|kg|grams?|contacts|pages|people|levels?|speeds?|modes?|"
            r"ports?|years?|months?|days?|cups?|eggs?|burners?|jars?|blades?|settings?))|"
            r"\bpack size\b|\bset of\b|\bpieces?\b|\bquantity\b|\bin a (?:pack|set|"
            r"box)\b"
        ),
    ),
    (
        "rating",
        re.compile(
            r"\bratings?\b|\breviews?\b|\brated\b(?! (?:for|at|to|up to)\b)|\bstars?\b|"
            r"\bworth it\b|\bgood quality\b|"
            r"\bquality\b"
        ),
    ),
    (
        "picture",
        re.compile(
            # "can I see a photo?", not "can she click photos with it?" (a camera).
            r"\b(?:show|send|see|share|got|have|are there|any|a|some)\b[^.?!]{0,15}?"
            r"\b(?:pictures?|photos?|images?|pics?(?!\s*-?\d))\b|^\W*(?:pictures?|photos?|pics?)\W*$|"
            r"\bwhat does it look like\b|\bsee it\b"
        ),
    ),
    (
        "details",
        re.compile(
            r"\btell me\b|\bdescribe\b|\bdetails?\b|\bmore about\b|\binfo\w*\b|\bwhat (?:is|"
            r"'s) (?:it|that|this)\b|\bwhat about\b"
        ),
    ),
]
_UNKNOWN: list[tuple[str, re.Pattern[str]]] = [
    (
        "its size",
        re.compile(
            r"\bsize\b|\bdimensions?\b|\bhow (?:big|large|small|tall|wide|deep)\b|"
            r"\bhow long\b(?!\s+(?:have|has|had|been|since|ago|until|till|will|does it take))|"
            r"\bmeasure\w*\b|\bfit\b|\bcm\b|\binch\w*\b"
        ),
    ),
    ("its weight", re.compile(r"\bweigh\w*\b|\bheavy\b|\blight ?weight\b")),
    ("whether it's dishwasher safe", re.compile(r"\bdishwasher\b")),
    ("whether it's microwave safe", re.compile(r"\bmicrowave\b")),
    (
        "anything about batteries or power",
        re.compile(r"\bbatter(?:y|ies)\b|\bpower\b|\bcord\b|\bplug\b|\bwatts?\b|\bvolts?\b"),
    ),
    ("a warranty", re.compile(r"\bwarranty\b|\bguarantee\b")),
    ("an age range", re.compile(r"\bage\b|\byears? old\b|\bkids?\b|\bchild\w*\b|\btoddler\b")),
    (
        "whether it's waterproof or can go outside",
        re.compile(r"\bwaterproof\b|\boutdoors?\b|\boutside\b|\brain\b"),
    ),
    ("what comes with it", re.compile(r"\bcome with\b|\bincluded?\b|\bin the box\b")),
    ("how to care for it", re.compile(r"\bwash\w*\b|\bclean\w*\b|\bcare\b")),
    (
        "where it's made",
        re.compile(r"\bmade in\b|\bwhere (?:is it|are they) (?:from|made)\b|\borigin\b"),
    ),
    (
        "whether it's compatible",
        re.compile(r"\bcompatib\w*\b|\bwork with\b|\breplace\w*\b|\bfits?\b"),
    ),
    ("how it's delivered", re.compile(r"\bgift box(?:ed)?\b|\bpackag\w*\b|\bwrapped\b")),
]


def _attributes(p: Product) -> str:
    parts = []
    if p.attributes.get("color"):
        parts.append(p.attributes["color"])
    if p.attributes.get("material"):
        parts.append(p.attributes["material"])
    if p.attributes.get("pack_size"):
        parts.append(f"pack of {p.attributes['pack_size']}")
    if p.brand:
        parts.append(f"by {p.brand}")
    return ", ".join(parts)


def describe_product(p: Product, price: str, *, short: bool = False) -> str:
    """One product in a sentence: title, price, stock, category and attributes."""
    stock = "in stock" if p.in_stock else "out of stock"
    leaf = p.category.split(">")[-1].strip().lower() if p.category else ""
    attrs = _attributes(p)
    if short:
        extra = ", ".join(x for x in (leaf, attrs) if x)
        return f"{p.title}: {price}, {stock}" + (f" ({extra})." if extra else ".")
    where = f" from our {leaf} range" if leaf else ""
    text = f"The {p.title} is{where} and costs {price}. It is {stock}."
    if attrs:
        text += f" Details: {attrs}."
    return text


# Aspects a catalog field answers outright.
_FIELD_ASPECTS = {"price", "stock", "color", "material", "brand", "rating"}
_NUMBER_UNIT = re.compile(r"\d(?:[\d.,]*)\s?([a-z]{1,5})\b")
_ASKS_FIGURE = re.compile(
    r"\bhow (?:much|many|long|big|heavy|tall|wide)\b|\bwhat(?:'s| is) the (?:\w+ )?"
    r"(?:capacity|size|power|wattage|weight|length|warranty)\b"
)
_HOW_WORDS = re.compile(r"\bhow (long|big|heavy|tall|wide)\b")
_FUNCTION_WORDS = {
    "like",
    "kind",
    "sort",
    "a",
    "an",
    "the",
    "is",
    "are",
    "was",
    "does",
    "do",
    "did",
    "it",
    "its",
    "it's",
    "this",
    "that",
    "these",
    "those",
    "they",
    "them",
    "have",
    "has",
    "had",
    "how",
    "what",
    "which",
    "who",
    "whom",
    "where",
    "when",
    "why",
    "can",
    "could",
    "will",
    "would",
    "should",
    "i",
    "you",
    "we",
    "me",
    "my",
    "your",
    "of",
    "on",
    "in",
    "at",
    "to",
    "for",
    "with",
    "and",
    "or",
    "be",
    "any",
    "there",
    "much",
    "many",
    "use",
    "uses",
    "come",
    "comes",
    "get",
    "one",
    "first",
    "second",
    "third",
    "last",
    "please",
    "tell",
    "about",
    "people",
    "so",
    "if",
    "by",
    "from",
    "as",
    "than",
    "then",
    "just",
    "also",
    "really",
}
_IS_QUESTION = re.compile(
    r"^\W*(?:does|do|is|are|can|will|would|what|how|which|has|have|could)\b|\?\s*$"
)
_PASSAGE_SPLIT = re.compile(r"\s*\|\s*|(?<=[.!?;])\s+|\s*\n+\s*|\s+(?=[A-Z][A-Za-z ]{2,30}:\s)")


def passages(p: Product) -> list[tuple[str, str]]:
    """(field, text) of every passage in a product's own fields: attributes, then sentences."""
    out = [(f"attribute {k}", f"{k}: {v}") for k, v in p.attributes.items()]
    description, _ = clean_catalog_text(p.description)
    carry = ""
    for part in _PASSAGE_SPLIT.split(description):
        part = (carry + " " + part.strip(" ,|-")).strip() if carry else part.strip(" ,|-")
        # A heading alone ("Warranty") belongs with what follows it.
        if len(part) < 20 and not part.endswith((".", "!", "?")):
            carry = part
            continue
        carry = ""
        if len(part) > 3:
            out.append(("description", part[:300]))
    if carry:
        out.append(("description", carry))
    return out


_EITHER = re.compile(r"\b([a-z][a-z-]+) or ([a-z][a-z-]+)\b")


def _either(a: str, b: str, p: Product, title_terms: set[str]) -> list[tuple[str, str, str]]:
    """The one of two alternatives that the product's title or fields name, with the text."""
    sources = [("title", p.title), *passages(p)]
    hits = []
    for alt in (a, b):
        for field, text in sources:
            terms = title_terms if field == "title" else {stem(w) for w in words(text)}
            if stem(alt) in terms:
                hits.append((alt, field, text))
                break
    return hits if len(hits) == 1 else []


_CLAUSE_SPLIT = re.compile(r"[,;]\s*|(?<=\?)\s+")
_ASKING = re.compile(
    r"\b(?:how|what|which|does|do|did|is|are|can|could|will|would|should|has|have|any)\b|\?"
)


def find_passage(message: str, p: Product) -> tuple[str, str] | None:
    """The passage of the product's own fields (title, attributes, description) that answers
    a question, by the words they share as the catalog's analyzer reads them; None when no
    passage carries a word the question asks about.

    Words that name the product (its first title words, brand and category) are not what
    is asked: in "does the Prestige PKGSS kettle have auto shut off?" the question is
    "auto shut off".
    """
    naming = {stem(w) for w in words(p.title)[:4]}
    naming |= {stem(w) for w in words(f"{p.brand} {p.category}")}
    text = message.lower()
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c.strip()]
    asking = [c for c in clauses if _ASKING.search(c)]
    if len(clauses) > 1 and asking:
        # "agaro rapid 10 litre wet and dry vacuum, how long is the power cord?": the clause
        # that asks; the other names the product.
        text = " ".join(asking)
    language = ShopperLanguage.load("en")
    # "How long", "how much power": the listing's words for what is asked.
    said = [w for w in words(text) if w not in _FUNCTION_WORDS]
    how = _HOW_WORDS.search(text)
    if how and any(w in language.aspects for w in said if w != how.group(1)):
        # "How long is the warranty?" asks about the warranty, not a length.
        said = [w for w in said if w != how.group(1)]
    figure = bool(_ASKS_FIGURE.search(text))
    asked = [w for w in dict.fromkeys(said) if stem(w) not in naming]
    if not asked:
        return None
    title = {stem(w) for w in words(p.title)}
    title |= {stem(x) for w in words(p.title) if "-" in w for x in w.split("-")}
    unnamed = [w for w in asked if stem(w) not in title]
    # The title answers only what all of it carries ("auto shut off"); otherwise the
    # words the title lacks ("warranty") are what the question asks about.
    sources = passages(p) if unnamed else [("title", p.title), *passages(p)]
    targets = unnamed or asked

    # One group of stems per word asked: the word and the listing's words for it ("wattage"
    # is one of the power words: the listing's "Power: 72 watts").
    def group(w: str) -> set[str]:
        return {
            stem(a)
            for a in (
                w,
                *language.aspects.get(w, ()),
                *(a for k, vals in language.aspects.items() if w in vals for a in (k, *vals)),
            )
        }

    groups = [group(w) for w in dict.fromkeys(targets)]
    # Words the title also has still tell two passages apart ("come with batteries in the
    # box?": the box passage that lists the batteries).
    also = [group(w) for w in dict.fromkeys(asked) if w not in targets]
    found = _best_passage(sources, groups, figure, also)
    if (
        found is None
        and unnamed
        and (len(asked) - len(unnamed) >= 2 or (figure and asked != unnamed))
    ):
        # "Does it have a heart rate sensor?" of a "... Heart Rate Monitor" watch: the title
        # carries most of what is asked.
        return ("title", p.title)
    return found


def _best_passage(
    sources: list[tuple[str, str]],
    groups: list[set[str]],
    figure: bool,
    also: list[set[str]] | None = None,
) -> tuple[str, str] | None:
    """The passage that answers the most of the words asked (each by itself or one of the
    listing's words for it), then the one that says them most often; a figure when one is
    asked ("how long is the power cord?": "6 Metres Long Power Cord", not "Powerful 1000W")."""
    best: tuple[tuple[float, int, int, int], tuple[str, str]] | None = None
    for n, (field, text) in enumerate(sources):
        said = [stem(w) for w in words(text)]
        said += [stem(x) for w in words(text) for x in w.split("-") if "-" in w]
        # "28W" carries the unit a power question asks about.
        said += [m.group(1) for m in _NUMBER_UNIT.finditer(text.lower())]
        have = set(said)
        hits = sum(1 for g in groups if g & have)
        if hits == 0:
            continue
        score = hits / len(groups) + (0.1 if field.startswith("attribute") else 0.0)
        if figure and any(c.isdigit() for c in text):
            score += 0.5  # "how much power ...?" is answered by a figure
        often = sum(1 for w in said if any(w in g for g in groups))
        key = (score, sum(1 for g in also or [] if g & have), often, -n)
        if best is None or key > best[0]:
            best = (key, (field, text))
    return None if best is None else best[1]


# "Does it have a timer?", "will the kettle come with a spare lid": the thing asked about.
_HAS_THING = re.compile(
    r"\b(?:does|do|will|would|can|is there)\s+(?:(?:it|this|that|they|this one|that one|the "
    r"[a-z0-9 -]{1,40}?)\s+)?(?:have|has|come with|comes with|include|includes|got)\s+"
    r"(?:(an?\s+|any\s+|some\s+)?)([a-z][a-z -]{1,30}?)\s*(?:\?|$|[.,!]|\s+(?:or|in|on|at|too)\b)"
)


_IS_THERE = re.compile(
    r"\bis there (an?\s+|any\s+)?([a-z][a-z -]{1,30}?)\s*(?:\?|$|[.,!]|\s+(?:in|on|with)\b)"
)


def _without_name(text: str, title: str) -> str:
    """The text without runs of two or more words of the product's title."""
    said = {w.lower() for w in words(title)}
    tokens = text.split()
    keep = [True] * len(tokens)
    run: list[int] = []
    for i, t in enumerate([*tokens, ""]):
        if t and re.sub(r"^\W+|\W+$", "", t) in said:
            run.append(i)
            continue
        if len(run) >= 2:
            for j in run:
                keep[j] = False
        run = []
    return " ".join(t for t, k in zip(tokens, keep, strict=True) if k)


def answer_question(message: str, p: Product, price: str, book: Phrasebook) -> list[str]:
    """Sentences that answer `message` about product `p` from its catalog fields."""
    text = message.lower()
    # The product's name as said ("is Desert Star long?") asks about no star rating.
    unnamed = _without_name(text, p.title)
    asked = [name for name, rx in _ASPECTS if rx.search(unnamed)]
    unknown = [phrase for phrase, rx in _UNKNOWN if rx.search(unnamed)]
    if set(asked) & _FIELD_ASPECTS:
        # "Is the red kids umbrella in stock?" asks about stock; "kids" names the product.
        unknown = []
    if "pack" in asked and not p.attributes.get("pack_size"):
        # "How many people have bought it?" may be answered by the listing's own words.
        found = find_passage(message, p)
        if found is not None:
            return [f'The listing for the {p.title} says, in its {found[0]}: "{found[1]}" ']
    out: list[str] = []
    if m := _EITHER.search(text):
        # "Is it wired or wireless?": the alternative its listing names, quoted.
        title_terms = {stem(w) for w in words(p.title)}
        for alt, field, passage in _either(m.group(1), m.group(2), p, title_terms):
            return [f'The {p.title} is {alt}: its {field} says "{passage}" ']
    if not asked or unknown:
        found = find_passage(message, p)
        if found is not None:
            field, passage = found
            # The listing's own words, quoted, with the field they come from.
            if field == "title":
                return [f'The listing says so in its title: "{passage}" ']
            return [f'The listing for the {p.title} says, in its {field}: "{passage}" ']
        if not unknown and (m := _HAS_THING.search(text) or _IS_THERE.search(text)):
            # "Does it have a timer?": say what the listing does not mention, by name.
            thing = f"{m.group(1) or ''}{m.group(2).strip()}"
            return [
                book.say("not_in_listing", thing=thing, title=p.title) + " ",
                "Shall I ask a member of staff to check? ",
            ]
        if unknown or (not asked and _IS_QUESTION.search(text)):
            aspect = unknown[0] if unknown else "that"
            return [
                book.say("unknown_detail", aspect=aspect, title=p.title) + " ",
                "Shall I ask a member of staff to check? ",
            ]
    for aspect in asked:
        if aspect == "price":
            out.append(f"The {p.title} costs {price}. ")
        elif aspect == "stock":
            out.append(
                f"Yes, the {p.title} is in stock. "
                if p.in_stock
                else f"The {p.title} is out of stock at the moment. "
            )
        elif aspect == "color":
            color = p.attributes.get("color")
            out.append(
                f"The {p.title} is {color}. "
                if color
                else book.say("unknown_detail", aspect="a colour", title=p.title) + " "
            )
        elif aspect == "material":
            material = p.attributes.get("material")
            out.append(
                f"The {p.title} is made of {material}. "
                if material
                else book.say("unknown_detail", aspect="its material", title=p.title) + " "
            )
        elif aspect == "pack":
            pack = p.attributes.get("pack_size")
            out.append(
                f"The {p.title} comes as a set of {pack}. "
                if pack
                else book.say("unknown_detail", aspect="how many come in a pack", title=p.title)
                + " "
            )
        elif aspect == "rating":
            if p.rating is None:
                out.append(book.say("no_ratings", title=p.title) + " ")
            else:
                out.append(
                    f"The {p.title} is rated {p.rating:g} out of 5 from {p.rating_count} ratings. "
                )
        elif aspect == "brand":
            found = None if p.brand else find_passage(message, p)
            if p.brand:
                out.append(f"The {p.title} is made by {p.brand}. ")
            elif found is not None:
                out.append(f'The listing for the {p.title} says, in its {found[0]}: "{found[1]}" ')
            else:
                out.append(book.say("unknown_detail", aspect="its maker", title=p.title) + " ")
        elif aspect == "picture":
            out.append(
                book.say("no_pictures", title=p.title, url=p.url or "its product page") + " "
            )
    for phrase in unknown:
        out.append(book.say("unknown_detail", aspect=phrase, title=p.title) + " ")
    if not asked or asked == ["details"] or unknown:
        out.append(describe_product(p, price) + " ")
        description, _ = clean_catalog_text(p.description)
        if description and not asked == ["price"]:
            first = re.split(r"(?<=[.!?])\s+", description.strip(), maxsplit=1)[0]
            out.append(f"From the catalog: {first} ")
    return out
