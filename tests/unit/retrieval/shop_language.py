"""A tiny shop whose shoppers search in German while its catalog is written in English.

The bundled MiniLM knows English only, so German queries find little; the shop's own
signals (a German query, then the English product a shopper opened) teach it the words.
Every product is a colour and a thing; every query names one product in German.
"""

from __future__ import annotations

from decimal import Decimal

from retrieval import Pair, Product

COLOURS = {"red": "rote", "blue": "blaue", "white": "weiße", "green": "grüne"}
THINGS = {
    "Candle": "Kerze",
    "Mug": "Tasse",
    "Shopping Bag": "Tasche",
    "Tea Towel": "Geschirrtuch",
    "Hanging Heart": "Herz zum Aufhängen",
    "Star Ornament": "Sternanhänger",
}


def products() -> list[Product]:
    """24 products: each colour of each thing."""
    out = []
    for n, (colour, thing) in enumerate((c, t) for c in COLOURS for t in THINGS):
        out.append(
            Product(
                id=f"p{n:02d}",
                title=f"{colour.title()} {thing}",
                category="Home",
                price=Decimal("2.50"),
                currency="GBP",
            )
        )
    return out


def pairs() -> list[Pair]:
    """One German query per product, with a click (label 2) on that product."""
    out = []
    for n, (colour, thing) in enumerate((c, t) for c in COLOURS for t in THINGS):
        out.append(Pair(f"{COLOURS[colour]} {THINGS[thing]}", f"p{n:02d}", 2.0))
    return out
