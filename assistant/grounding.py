"""The grounding guard: every product, price, rating and stock claim is checked before it is sent.

Text is released sentence by sentence (`SentenceStream`); each sentence is
checked against the products that tool results of this conversation returned
(`GroundingGuard.check`). A price that differs from the catalog is corrected, a
product id no tool returned is replaced or its sentence dropped, a rating the
catalog lacks is dropped, a stock claim is flipped to the catalog's, and a
sentence quoting the system prompt is dropped. Every change becomes a Correction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from assistant.events import Correction
from assistant.guardrails import leaks_prompt
from assistant.matching import STOPWORDS, words
from retrieval import Product

__all__ = ["GroundingGuard", "SentenceStream", "format_price", "parse_amount"]

SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "INR": "₹"}
_CODES = {
    "£": "GBP",
    "$": "USD",
    "€": "EUR",
    "gbp": "GBP",
    "usd": "USD",
    "eur": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "₹": "INR",
    "inr": "INR",
    "rs": "INR",
    "rs.": "INR",
    "rupee": "INR",
    "rupees": "INR",
}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
PRICE = re.compile(
    rf"(?P<sym>[£$€₹])\s?(?P<a>{_NUM})"
    rf"|\b(?P<code>GBP|USD|EUR|INR|Rs\.?)\s?(?P<b>{_NUM})\b"
    rf"|\b(?P<c>{_NUM})\s?(?P<word>GBP|USD|EUR|INR|pounds?|quid|dollars?|euros?|rupees?)\b"
    r"|\b(?P<pence>\d{1,2})p\b",
    re.IGNORECASE,
)
# A sentence about a quantity ("12 of them come to ...", "in total").
_QUANTITY = re.compile(
    r"\b\d+\s*(?:x|×|of)\b|\b(?:dozen|total|altogether|in all|come[s]? to|comes? out at|"
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred)\b",
    re.IGNORECASE,
)
_ECHO = re.compile(
    r"(?:under|below|less than|up to|upto|at most|no more than|over|above|more than|at least|"
    r"between|from|budget(?: of)?|within|around|about|than|and|to|-)\s*$",
    re.IGNORECASE,
)
RATING = re.compile(
    r"\b(?:rated\s+)?(?P<r>[0-5](?:\.\d)?)\s*(?:/\s*5|out of (?:5|five)|-?\s*stars?)\b"
    r"|\brated\s+(?P<r2>[0-5](?:\.\d)?)\b",
    re.IGNORECASE,
)
STOCK_CLAIM = re.compile(
    r"(?P<out>\bout of stock|\bsold out|\bcurrently unavailable|\bnot available)"
    r"|(?P<neg>\bnot |n't |\bno longer )?(?:\bin stock|\bavailable now|\bready to ship)\b",
    re.IGNORECASE,
)
_IDS = re.compile(
    r"\[(?P<a>[A-Za-z0-9][\w-]+)\]|\b(?:id|sku|code|item|product)\s*(?:no\.?|number)?\s*[:#]?\s*"
    r"(?P<b>(?=[\w-]*[A-Za-z])(?=[\w-]*\d)[A-Za-z0-9][\w-]+)|#(?P<c>[A-Za-z0-9][\w-]+)"
    r"|\b(?P<d>[A-Za-z0-9-]{4,})\b"
)
_PRONOUN = re.compile(r"^\W*(?:it|its|it's|this|that|this one|that one|the one)\b", re.IGNORECASE)


def format_price(amount: float, currency: str) -> str:
    """`£2.95`, `$10.00`, or `12.50 CHF` for a currency without a symbol here."""
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency.upper()}"


def parse_amount(match: re.Match[str]) -> tuple[float, str | None]:
    """The amount and currency code (None when unsaid) of a PRICE match."""
    if match.group("pence"):
        return int(match.group("pence")) / 100, "GBP"
    raw = match.group("a") or match.group("b") or match.group("c") or "0"
    unit = (match.group("sym") or match.group("code") or match.group("word") or "").lower()
    return float(raw.replace(",", "")), _CODES.get(unit)


def _signature(token: str) -> str:
    return re.sub(r"[A-Za-z]", "a", re.sub(r"[0-9]", "9", token))


class SentenceStream:
    """Buffers streamed text and releases it a whole sentence (or line) at a time."""

    _BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+|\n+")

    def __init__(self) -> None:
        self._buffer = ""

    _LIST_MARKER = re.compile(r"\s*\d{1,2}[.)]\s+")

    def feed(self, text: str) -> list[str]:
        """Add text; return the complete sentences now available (with their trailing space)."""
        self._buffer += text
        out: list[str] = []
        start = 0
        while True:
            match = self._BOUNDARY.search(self._buffer, start)
            if match is None:
                return out
            if self._LIST_MARKER.fullmatch(self._buffer[: match.end()]):
                # "1. " opens a list item; it ends no sentence.
                start = match.end()
                continue
            out.append(self._buffer[: match.end()])
            self._buffer = self._buffer[match.end() :]
            start = 0

    def flush(self) -> list[str]:
        """Whatever is left, as a last chunk."""
        rest, self._buffer = self._buffer, ""
        return [rest] if rest else []


@dataclass
class _Mention:
    start: int
    product: Product
    exact: bool = False  # named by id or full title, not by most of its words


@dataclass
class GroundingGuard:
    """Checks sentences against the catalog facts tool results returned in this conversation.

    Args:
        known: the products tool results returned (id -> product), read at each check.
        allowed_numbers: amounts that may appear unattributed (policy prices, the shopper's
            own budget), read at each check.
        focus: the product "it" means before the answer names one.
        system_prompt: text that must never be quoted back.
        quoted: (line totals, grand totals) a quote tool returned in this turn: figures that
            may stand anywhere, even beside a product's name.
    """

    known: Callable[[], Mapping[str, Product]]
    allowed_numbers: Callable[[], set[float]]
    focus: Product | None = None
    quoted: Callable[[], tuple[set[float], set[float]]] = lambda: (set(), set())
    system_prompt: str = ""
    corrections: list[Correction] = field(default_factory=list)
    _last: Product | None = None

    def check(self, sentence: str) -> str:
        """The sentence made true to the catalog ('' when it had to be dropped)."""
        if not sentence.strip():
            return sentence
        if self.system_prompt and leaks_prompt(sentence, self.system_prompt):
            self.corrections.append(Correction(kind="prompt_leak", original=sentence.strip()))
            return ""
        known = self.known()
        checked = self._check_ids(sentence, known)
        if checked is None:
            return ""
        mentions = self._mentions(checked, known)
        for check in (self._check_prices, self._check_ratings, self._check_stock):
            result = check(checked, mentions, known)
            if result is None:
                return ""
            if result != checked:
                checked = result
                mentions = self._mentions(checked, known)
        if mentions:
            self._last = mentions[-1].product
        return checked

    # -- product mentions -------------------------------------------------------

    def _mentions(self, sentence: str, known: Mapping[str, Product]) -> list[_Mention]:
        """Products the sentence names: by id or full title (longest wins), else by most of
        the title's words."""
        lower = sentence.lower()
        exact: list[tuple[int, int, Product]] = []
        for pid, p in known.items():
            at = re.search(rf"(?<![\w-]){re.escape(pid.lower())}(?![\w-])", lower)
            if at is None:
                at = re.search(re.escape(p.title.lower()), lower)
            if at is not None:
                exact.append((at.start(), at.end(), p))
        # "Heart T-Light Holder" inside "White Hanging Heart T-Light Holder" is not a mention.
        found = [
            _Mention(a, p, exact=True)
            for a, b, p in exact
            if not any(a2 <= a and b <= b2 and (b2 - a2) > (b - a) for a2, b2, _ in exact)
        ]
        covered = {i for a, b, _ in exact for i in range(a, b)}
        free = "".join(" " if i in covered else ch for i, ch in enumerate(lower))
        free_words = set(words(free))
        named = {m.product.id for m in found}
        for pid, p in known.items():
            if pid in named:
                continue
            title_words = [w for w in words(p.title) if w not in STOPWORDS and len(w) > 2]
            overlap = [w for w in title_words if w in free_words]
            if len(overlap) >= 2 and len(overlap) >= 0.75 * len(title_words):
                found.append(_Mention(min(free.find(w) for w in overlap), p))
        return sorted(found, key=lambda m: m.start)

    def _subject(self, at: int, mentions: Sequence[_Mention]) -> Product | None:
        """The product a claim at `at` is about: the nearest mention before it, else after it,
        else the product the answer last named (or the conversation's focus)."""
        before = [m for m in mentions if m.start <= at]
        if before:
            return before[-1].product
        if mentions:
            return mentions[0].product
        return self._last or self.focus

    # -- checks -------------------------------------------------------------------

    def _check_ids(self, sentence: str, known: Mapping[str, Product]) -> str | None:
        shapes = {_signature(pid) for pid in known}
        out, cut = [], 0
        for m in _IDS.finditer(sentence):
            group = next(g for g in "abcd" if m.group(g) is not None)
            token = m.group(group)
            if token in known or not any(c.isdigit() for c in token):
                continue
            if group == "d" and (_signature(token) not in shapes or PRICE.fullmatch(token)):
                continue
            mentions = self._mentions(sentence, known)
            if len(mentions) != 1:
                self.corrections.append(Correction(kind="product_id", original=sentence.strip()))
                return None
            fix = mentions[0].product.id
            self.corrections.append(
                Correction(kind="product_id", original=token, replacement=fix, product_id=fix)
            )
            start, end = m.span(group)
            out.append(sentence[cut:start] + fix)
            cut = end
        return "".join(out) + sentence[cut:]

    def _check_prices(
        self, sentence: str, mentions: Sequence[_Mention], known: Mapping[str, Product]
    ) -> str | None:
        out, cut = [], 0
        allowed = self.allowed_numbers()
        for m in PRICE.finditer(sentence):
            amount, currency = parse_amount(m)

            def near(value: float, amount: float = amount) -> bool:
                return abs(amount - value) < 0.005

            # The shopper's own budget ("under £5") and policy amounts may be repeated.
            if _ECHO.search(sentence[max(0, m.start() - 14) : m.start()]) and any(
                near(a) for a in allowed
            ):
                continue
            if mentions:
                product = self._subject(m.start(), mentions)
                # Variants can share a title: any of them at the same place may own the price.
                tied = [x.product for x in mentions if product and x.product.title == product.title]
                if any(near(float(t.price)) for t in tied):
                    continue
                # A product named in full owns its price even when words of another title
                # stand nearer ("the Fresh Tomato Ketchup is from our tomato ketchup range and
                # costs ₹79"); a price beside a product named in full is checked against it.
                subject = next((x for x in mentions if x.product is product), None)
                if (
                    subject is not None
                    and not subject.exact
                    and any(near(float(x.product.price)) for x in mentions if x.exact)
                ):
                    continue
            elif any(near(float(p.price)) for p in known.values()) or any(near(a) for a in allowed):
                continue
            else:
                product = self._last or self.focus
            if product is None:
                self.corrections.append(Correction(kind="price", original=sentence.strip()))
                return None
            same_currency = currency is None or currency == product.currency.upper()
            if near(float(product.price)) and same_currency:
                continue
            lines, totals = self.quoted()
            if any(near(q) for q in lines | totals):
                continue  # a quote tool's own figure
            if (lines or totals) and _QUANTITY.search(sentence):
                # A made-up total is no unit price: the quote's total, or nothing.
                if len(totals) == 1:
                    right = format_price(next(iter(totals)), product.currency)
                    self.corrections.append(
                        Correction(kind="price", original=m.group(0), replacement=right)
                    )
                    out.append(sentence[cut : m.start()] + right)
                    cut = m.end()
                    continue
                self.corrections.append(Correction(kind="price", original=sentence.strip()))
                return None
            right = format_price(float(product.price), product.currency)
            self.corrections.append(
                Correction(
                    kind="price", original=m.group(0), replacement=right, product_id=product.id
                )
            )
            out.append(sentence[cut : m.start()] + right)
            cut = m.end()
        return "".join(out) + sentence[cut:]

    def _check_ratings(
        self, sentence: str, mentions: Sequence[_Mention], known: Mapping[str, Product]
    ) -> str | None:
        for m in RATING.finditer(sentence):
            value = float(m.group("r") or m.group("r2"))
            product = self._subject(m.start(), mentions)
            if product is None or product.rating is None:
                pid = product.id if product else None
                self.corrections.append(
                    Correction(kind="rating", original=sentence.strip(), product_id=pid)
                )
                return None
            if abs(product.rating - value) >= 0.05:
                right = f"{product.rating:g}"
                group = "r" if m.group("r") else "r2"
                start, end = m.span(group)
                self.corrections.append(
                    Correction(
                        kind="rating", original=m.group(0), replacement=right, product_id=product.id
                    )
                )
                return sentence[:start] + right + sentence[end:]
        return sentence

    def _check_stock(
        self, sentence: str, mentions: Sequence[_Mention], known: Mapping[str, Product]
    ) -> str | None:
        # Only a sentence about exactly one product (or "it") makes a checkable stock claim.
        if len(mentions) > 1:
            return sentence
        if mentions:
            product: Product | None = mentions[0].product
        else:
            product = (self._last or self.focus) if _PRONOUN.search(sentence) else None
        if product is None:
            return sentence
        claim = STOCK_CLAIM.search(sentence)
        if claim is None:
            return sentence
        says_in_stock = claim.group("out") is None and claim.group("neg") is None
        if says_in_stock == product.in_stock:
            return sentence
        fix = "in stock" if product.in_stock else "out of stock"
        self.corrections.append(
            Correction(
                kind="stock", original=claim.group(0), replacement=fix, product_id=product.id
            )
        )
        return sentence[: claim.start()] + fix + sentence[claim.end() :]
