"""The size a product's title states, to find "a bigger one" or "the next size up".

Catalogs write sizes as a number and a unit ("1.2 Litre", "500ml", "5 kg", "32 inch",
"Pack of 6", "3 Tier") or as a size word ("Small", "Jumbo"). Each is read into one
dimension with a common scale (millilitres, grams, millimetres ...), so that a kettle of
1.2 litres and one of 1500 ml compare. The units are the catalog's spelling, not the
shopper's: metric and imperial abbreviations and their English names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from retrieval import Product

__all__ = ["Direction", "by_size", "measures", "strip_measures"]

Direction = Literal["bigger", "smaller"]

# unit -> (dimension, factor to the dimension's common scale)
_UNITS: dict[str, tuple[str, float]] = {}
for _names, _dim, _factor in (
    ("ml millilitre millilitres milliliter milliliters", "volume", 1.0),
    ("cl", "volume", 10.0),
    ("l ltr ltrs lt litre litres liter liters", "volume", 1000.0),
    ("mg", "weight", 0.001),
    ("g gm gms gr gram grams gramme grammes", "weight", 1.0),
    ("kg kgs kilo kilos kilogram kilograms", "weight", 1000.0),
    ("oz ounce ounces", "weight", 28.35),
    ("lb lbs", "weight", 453.6),
    ("mb", "storage", 1 / 1024),
    ("gb", "storage", 1.0),
    ("tb", "storage", 1024.0),
    ("mah", "charge", 1.0),
    ("mm millimetre millimetres millimeter millimeters", "length", 1.0),
    ("cm centimetre centimetres centimeter centimeters", "length", 10.0),
    ("m metre metres meter meters mtr mtrs", "length", 1000.0),
    ("inch inches", "length", 25.4),
    ("ft feet foot", "length", 304.8),
    ("pc pcs piece pieces", "count", 1.0),
    ("tier tiers", "tiers", 1.0),
):
    for _name in _names.split():
        _UNITS[_name] = (_dim, _factor)

# What "bigger" means for a product whose title states several sizes: a kettle's litres
# before its cord's metres, a bag's litres before its inches.
_PRIORITY = ("volume", "weight", "storage", "charge", "tiers", "count", "length", "word")

_MEASURE = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*-?\s*("
    + "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
    + r")(?![a-z])",
    re.IGNORECASE,
)
_PACK = re.compile(r"\b(?:pack|set|box|bundle) of (\d+)\b", re.IGNORECASE)
# Size words, smallest first; a word's rank is its place on this scale.
_WORDS = {
    "mini": 0,
    "tiny": 0,
    "small": 1,
    "medium": 2,
    "regular": 2,
    "large": 3,
    "big": 3,
    "extra large": 4,
    "xl": 4,
    "xxl": 5,
    "jumbo": 5,
    "giant": 5,
}
_WORD = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def measures(title: str) -> dict[str, float]:
    """Each dimension a title states, on its common scale (the first value of each)."""
    out: dict[str, float] = {}
    for m in _MEASURE.finditer(title):
        dim, factor = _UNITS[m.group(2).lower()]
        out.setdefault(dim, float(m.group(1)) * factor)
    if pack := _PACK.search(title):
        out.setdefault("count", float(pack.group(1)))
    if word := _WORD.search(title):
        out["word"] = float(_WORDS[word.group(1).lower()])
    return out


def strip_measures(title: str) -> str:
    """The title without its sizes: what kind of thing it is, whatever its size."""
    text = _PACK.sub(" ", _MEASURE.sub(" ", title))
    return " ".join(_WORD.sub(" ", text).split())


def by_size(base: Product, candidates: Sequence[Product], direction: Direction) -> list[Product]:
    """Candidates bigger (or smaller) than `base`, the nearest size first.

    Sizes compare in the first dimension (by `_PRIORITY`) that the base's title states and
    some candidate's title states too; none when there is no such dimension.
    """
    mine = measures(base.title)
    sizes = [(measures(p.title), p) for p in candidates if p.id != base.id]
    for dim in _PRIORITY:
        if dim not in mine or not any(dim in m for m, _ in sizes):
            continue
        sign = 1.0 if direction == "bigger" else -1.0
        fits = [
            (sign * (m[dim] - mine[dim]), p)
            for m, p in sizes
            if sign * (m.get(dim, 0.0) - mine[dim]) > 0 and dim in m
        ]
        return [p for _, p in sorted(fits, key=lambda dp: dp[0])]
    return []
