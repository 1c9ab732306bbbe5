"""Catalog text analysis: normalisation, units and dimensions, stemming, spelling and compounds."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

log = logging.getLogger(__name__)

# Surface forms of generic commerce units -> one canonical spelling (the first word of
# each "|" group); a unit after its number joins it ("30in" for "30 inch", '30"', "30-in.")
# so that the shopper's spelling of the unit does not matter.
_UNIT_TABLE = """
in inch inches inchs | ft feet foot fts | yd yds yard yards | mm millimeter millimeters
millimetre millimetres | cm centimeter centimeters centimetre centimetres | m meter meters
metre metres | gal gals gallon gallons | qt qts quart quarts | pt pint pints | l liter liters
litre litres ltr | ml milliliter milliliters millilitre millilitres | lb lbs pound pounds |
oz ounce ounces | kg kgs kilogram kilograms | g gram grams | v volt volts vac vdc |
w watt watts | kw kilowatt kilowatts | amp a amps ampere amperes | mah | ah | hp horsepower |
btu btus | psi | gpm | gpf | cfm | rpm | k kelvin | ga gauge gage | mil mils |
deg degree degrees | pack pk packs | piece pc pcs pieces | count ct
"""
_UNITS: dict[str, str] = {
    form: group.split()[0] for group in _UNIT_TABLE.split("|") for form in group.split()
}
# Two-word units; the first word alone means something else ("cu", "sq").
_UNIT_PAIRS: dict[tuple[str, str], str] = {
    **{(w, u): "cuft" for w in ("cu", "cubic") for u in ("ft", "feet", "foot")},
    **{(w, u): "sqft" for w in ("sq", "square") for u in ("ft", "feet", "foot")},
    **{(w, u): "sqin" for w in ("sq", "square") for u in ("in", "inch", "inches")},
    **{(w, u): "floz" for w in ("fl", "fluid") for u in ("oz", "ounce", "ounces")},
}
_UNIT_WORDS = {w for pair in _UNIT_PAIRS for w in pair}
# Single letters (and "in") are units only right after a number: "in Chrome" is a
# preposition and "a" an article, so alone they are never read as units.
_BARE_UNITS = {s: c for s, c in _UNITS.items() if len(s) > 2 and s not in {"count", "pack"}}
_DIM_SEPARATORS = {"x", "by"}
# Width/height/depth/length labels between a size and the "x": "36 in. W x 22 in. D".
_DIM_LABELS = {"w", "h", "d", "l"}

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2033": '"', "\u2019": "'",
                         "\u2018": "'", "\u2032": "'", "\u2044": "/", "\u00d7": " x "})
_MIXED = re.compile(r"(?<![\d./])(\d+)(?:-| +)(\d+)/(\d+)(?![\d/])")
_FRACTION = re.compile(r"(?<![\d./])(\d+)/(\d+)(?![\d/])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_INCH_MARK = re.compile(r'(\d)\s*(?:"|\'\')')
_FOOT_MARK = re.compile(r"(\d)\s*'(?![a-zA-Z])")
_STAR_DIM = re.compile(r"(?<=\d)\s*\*\s*(?=\d)")
_PIECE = re.compile(r"\S+")
_LEXEME = re.compile(r"\d*\.\d+|\d+|[A-Za-z]+")
_UWORD = re.compile(r"[^\W\d_]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_STEM_CACHE_SIZE = 500_000
# Spelling variants of one word that shoppers and catalogs both use: one token for each
# group, on the document and the query side alike ("xmas" finds "Christmas").
_VARIANT_TABLE = """
christmas xmas | t-light tealight tea-light | t-lights tealights tea-lights |
jewellery jewelry | color colour | colors colours | gray grey | mum mom mommy |
mums moms | favour favor | favours favors | aluminium aluminum | organiser organizer |
organisers organizers | personalised personalized | pyjamas pajamas | tyre tire | tyres tires
"""
_VARIANT_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
VARIANTS: dict[str, str] = {
    form: group.split()[0]
    for group in _VARIANT_TABLE.split("|")
    for form in group.split()[1:]
}
# SymSpell indexes deletions of a word's first letters only: typos past the 7th letter
# still verify by full edit distance, and the index stays a fraction of the size.
_PREFIX_LEN = 7


class _Lexeme(NamedTuple):
    """One number or word of the text, with the whitespace piece it came from."""

    text: str  # number in canonical form, or word with its original case
    is_number: bool
    piece: int


def _fold(text: str) -> str:
    """Unescape HTML entities, unify quote marks and strip accents ("Caf&eacute;" -> "Cafe")."""
    if "&" in text:
        text = html.unescape(text)
    if text.isascii():  # the common case, and ten times faster than decomposing
        return text
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    return "".join(c for c in text if not unicodedata.combining(c))


def _canonical_number(raw: str) -> str:
    """'08' -> '8', '.50' -> '0.5', '2.0' -> '2': one spelling per value."""
    if "." not in raw:
        return raw.lstrip("0") or "0"
    value = f"{float(raw):.4f}".rstrip("0").rstrip(".")
    return value or "0"


def _fraction_to_decimal(match: re.Match[str]) -> str:
    groups = [int(g) for g in match.groups()]
    whole, num, den = ([0, *groups] if len(groups) == 2 else groups)
    if den == 0 or (len(groups) == 3 and num >= den):
        return match.group(0)
    return f" {_canonical_number(str(whole + num / den))} "


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (transpositions count 1), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class Analyzer:
    """Turns product and query text into index tokens, learning the catalog's vocabulary.

    Documents go through :meth:`tokenize`; :meth:`fit` (or :meth:`fit_transform`) learns
    which words the catalog uses, so that :meth:`analyze_query` can repair misspelt,
    split or run-together query words against that vocabulary before tokenizing.

    Args:
        language: PyStemmer (Snowball) language of the stemmer.
        stopwords: words dropped from text; Lucene's English list if None.
        spelling: repair unknown query words within 1 edit (2 from long_word_len letters).
        compounds: split unknown query words into two catalog words, join neighbours.
        split_camel_case: also index the parts of "DeckOver" as "deck" and "over".
        piece_tokens: also index glued letters-and-digits pieces ("SC-141" -> "sc141").
        min_word_df: documents a catalog word needs to be a repair target.
        min_correct_len: shorter query words are never corrected (abbreviations, sizes).
        long_word_len: words this long may be corrected by two edits.
    """

    def __init__(
        self,
        language: str = "english",
        stopwords: Iterable[str] | None = None,
        *,
        spelling: bool = True,
        compounds: bool = True,
        split_camel_case: bool = True,
        piece_tokens: bool = True,
        min_word_df: int = 1,
        min_correct_len: int = 4,
        long_word_len: int = 8,
    ) -> None:
        self.language = language
        self.stopwords = frozenset(STOPWORDS_EN if stopwords is None else stopwords) | {"x"}
        self.spelling = spelling
        self.compounds = compounds
        self.split_camel_case = split_camel_case
        self.piece_tokens = piece_tokens
        self.min_word_df = min_word_df
        self.min_correct_len = min_correct_len
        self.long_word_len = long_word_len
        self._stemmer: Any = Stemmer.Stemmer(language)
        self._stem_cache: dict[str, str] = {}
        self._word_cache: dict[str, tuple[str, ...]] = {}  # word as written -> its tokens
        self.word_df: Counter[str] = Counter()
        self.token_df: Counter[str] = Counter()
        self._deletes: dict[str, list[str]] = {}

    # -- pickling: the PyStemmer object is a C extension that does not pickle -------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_stemmer"]
        state["_stem_cache"] = {}
        state["_word_cache"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._stemmer = Stemmer.Stemmer(self.language)

    # -- lexing ---------------------------------------------------------------------------
    def _normalize(self, text: str) -> str:
        text = _fold(text)
        # Each rewrite runs only when its trigger character is there: this is the hot loop
        # of indexing, and most titles have no quote marks, stars or fractions.
        if "," in text:
            text = _THOUSANDS.sub("", text)
        if '"' in text or "'" in text:
            text = _INCH_MARK.sub(r"\1 in ", text)
            text = _FOOT_MARK.sub(r"\1 ft ", text)
        if "*" in text:
            text = _STAR_DIM.sub(" x ", text)
        if "/" in text:
            text = _MIXED.sub(_fraction_to_decimal, text)
            text = _FRACTION.sub(_fraction_to_decimal, text)
        return text

    def _lex(self, text: str) -> list[_Lexeme]:
        out: list[_Lexeme] = []
        for piece_no, piece in enumerate(_PIECE.findall(self._normalize(text))):
            for raw in _LEXEME.findall(piece):
                is_number = not raw.isalpha()
                out.append(_Lexeme(_canonical_number(raw) if is_number else raw, is_number,
                                   piece_no))
        return out

    def _stem(self, word: str) -> str:
        stem = self._stem_cache.get(word)
        if stem is None:
            stem = self._stemmer.stemWord(word)
            # Caches are bounded: made-up query words must not grow a server's memory.
            if len(self._stem_cache) < _STEM_CACHE_SIZE:
                self._stem_cache[word] = stem
        return stem

    # -- document side --------------------------------------------------------------------
    def tokenize(self, text: str) -> list[str]:
        """Index tokens of a product text.

        Numbers keep their value (fractions become decimals), a unit after a number
        joins it ("30in"), two numbers around "x" also give a dimension token ("2x4"),
        words are lowercased, stop words dropped and the rest stemmed.
        """
        return list(self._tokens(self._lex(text)))

    def _tokens(self, lex: Sequence[_Lexeme]) -> Iterator[str]:
        i, n = 0, len(lex)
        last_number: str | None = None  # last number seen, for dimension tokens
        while i < n:
            item = lex[i]
            if item.is_number:
                yield item.text
                unit, used = self._unit_at(lex, i + 1)
                if unit:
                    # Only the joined form: a bare "in" or "ft" would match nearly every title.
                    yield item.text + unit
                if last_number is not None:
                    yield f"{last_number}x{item.text}"
                last_number = None
                j = i + 1 + used
                if j + 2 < n and lex[j].text.lower() in _DIM_LABELS and unit:
                    j += 1
                if j + 1 < n and lex[j].text.lower() in _DIM_SEPARATORS and lex[j + 1].is_number:
                    last_number, j = item.text, j + 1
                i = j
                continue
            last_number = None
            yield from self._word_tokens(item.text)
            i += 1
        if self.piece_tokens:
            yield from self._piece_tokens(lex)

    def _unit_at(self, lex: Sequence[_Lexeme], i: int) -> tuple[str, int]:
        """The canonical unit starting at lex[i] and how many lexemes it spans."""
        if i >= len(lex) or lex[i].is_number:
            return "", 0
        word = lex[i].text.lower()
        if i + 1 < len(lex) and not lex[i + 1].is_number:
            pair = _UNIT_PAIRS.get((word, lex[i + 1].text.lower()))
            if pair:
                return pair, 2
        return _UNITS.get(word, ""), 1 if word in _UNITS else 0

    def _word_tokens(self, word: str) -> tuple[str, ...]:
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        lower = word.lower()
        variant = VARIANTS.get(lower, lower)
        if "-" in variant:
            # "tealight" is the catalog's "T-Light": the tokens of that spelling.
            pieces = tuple(self._stem(p) for p in variant.split("-"))
            if len(self._word_cache) < _STEM_CACHE_SIZE:
                self._word_cache[word] = pieces
            return pieces
        lower = variant
        out: list[str] = []
        if lower in _BARE_UNITS:
            out.append(_BARE_UNITS[lower])
        elif lower not in self.stopwords:
            out.append(self._stem(lower))
        parts = _CAMEL.split(word) if self.split_camel_case else []
        if len(parts) > 1:
            # "DeckOver" is also indexed as "deck" + "over" for shoppers who type it apart.
            out.extend(self._stem(p.lower()) for p in parts
                       if len(p) > 1 and p.lower() not in self.stopwords)
        result = tuple(out)
        if len(self._word_cache) < _STEM_CACHE_SIZE:
            self._word_cache[word] = result
        return result

    def _piece_tokens(self, lex: Sequence[_Lexeme]) -> Iterator[str]:
        """Whole hyphenated or glued pieces ("SC-141" -> "sc141"), for model numbers."""
        start = 0
        for end in range(1, len(lex) + 1):
            if end < len(lex) and lex[end].piece == lex[start].piece:
                continue
            group = lex[start:end]
            start = end
            if len(group) < 2:
                continue
            words = [g.text.lower() for g in group if not g.is_number]
            # Only letters-and-digits pieces are model numbers; a number with its unit or a
            # dimension is covered by its own tokens.
            if len(words) == len(group) or all(w in _UNITS or w in _DIM_SEPARATORS
                                               for w in words):
                continue
            yield "".join(g.text.lower().replace(".", "") for g in group)

    # -- vocabulary -----------------------------------------------------------------------
    def fit_transform(self, texts: Iterable[str]) -> list[list[str]]:
        """Tokenize the catalog's texts and learn its vocabulary from them."""
        word_df: Counter[str] = Counter()
        tokens: list[list[str]] = []
        token_df: Counter[str] = Counter()
        for text in texts:
            lex = self._lex(text)
            words = {p.lower() for g in lex if not g.is_number for p in _CAMEL.split(g.text)}
            words.update(g.text.lower() for g in lex if not g.is_number)
            words = {w for w in words if len(w) > 1}
            word_df.update(words)
            toks = list(self._tokens(lex))
            token_df.update(set(toks))
            tokens.append(toks)
        self.word_df = word_df
        self.token_df = token_df
        self._build_deletes()
        log.info("analyzer fitted: %d texts, %d words, %d tokens", len(tokens), len(word_df),
                 len(token_df))
        return tokens

    def fit(self, texts: Iterable[str]) -> Analyzer:
        """Learn the vocabulary of the catalog's texts; returns self."""
        self.fit_transform(texts)
        return self

    def _build_deletes(self) -> None:
        """SymSpell index: every deletion (up to 2) of each word's prefix -> the words."""
        deletes: dict[str, list[str]] = {}
        for word, df in self.word_df.items():
            if df < self.min_word_df or len(word) < self.min_correct_len - 1 or not word.isalpha():
                continue
            for key in self._delete_keys(word):
                deletes.setdefault(key, []).append(word)
        self._deletes = deletes

    def _delete_keys(self, word: str) -> set[str]:
        keys = {word[:_PREFIX_LEN]}
        frontier = set(keys)
        for _ in range(2):
            frontier = {w[:k] + w[k + 1:] for w in frontier for k in range(len(w))}
            keys |= frontier
        return keys

    def _df(self, word: str) -> int:
        """Documents using the word as spelt or through its stem ("treads" via "tread")."""
        return max(self.word_df[word], self.token_df[self._stem(word)])

    def stem(self, word: str) -> str:
        """The index token of one lower-case word (its variant's stem: "xmas" -> "christma")."""
        return " ".join(self._word_tokens(word)) or self._stem(word)

    def base_forms(self, word: str) -> tuple[str, ...]:
        """Index tokens of the word an English adjective is made from ("spotty" -> "spot",
        "glittery" -> "glitter", "pinkish" -> "pink", "stripy" -> "stripe", "wooden" ->
        "wood"), so that excluding one excludes the other. Empty for other words and other
        languages."""
        lower = word.lower()
        if self.language != "english" or len(lower) < 5 or not lower.isalpha():
            return ()
        bases: list[str] = []
        if lower.endswith("ish"):
            bases.append(lower[:-3])
        elif lower.endswith("y") and not lower.endswith(("ey", "ay", "oy", "uy")):
            bare = lower[:-1]
            # "spotty" doubles the consonant of "spot"; "glittery" keeps "glitter" whole.
            if len(bare) > 3 and bare[-1] == bare[-2]:
                bases.append(bare[:-1])
            else:
                bases += [bare, bare + "e"]  # "stripy" -> "stripe", "stony" -> "stone"
        elif lower.endswith("en") and len(lower) >= 6:
            # "wooden" -> "wood", "woollen" -> "wool", "golden" -> "gold"
            bare = lower[:-2]
            bases.append(bare[:-1] if bare[-1] == bare[-2] else bare)
        own = self._stem(lower)
        return tuple(
            dict.fromkeys(t for b in bases if len(b) >= 3 and (t := self._stem(b)) != own)
        )

    @staticmethod
    def canonical_spelling(text: str) -> str:
        """The text lower-cased, with each spelling variant in its canonical form
        ("xmas jewelry" -> "christmas jewellery")."""
        return _VARIANT_WORD.sub(
            lambda m: VARIANTS.get(m.group(0), m.group(0)), text.lower()
        )

    def known(self, word: str) -> bool:
        """Whether the catalog uses the word, as spelt or through its stem."""
        return self.word_df[word] >= 1 or self._stem(word) in self.token_df

    # -- query side -----------------------------------------------------------------------
    def _max_distance(self, word: str) -> int:
        if len(word) < self.min_correct_len:
            return 0
        return 2 if len(word) >= self.long_word_len else 1

    def _correct_word(self, word: str) -> str:
        """The likeliest catalog word for an unknown word, or the word itself."""
        limit = self._max_distance(word)
        if limit == 0:
            return word
        best: tuple[int, bool, int, str] | None = None
        for key in self._delete_keys(word):
            for cand in self._deletes.get(key, ()):
                dist = _osa_distance(word, cand, limit)
                if dist > limit:
                    continue
                # Shoppers rarely mistype the first letter: "dimer" is "dimmer", not "timer".
                rank = (dist, cand[0] != word[0], -self.word_df[cand], cand)
                if best is None or rank < best:
                    best = rank
        return word if best is None else best[3]

    def _split_word(self, word: str) -> tuple[str, str] | None:
        """Two catalog words that an unknown run-together word is made of, if any."""
        best: tuple[int, str, str] | None = None
        for k in range(2, len(word) - 1):
            left, right = word[:k], word[k:]
            if left in self.stopwords or right in self.stopwords:
                continue
            df = min(self._df(left), self._df(right))
            if df >= self.min_word_df and (best is None or df > best[0]):
                best = (df, left, right)
        return None if best is None else (best[1], best[2])

    def _word_spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, folded lowercase word) of the query's repairable words.

        A piece with a digit in it (a size, a model number) is left alone.
        """
        spans: list[tuple[int, int, str]] = []
        for piece in _PIECE.finditer(text):
            if any(c.isdigit() for c in piece.group()):
                continue
            for m in _UWORD.finditer(piece.group()):
                key = _fold(m.group()).lower()
                if key.isascii() and key.isalpha():
                    spans.append((piece.start() + m.start(), piece.start() + m.end(), key))
        return spans

    def _repair(self, text: str) -> tuple[list[tuple[int, int, str]], list[str]]:
        """Edits (start, end, replacement) that repair the query's words, plus joined extras."""
        spans = self._word_spans(text)
        edits: list[tuple[int, int, str]] = []
        extra: list[str] = []
        i = 0
        while i < len(spans):
            start, end, word = spans[i]
            i += 1
            if word in self.stopwords or word in _UNITS or word in _UNIT_WORDS:
                continue
            nxt = spans[i][2] if i < len(spans) else ""
            joined = word + nxt
            if (self.compounds and nxt and nxt not in self.stopwords
                    and self.word_df[joined] >= self.min_word_df):
                if self.known(word) and self.known(nxt):
                    extra.append(joined)  # "deck over": keep both words, add "deckover"
                else:
                    edits.append((start, spans[i][1], joined))  # "rumbl estone"
                    i += 1
                continue
            if self.known(word):
                continue
            # An edit-distance fix first ("toliet"), else two catalog words ("bathtubdoor").
            fixed = self._correct_word(word) if self.spelling else word
            split = self._split_word(word) if self.compounds and fixed == word else None
            if split:
                edits.append((start, end, " ".join(split)))
            elif fixed != word:
                edits.append((start, end, fixed))
        return edits, extra

    @staticmethod
    def _splice(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
        for start, end, replacement in reversed(edits):
            text = text[:start] + replacement + text[end:]
        return text

    def correct(self, text: str) -> str:
        """The query, lowercased, with spelling and compound repairs (text to embed)."""
        if not self.word_df:
            return text.lower()
        return self._splice(text, self._repair(text)[0]).lower()

    def analyze_query(self, text: str) -> list[str]:
        """Index tokens of a shopper's query, after repair against the catalog vocabulary."""
        if not self.word_df:
            return self.tokenize(text)
        edits, extra = self._repair(text)
        tokens = self.tokenize(self._splice(text, edits))
        tokens.extend(self._stem(w) for w in extra)
        return list(dict.fromkeys(tokens))
