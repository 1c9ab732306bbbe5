"""The catalog's own words for constraints: category names, attribute values and brands.

Built once per catalog version from `ProductSearch.vocabulary()`, so the offline
brain understands "red", "glass" or "Christmas decorations" only where this
catalog has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.brains.offline.language import ShopperLanguage
from assistant.matching import STOPWORDS, stem, words
from retrieval import Vocabulary

__all__ = ["Lexicon"]

# Category words that never pick a category on their own ("a gift for mum" is no "Gifts").
_WEAK = {
    "home",
    "other",
    "gift",
    "supply",
    "accessory",
    "fitting",
    "tool",
    "art",
    "dining",
    "storage",
    "novelty",
    "gadget",
    "celebration",
    "seasonal",
    "household",
    "outdoor",
    "fashion",
    "wall",
    "misc",
    "general",
    "and",
}


_WEAK_STEMS = {stem(w) for w in _WEAK}


@dataclass
class Lexicon:
    """The catalog's words for constraints, from its Vocabulary."""

    categories: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    brands: dict[str, str] = field(default_factory=dict)
    currency: str = "GBP"
    language: str = "en"
    words: set[str] = field(default_factory=set)

    @classmethod
    def from_vocabulary(cls, vocab: Vocabulary) -> Lexicon:
        """Index categories by their words, attribute values and brands by their lower case."""
        lex = cls(currency=vocab.currency or "GBP")
        for path in vocab.categories:
            parts = [p.strip() for p in path.split(">")]
            leaf = {stem(w) for w in words(parts[-1]) if len(w) > 2}
            parent = {stem(w) for p in parts[:-1] for w in words(p) if len(w) > 2} - leaf
            lex.categories[path] = (leaf, parent)
        for name, values in vocab.attributes.items():
            if name == "pack_size":
                continue
            lex.attributes[name] = {
                v.lower(): v for v in values if v and " " not in v.strip() and not v.isdigit()
            }
        lex.attributes.setdefault("pack_size", {})
        lex.attributes["pack_size"] = {v: v for v in vocab.attributes.get("pack_size", {})}
        common = ShopperLanguage.load(lex.language).descriptors | STOPWORDS
        # A brand spelled with common words only ("Premium", "Sugar Free") is read as words.
        lex.brands = {
            b.lower(): b
            for b in vocab.brands
            if len(b) > 1 and not all(w in common for w in words(b))
        }
        for leaf, parent in lex.categories.values():
            lex.words |= leaf | parent
        for spelled in lex.attributes.values():
            lex.words |= {stem(v) for v in spelled}
        return lex

    def category_words(self) -> set[str]:
        """Every stem that is part of a category name."""
        out: set[str] = set()
        for leaf, parent in self.categories.values():
            out |= leaf | parent
        return out

    def match_category(self, stems: set[str]) -> str | None:
        """The category the words name, when exactly one fits best."""
        scored: list[tuple[float, str]] = []
        for path, (leaf, parent) in self.categories.items():
            strong = (leaf - _WEAK_STEMS) & stems
            if not strong:
                continue
            scored.append((len(leaf & stems) + 0.5 * len(parent & stems), path))
        if not scored:
            return None
        best = max(s for s, _ in scored)
        top = [p for s, p in scored if s == best]
        if len(top) == 1:
            return top[0]
        # A tie between a category and its own sub-categories is the broader one.
        shortest = min(top, key=len)
        if all(p == shortest or p.startswith(shortest + " >") for p in top):
            return shortest
        return None
