"""Constraints from shopper phrasing, in the catalog's own vocabulary, and across turns."""

from __future__ import annotations

import pytest

from assistant.brains.offline.constraints import Lexicon, merge, parse
from assistant.state import Constraints
from retrieval import Vocabulary

VOCAB = Vocabulary(
    categories={
        "Home Decor": 10,
        "Home Decor > Candles & Holders": 6,
        "Christmas": 4,
        "Christmas > Decorations": 4,
        "Home Decor > Ornaments & Decorations": 3,
        "Kitchen & Dining": 5,
        "Kitchen & Dining > Mugs & Cups": 5,
        "Bags & Storage": 3,
        "Bags & Storage > Shopping Bags": 3,
        "Jewellery & Accessories > Bags & Purses": 2,
        "Gifts": 2,
        "Gifts > Other": 2,
    },
    brands={"Acme": 3},
    attributes={
        "color": {"red": 5, "blue": 2, "pink": 3},
        "material": {"glass": 2},
        "pack_size": {"6": 2, "12": 1},
    },
    price_min=0.1,
    price_max=20.0,
    currency="GBP",
    products=20,
)
LEX = Lexicon.from_vocabulary(VOCAB)


@pytest.mark.parametrize(
    ("message", "low", "high"),
    [
        ("mugs under £20", None, 20.0),
        ("I don't want to spend more than £2", None, 2.0),
        ("between 5 and 10 pounds", 5.0, 10.0),
        ("candles £3-£6", 3.0, 6.0),
        ("my budget is 15 quid", None, 15.0),
        ("something over £10", 10.0, None),
        ("a purse for coins under 90p", None, 0.9),
        ("around £8", 6.0, 10.0),
        ("no more than five pounds", None, 5.0),
        ("a phone with at least 16gb", None, None),
        ("a gift for a 5 year old", None, None),
    ],
)
def test_price_phrases(message: str, low: float | None, high: float | None) -> None:
    up = parse(message, LEX)
    assert (up.price_min, up.price_max) == (low, high)


def test_colours_and_materials_come_from_the_catalog() -> None:
    up = parse("red glass candle holders", LEX)
    assert up.attributes == {"color": "red", "material": "glass"}
    assert up.query_words == ["candle", "holders"]
    # "green" is no colour this catalog has: it stays a word of the query.
    assert parse("green candles", LEX).attributes == {}


def test_negation_excludes_instead_of_including() -> None:
    up = parse("bags but not pink", LEX)
    assert up.exclude == ["pink"] and "color" not in up.attributes


def test_pack_sizes_brands_stock_and_rating() -> None:
    up = parse("Acme candles in a set of 6 that are in stock, rated 4 stars", LEX)
    assert up.attributes["pack_size"] == "6"
    assert up.brands == ["Acme"]
    assert up.in_stock is True
    assert up.min_rating == 4.0


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("show me candles", "Home Decor > Candles & Holders"),
        ("christmas decorations", "Christmas > Decorations"),
        ("christmas", "Christmas"),
        ("mugs", "Kitchen & Dining > Mugs & Cups"),
        ("bags", None),  # shopping bags or purses: too ambiguous to filter
        ("a gift for my mum", None),
        ("scented candles", None),  # more than the category's words: search, don't filter
    ],
)
def test_categories_only_when_the_words_name_one(message: str, category: str | None) -> None:
    assert parse(message, LEX).category == category


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("I have a kid starting school soon, I need a lunch bag", ["lunch", "bag"]),
        ("I need a cake stand for a tea party", ["cake", "stand"]),
        ("something for my garden", ["garden"]),
        # A size is searched as the catalog writes it.
        ("a robust smartphone with 16gb storage", ["16gb", "storage", "robust", "smartphone"]),
        ("a 32 inch tv", ["32in", "tv"]),
        ("a usb cable that is braided and certified", ["braided", "certified", "usb", "cable"]),
        ("do you have any candels?", ["candels"]),
        ("tealights please", ["t-lights"]),
    ],
)
def test_the_product_words_head_noun_last(message: str, words: list[str]) -> None:
    assert parse(message, LEX).query_words == words


def test_relative_price_words() -> None:
    assert parse("cheaper", LEX).relative == "cheaper"
    assert parse("that's a bit too pricey", LEX).relative == "cheaper"
    assert parse("cheaper than £5", LEX).relative is None
    assert parse("the cheapest mug", LEX).sort == "price_asc"
    assert parse("your most expensive necklaces", LEX).sort == "price_desc"


def test_merging_refines_and_new_topics_reset() -> None:
    candles = merge(parse("candles under £5", LEX), Constraints(), new_topic=True, shown_prices=[])
    red = merge(parse("only red ones", LEX), candles, new_topic=False, shown_prices=[2.0, 4.0])
    assert (red.query, red.price_max, red.attributes) == ("candles", 5.0, {"color": "red"})
    cheaper = merge(parse("cheaper", LEX), red, new_topic=False, shown_prices=[2.0, 4.0])
    assert cheaper.price_max == 1.99
    mugs = merge(parse("show me mugs", LEX), cheaper, new_topic=True, shown_prices=[])
    assert mugs.query == "mugs" and mugs.attributes == {} and mugs.price_max is None
    also = merge(parse("and mugs?", LEX), candles, new_topic=True, shown_prices=[])
    assert also.query == "mugs" and also.price_max == 5.0
    any_price = merge(parse("any price", LEX), red, new_topic=False, shown_prices=[])
    assert any_price.price_max is None and any_price.attributes == {"color": "red"}
