"""How a shopper's words meet catalog text: content words, light stemming, mentions.

One definition serves the search tool (does a result really match the words?),
the offline brain (which words are product words?) and the evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.state import ProductFilters
from retrieval import Analyzer, Product

if TYPE_CHECKING:
    from assistant.brains.offline.language import ShopperLanguage

__all__ = [
    "STOPWORDS",
    "analyzer_tokens",
    "content_words",
    "corrected_words",
    "described",
    "distinct_titles",
    "excluded_forms",
    "keeps",
    "labelled",
    "mentions",
    "names",
    "normalize_spelling",
    "not_for_others",
    "order_by",
    "product_terms",
    "rank_by_words",
    "shelved",
    "stem",
    "words",
]

# Words that carry no product meaning in a shopping chat.
STOPWORDS = frozenset(
    """
    a an the and or but of to in on at by for from with without into onto about as than then
    i i'm im i'd i'll i've me my mine myself we us our you your yours it its it's this that
    these those they them their there here he him his she her hers who whom whose which what
    whats what's where when why how is are was were be been being am do does did done doing
    have has had having can could would should will shall may might must let lets let's
    show see find look looking search searching want wants wanted wanting need needs needed like
    likes love get got buy buying bought purchase order shop store sell sells selling
    carry stock stocked offer items item products product things thing stuff one ones some
    any anything something everything nothing else other others another more most less
    really just also maybe perhaps please pls plz kindly hi hello hey hiya thanks thank
    cheers ok okay yes yeah yep no nope not don't dont do not sure well so too very quite
    bit little lot lots much many few nice good great lovely cute pretty cool best better
    new kind type types sort sorts range options option choice choices ideas idea
    recommend recommendation recommendations suggest suggestion suggestions help tell give
    know think prefer preferably ideally actually currently now today please available
    gift gifts present presents someone somebody anyone friend friends person people
    price prices priced cost costs costing cheap cheaper cheapest expensive budget pounds
    pound quid gbp dollars dollar bucks euros euro under below over above between around
    about less least max maximum min minimum up upto only just same again still even
    color colour colors colours shade material made size sizes set pack packs piece pieces
    go goes going with match matching similar alternative alternatives compare which both
    surprise related thats that's pricey dear fancy anyway whatever prefer preferably
    thinking wondering hoping trying ask asking got gotten getting wanna gonna lookin
    unfortunately honestly basically probably definitely certainly hopefully literally
    possibly totally absolutely simply exactly already mainly mostly usually sometimes
    afraid tho though restriction restrictions tight limit limits interested interesting
    looks forward almost happen particular found idea ideas tell told mind care understand
    either neither all each every first second third fourth fifth last next previous
    popular popularity rated rating ratings review reviews reviewed stars star bestseller
    newest latest instead rather
    bestsellers seller sellers selling trending highest lowest top
    we're we've we'll we'd you're you've you'll they're they've there's here's that's
    i'll isn't aren't wasn't don't doesn't didn't can't won't wouldn't shouldn't couldn't
    gonna gotta wanna lemme kinda sorta um umm uh er im id ur pl ya ye oh ah eh mr ms mrs st
    etc eg ie vs if am as at be by go he hi in is it me my no of on or so to up us we re ll ve
    matter mind fine rush advance whether basically quality kind wondering she's he's
    she'd he'd she'll he'll
    """.split()
)

# One analyzer for the storefront and the chat: retrieval's (stems, spelling variants).
_ANALYZER = Analyzer()
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def normalize_spelling(text: str) -> str:
    """Map spelling variants ("tealight", "jewelry", "xmas") to the catalog's spelling."""
    return _ANALYZER.canonical_spelling(text)


def words(text: str) -> list[str]:
    """Lower-case word tokens (hyphens and apostrophes join words)."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def analyzer_tokens(text: str) -> list[str]:
    """Index tokens of a text as retrieval's analyzer writes them ("32 inch" -> 32in)."""
    return _ANALYZER.tokenize(text)


def stem(word: str) -> str:
    """The word's index token, as retrieval's analyzer stems it ("gardener" -> "garden")."""
    word = word.lower().removesuffix("'s").removesuffix("s'")
    return _ANALYZER.stem(word)


def content_words(text: str, extra_stop: Iterable[str] = ()) -> list[str]:
    """The product words of a message or query, in order, without repeats."""
    stop = STOPWORDS | set(extra_stop)
    out: list[str] = []
    for w in words(normalize_spelling(text)):
        # Two letters can name a product ("tv", "pc"); one never does.
        if w in stop or w.isdigit() or len(w) < 2 or re.fullmatch(r"\d+[a-z]{0,2}", w):
            continue
        if w not in out:
            out.append(w)
    return out


_TERMS: dict[str, frozenset[str]] = {}
_TERMS_MAX = 50_000
_DESCRIBED: dict[str, frozenset[str]] = {}
_NAMED_BY: dict[tuple[object, ...], frozenset[str]] = {}


_LABELLED: dict[str, str] = {}
_TITLE_USE = re.compile(r"\s(?:for|with|compatible|suitable|fits)\s", re.IGNORECASE)


def _language() -> ShopperLanguage:
    """The shipped English lexicon (imported here: the language package sits under the
    offline brain, which imports this module)."""
    from assistant.brains.offline.language import ShopperLanguage

    return ShopperLanguage.load("en")


@lru_cache(maxsize=1)
def _label_pattern() -> re.Pattern[str]:
    lang = _language()

    def alternatives(labels: tuple[str, ...]) -> str:
        ordered = sorted(labels, key=len, reverse=True)
        return "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in ordered)

    # A label opens the description or one of its segments ("... | Material Type: Silicone").
    return re.compile(
        rf"(?:^|[|/;.\n\u2022]\s*)(?:(?P<list>{alternatives(lang.listing_lists)})|"
        rf"(?:{alternatives(lang.listing_labels)}))\s*:[\s\u200e]*(?P<value>[^/|.;:\n]{{1,120}})",
        re.IGNORECASE,
    )


def labelled(description: str) -> str:
    """What a description states under a label that says what the product is ("Genre: Murder
    Thrillers", "Material Type: Silicone"): words the product is known by, as its title."""
    if not description or ":" not in description:
        return ""
    cached = _LABELLED.get(description)
    if cached is None:
        values = []
        for m in _label_pattern().finditer(description):
            value = m.group("value")
            value = value if m.group("list") else value.split(",")[0]
            # "Product Type: Protective Cover For Remote Control" is a cover.
            values.append(_TITLE_USE.split(value, maxsplit=1)[0].strip())
        cached = " ".join(values)
        if len(_LABELLED) >= _TERMS_MAX:
            _LABELLED.clear()
        _LABELLED[description] = cached
    return cached


_SETS: dict[tuple[object, ...], tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}


def _fields(product: Product) -> tuple[object, ...]:
    """A cache key of a product's text fields: their strings hash once, a joined text on
    every call."""
    return (
        product.title,
        product.category,
        product.brand,
        tuple(product.attributes.values()),
        product.description,
    )


def _term_sets(product: Product) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(all terms, terms of its own fields, terms of title, brand and attributes) of a
    product."""
    key = _fields(product)
    cached = _SETS.get(key)
    if cached is None:
        fields = [product.title, product.category, product.brand, *product.attributes.values()]
        listed = _terms(" ".join(fields))
        label = labelled(product.description)
        every = _terms(" ".join([*fields, label])) if label else listed
        own = _terms(" ".join([product.title, product.brand, *product.attributes.values()]))
        cached = (every, listed, own)
        if len(_SETS) >= _TERMS_MAX:
            _SETS.clear()
        _SETS[key] = cached
    return cached


def product_terms(product: Product) -> frozenset[str]:
    """Stems of the words a product is known by: title, category, brand, attribute values,
    and what its description states under a label such as "Genre:" or "Material:"."""
    return _term_sets(product)[0]


def _terms(text: str) -> frozenset[str]:
    cached = _TERMS.get(text)
    if cached is not None:
        return cached
    terms = set(_ANALYZER.tokenize(text))
    for w in words(text):
        terms.add(stem(w))
        terms.update(stem(part) for part in w.split("-") if len(part) > 2)
        terms.update(_ANALYZER.base_forms(w))
    if len(_TERMS) >= _TERMS_MAX:
        # Catalog versions come and go; a full cache simply starts again.
        _TERMS.clear()
    _TERMS[text] = frozenset(terms)
    return _TERMS[text]


def excluded_forms(word: str) -> set[str]:
    """The index tokens an excluded word rules out: its stem and, for an adjective, the
    word it is made from ("spotty" rules out "Spots Mug")."""
    return {stem(word), *(b for w in words(word) for b in _ANALYZER.base_forms(w))}


def described(product: Product, word: str) -> bool:
    """True when the product's description uses the word (as the analyzer stems it): an
    attribute a listing names only in its text ("waterproof", "certified")."""
    text = product.description
    tokens = _DESCRIBED.get(text)
    if tokens is None:
        tokens = frozenset(_ANALYZER.tokenize(text))
        if len(_DESCRIBED) >= _TERMS_MAX:
            _DESCRIBED.clear()
        _DESCRIBED[text] = tokens
    return stem(word.lower()) in tokens


@lru_cache(maxsize=1)
def _short_forms() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for short, full in _language().short_forms.items():
        out.setdefault(short, []).append(full)
        out.setdefault(full, []).append(short)
    return {w: tuple(forms) for w, forms in out.items()}


def mentions(product: Product, word: str, terms: frozenset[str] | None = None) -> bool:
    """True when the product is known by `word` (same stem, or a compound that starts with it,
    or the word's short or long form: "mic" and "microphone")."""
    terms = product_terms(product) if terms is None else terms
    if any(_mentions(terms, stem(o), o) for o in _short_forms().get(word.lower(), ())):
        return True
    return _mentions(terms, stem(word.lower()), word)


def _mentions(terms: frozenset[str], target: str, word: str) -> bool:
    if target in terms:
        return True
    if "-" in word:
        # "parle-g" is the product's "Parle-G": every longer piece is there.
        pieces = [p for p in word.lower().split("-") if len(p) > 1]
        return bool(pieces) and all(stem(p) in terms for p in pieces)
    if len(target) >= 4:
        return any(t.startswith(target) and len(t) - len(target) <= 6 for t in terms)
    return False


_TITLE_TAIL = re.compile(r"\s(?:for|with|compatible|suitable|fits|-|–)\s|[,|\[]", re.IGNORECASE)


def accessory_shelf(leaf: str) -> bool:
    """Whether a category leaf is a shelf of things for something ("Cell Phones &
    Accessories", "Camera Parts"), which names the accessories, not the thing."""
    return any(w in _language().accessory_words for w in words(leaf))


def shelved(product: Product, word: str) -> bool:
    """True when the product's own shelf (its category's leaf) is named by `word`."""
    leaf = product.category.split(">")[-1]
    if not leaf.strip() or accessory_shelf(leaf):
        return False
    target = stem(word.lower())
    others = _short_forms().get(word.lower(), ())
    have = {stem(w) for w in words(leaf)}
    return target in have or any(stem(o) in have for o in others)


def names(product: Product, word: str) -> bool:
    """True when the product IS a `word`, not merely made for one: the word is in its
    category, attributes, the head of its title, before "for", "with" or a comma
    ("Lint Remover for Clothes, Sofa" names no sofa), or what its listing states it is
    ("Genre: Murder Thrillers")."""
    key = _fields(product)
    have = _NAMED_BY.get(key)
    if have is None:
        head = _TITLE_TAIL.split(product.title, maxsplit=1)[0]
        # The leaf names the product; a parent ("TV & Video > Remote Controls") only its
        # world, and a shelf of accessories ("Cell Phones & Accessories") only the accessories.
        leaf = product.category.split(">")[-1]
        if accessory_shelf(leaf):
            leaf = " ".join(w for w in words(leaf) if w in _language().accessory_words)
        text = " ".join(
            [head, leaf, product.brand, *product.attributes.values(), labelled(product.description)]
        )
        have = frozenset(_ANALYZER.tokenize(text)) | {stem(w) for w in words(text)}
        if len(_NAMED_BY) >= _TERMS_MAX:
            _NAMED_BY.clear()
        _NAMED_BY[key] = have
    target = stem(word.lower())
    others = _short_forms().get(word.lower(), ())
    if "-" in word and target not in have:
        pieces = [p for p in word.lower().split("-") if len(p) > 1]
        return bool(pieces) and all(stem(p) in have for p in pieces)
    return target in have or any(stem(o) in have for o in others)


def keeps(product: Product, filters: ProductFilters) -> bool:
    """Conditions the ports do not apply themselves: attributes, brands, rating, excluded words."""
    if filters.exclude:
        # The exact word, as the catalog's analyzer reads it: "wired" excludes no "wireless".
        terms = product_terms(product)
        if any(not terms.isdisjoint(excluded_forms(w)) for w in filters.exclude):
            return False
    for name, value in filters.attributes.items():
        if product.attributes.get(name, "").lower() != value.lower():
            return False
    if filters.brands and product.brand.lower() not in {b.lower() for b in filters.brands}:
        return False
    if filters.exclude_brands and product.brand.strip().lower() in {
        b.strip().lower() for b in filters.exclude_brands
    }:
        return False
    have = [c.strip().lower() for c in product.category.split(">")]
    for path in filters.exclude_categories:
        gone = [c.strip().lower() for c in path.split(">")]
        if have[: len(gone)] == gone:
            return False
    if filters.min_rating is not None and (product.rating or -1) < filters.min_rating:
        return False
    if filters.in_stock is not None and product.in_stock != filters.in_stock:
        return False
    if filters.category:
        want = [c.strip().lower() for c in filters.category.split(">")]
        have = [c.strip().lower() for c in product.category.split(">")]
        if have[: len(want)] != want:
            return False
    lo, hi = filters.price_min, filters.price_max
    price = float(product.price)
    return not ((lo is not None and price < lo) or (hi is not None and price > hi))


def order_by(
    products: list[Product], sort: str, sales_rank: Mapping[str, int] | None = None
) -> list[Product]:
    """Products in the shopper's order (a stable sort: ties keep search order)."""
    if sort == "rating_desc":
        return sorted(products, key=lambda p: (-(p.rating or 0.0), -p.rating_count))
    if sort == "popularity" and sales_rank:
        return sorted(products, key=lambda p: (sales_rank.get(p.id, len(sales_rank)), p.in_stock))
    if sort == "popularity":
        return sorted(products, key=lambda p: (-p.rating_count, not p.in_stock))
    if sort == "price_asc":
        return sorted(products, key=lambda p: (float(p.price), not p.in_stock))
    if sort == "price_desc":
        return sorted(products, key=lambda p: (-float(p.price), not p.in_stock))
    # Relevance order, with what can be bought now ahead of what cannot.
    return sorted(products, key=lambda p: not p.in_stock)


def distinct_titles(products: list[Product]) -> list[Product]:
    """One product per title: variants sold under one name read as repeats in a short list."""
    seen: set[str] = set()
    out = []
    for p in products:
        key = p.title.strip().lower()
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def corrected_words(query: str, corrected: str | None) -> list[str]:
    """The query's product words, with the index's spelling corrections where they fix a typo
    ("candels" -> "candles") rather than shorten a word the catalog lacks ("toner" -> "tone")."""
    original = content_words(query)
    if not corrected:
        return original
    fixed = content_words(corrected)
    if len(fixed) != len(original):
        return original

    # Swapped or missing letters are typos; a dropped letter more likely makes another word,
    # unless it was a letter typed twice too many ("paneeer" -> "paneer").
    def squeezed(w: str) -> str:
        return re.sub(r"(.)\1+", r"\1", w)

    return [
        c
        if (len(c) >= len(o) and not c.startswith(o)) or (c != o and squeezed(c) == squeezed(o))
        else o
        for o, c in zip(original, fixed, strict=True)
    ]


_FEW = 4


def _same_kind(
    found: list[Product], scored: list[tuple[tuple[float, ...], Product]], wanted: list[str]
) -> list[Product]:
    """When few products carry the head noun, the others filed in their category that carry
    the rest of the words: the shop's "Wrap Carousel" is wrapping paper too."""
    if not found or len(found) >= _FEW or len(wanted) < 2:
        return []
    # Only a shelf of one kind says so; a top-level department ("Office Products") holds
    # printer ink beside printer paper.
    kinds = {p.category for p in found if ">" in p.category}
    ids = {p.id for p in found}
    rest = wanted[:-1]
    return [
        p
        for _, p in scored
        if p.id not in ids and p.category in kinds and all(mentions(p, w) for w in rest)
    ]


def not_for_others(products: list[Product], prefer: list[str], avoid: list[str]) -> list[Product]:
    """The products without those marked only for someone else ("Deodorant - Men" when the
    shopper wants it for women: `avoid` carried and none of `prefer`), in the same order,
    while any others remain."""
    if not avoid:
        return products
    wanted = [w for phrase in prefer for w in content_words(phrase)]
    kept = []
    for p in products:
        terms = product_terms(p)
        if any(mentions(p, w, terms) for w in wanted) or not any(
            mentions(p, w, terms) for w in avoid
        ):
            kept.append(p)
    return kept or products


def rank_by_words(
    products: list[Product],
    wanted: list[str],
    sort: str,
    sales_rank: Mapping[str, int] | None = None,
    prefer: list[str] | None = None,
) -> tuple[list[Product], bool]:
    """Products that carry the shopper's words: those with more of the words first, then
    those made for what `prefer` names ("ink for a canon PRINTER"), then the ones named by
    the last word (the head noun: "wall CLOCK"), in stock, then search order. A price sort
    orders by price within the same number of words; popularity is the rating count, or the
    shop's sales rank when given. Returns the products and whether they carry every word."""
    head = wanted[-1]
    extra = [w for phrase in prefer or [] for w in content_words(phrase) if w not in wanted]
    scored = []
    for rank, p in enumerate(products):
        terms, listed, own = _term_sets(p)
        hits = sum(mentions(p, w, terms) for w in wanted)
        if not hits:
            continue
        fits: float = sum(mentions(p, w, terms) for w in extra)
        # A word its own fields say beats one only its description's labels state ("smart
        # watch, black": a black watch by its title, then one whose listing says so).
        fits -= sum(0.5 for w in wanted if mentions(p, w, terms) and not mentions(p, w, listed))
        # A describing word only its shelf has is weaker still: "Soya Bean Oil" on the "Soya &
        # Mustard Oils" shelf is no mustard oil. (The head noun alone may be the shelf's:
        # "the cheapest thing for the garden".)
        # The head noun only on the shelf is weaker again: "Instant Pasta" on the Instant
        # Noodles shelf is less a noodle than "Noodles - Chicken" is instant.
        fits -= (
            sum(
                1.5 if w == head else 1.0
                for w in wanted
                if mentions(p, w, listed) and not mentions(p, w, own)
            )
            if len(wanted) > 1
            else 0.0
        )
        price = float(p.price)
        # A price sort is in price order among the products that ARE the thing asked for
        # ("cheap bags": bags, then what is only filed with them); a sold-out product says
        # so in the listing.
        other = not names(p, head)
        # In a sorted list, what is filed on the head noun's own shelf first: the cheapest
        # paneer is on the Paneer shelf, not "Paneer Chilli Masala" among the spices.
        unshelved = other or not (shelved(p, head) and mentions(p, head, own))
        if sort == "price_asc":
            key: tuple[float, ...] = (-hits, -fits, other, unshelved, price, not p.in_stock, rank)
        elif sort == "price_desc":
            key = (-hits, -fits, other, unshelved, -price, not p.in_stock, rank)
        elif sort == "rating_desc":
            key = (-hits, -fits, other, unshelved, -(p.rating or 0.0), -p.rating_count, rank)
        elif sort == "popularity":
            sold = sales_rank.get(p.id, len(sales_rank)) if sales_rank else -p.rating_count
            key = (-hits, -fits, other, unshelved, sold, rank)
        else:
            # Words the title lacks but the description has count next ("certified").
            told = sum(described(p, w) for w in wanted if not mentions(p, w, terms))
            key = (
                -hits,
                -fits,
                not mentions(p, head, terms),
                not names(p, head),
                -told,
                not p.in_stock,
                rank,
            )
        scored.append((key, p))
    scored.sort(key=lambda x: x[0])
    best = -scored[0][0][0] if scored else 0
    if best == len(wanted):
        # Some products carry every word: those are what was asked for.
        every = [p for key, p in scored if -key[0] == best]
        # A kind of thing ("wrapping paper") may go by other names; a product named in
        # full ("hide & seek choco rolls") is that product.
        more = _same_kind(every, scored, wanted) if len(wanted) <= 2 else []
        return every + more, True
    # Without the head noun a product is something else ("wall" is no "wall clock") ...
    with_head = [p for _, p in scored if mentions(p, head)]
    if with_head or len(wanted) < 3:
        return with_head + _same_kind(with_head, scored, wanted), False
    # ... unless nothing has it: then what satisfies most of a long request.
    return [p for key, p in scored if -key[0] * 2 >= len(wanted)], False
