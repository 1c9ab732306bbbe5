"""Reading real shoppers: exclusions, occasions and interests, money, ratings, routing, names.

The words come from the shipped English lexicon and the catalog's own vocabulary; the
end-to-end cases run the offline brain on the small unit catalog.
"""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.brains.offline.constraints import parse
from assistant.brains.offline.lexicon import Lexicon
from retrieval import Vocabulary
from tests.unit.assistant.conftest import BY_ID
from tests.unit.assistant.conftest import intent_of as _intent

VOCAB = Vocabulary(
    categories={"Beauty > Face Wash": 3, "Beauty > Toothpaste": 4, "Christmas > Decorations": 9},
    brands={"Himalaya": 2, "Colgate": 3, "Sri Sri Ayurveda": 2},
    attributes={"color": {"red": 3, "blue": 2, "pink": 2}, "material": {"glass": 4}},
    price_min=1.0,
    price_max=900.0,
    currency="INR",
    products=20,
)
LEX = Lexicon.from_vocabulary(VOCAB)


@pytest.mark.parametrize(
    ("message", "query", "words", "brands"),
    [
        ("hello, I'm looking for a teapot that isn't red", ["teapot"], ["red"], []),
        ("toothpaste that isn't colgate", ["toothpaste"], ["colgate"], ["Colgate"]),
        (
            "a christmas decoration that isn't made of glass",
            ["christmas", "decoration"],
            ["glass"],
            [],
        ),
        (
            "a face wash under 150 rupees, but not Himalaya",
            ["face", "wash"],
            ["himalaya"],
            ["Himalaya"],
        ),
        (
            "a cushion cover, she doesn't use pink or blue much",
            ["cushion", "cover"],
            ["pink", "blue"],
            [],
        ),
        ("candles without scent", ["candles"], ["scent"], []),
    ],
)
def test_exclusions_name_what_is_excluded_and_leave_the_product_words(
    message: str, query: list[str], words: list[str], brands: list[str]
) -> None:
    u = parse(message, LEX)
    assert u.query_words == query
    assert u.exclude == words
    assert u.exclude_brands == brands
    assert not set(words) & set(u.attributes.values())


def test_excluding_a_kind_excludes_its_members() -> None:
    u = parse("chocolates for my kid, without nuts, she's allergic", LEX)
    assert u.query_words == ["chocolates"]
    assert {"cashew", "hazelnut", "almond"} <= set(u.exclude)


def test_a_budget_is_no_exclusion() -> None:
    u = parse("I don't want to spend more than ₹200", LEX)
    assert u.price_max == 200 and u.exclude == []


@pytest.mark.parametrize(
    ("message", "low", "high", "rating"),
    [
        ("shampoo under ₹300", None, 300.0, None),
        ("induction cooktop under Rs. 2,000", None, 2000.0, None),
        ("electric kettle below 700 rupees", None, 700.0, None),
        ("a usb cable under ₹300 rated at least 4", None, 300.0, 4.0),
        ("good coffee with a rating of 4.3 or higher", None, None, 4.3),
        ("hair oil at least 4.5 stars", None, None, 4.5),
        ("gift ideas under a fiver", None, 5.0, None),
        ("I have a tenner to spend on candles", None, 10.0, None),
        ("something between 200 and 500 inr", 200.0, 500.0, None),
    ],
)
def test_money_in_the_shops_forms_and_ratings_are_not_money(
    message: str, low: float | None, high: float | None, rating: float | None
) -> None:
    u = parse(message, LEX)
    assert (u.price_min, u.price_max, u.min_rating) == (low, high, rating)
    assert u.foreign_currency is None


def test_rated_above_is_strictly_above() -> None:
    assert (parse("headphones rated above 4.2", LEX).min_rating or 0) > 4.2


def test_pounds_on_a_rupee_shop_are_a_foreign_currency() -> None:
    assert parse("a kettle under £20", LEX).foreign_currency == "GBP"


@pytest.mark.parametrize(
    ("message", "query", "occasion"),
    [
        (
            "I need a birthday present for my sister who loves gardening, under £10",
            ["gardening"],
            "birthday",
        ),
        ("I'm throwing a kids party next week, what do I need?", [], "kids party"),
        ("we're going on a picnic this weekend", [], "picnic"),
        ("a mug for my dad, he likes tea", ["tea", "mug"], None),
        ("food for my cat", ["cat", "food"], None),
        ("a birthday card for my mum", ["birthday", "card"], None),
        ("a weekend bag", ["weekend", "bag"], None),
    ],
)
def test_people_interests_occasions_and_time_are_not_searched_as_words(
    message: str, query: list[str], occasion: str | None
) -> None:
    u = parse(message, LEX)
    assert u.query_words == query
    assert (u.occasions[0] if u.occasions else None) == occasion
    if occasion:
        assert u.ideas  # what suits it, from the shipped lexicon


@pytest.mark.parametrize(
    "message", ["heavy duty", "damaged hair", "closed toe sandals", "do you sell heavy duty bags?"]
)
def test_product_words_found_in_policy_pages_stay_product_searches(message: str) -> None:
    assert _intent(message, product_words=True) != "policy_question"


@pytest.mark.parametrize(
    "message",
    [
        "when is customer service open?",
        "do you charge import duties?",
        "how long does delivery take?",
        "can I pay by debit card?",
    ],
)
def test_questions_to_the_shop_go_to_its_policies(message: str) -> None:
    assert _intent(message, product_words=True) == "policy_question"


async def test_an_excluded_colour_is_never_shown(assistant: Assistant) -> None:
    (turn,) = await assistant.converse(["a candle that isn't red"])
    assert turn.cards
    assert all("red" not in BY_ID[c.id].title.lower() for c in turn.cards)
    assert all(BY_ID[c.id].attributes.get("color") != "red" for c in turn.cards)


async def test_a_named_product_is_resolved_without_being_shown(assistant: Assistant) -> None:
    (turn,) = await assistant.converse(["what goes with the white hanging heart t-light holder?"])
    assert turn.record.tools[-1].name == "bought_together"
    assert turn.record.tools[-1].args["product_id"] == "H1"
    assert "H1" not in {c.id for c in turn.cards}


async def test_a_quote_prices_the_quantity_from_the_catalog(assistant: Assistant) -> None:
    _, quote = await assistant.converse(["show me the silver heart necklace", "how much for 3?"])
    assert quote.record.tools[-1].name == "quote_products"
    price = float(BY_ID[quote.cards[0].id].price)
    assert f"£{3 * price:.2f}" in quote.text
    assert not quote.record.corrections


async def test_which_of_those_is_the_cheapest_answers_from_the_shown(
    assistant: Assistant,
) -> None:
    shown, cheapest = await assistant.converse(
        ["show me candles", "which of those is the cheapest?"]
    )
    prices = {c.id: c.price for c in shown.cards}
    assert [c.id for c in cheapest.cards] == [min(prices, key=lambda i: prices[i])]


async def test_an_occasion_gets_what_suits_it_not_products_named_after_it(
    assistant: Assistant,
) -> None:
    (turn,) = await assistant.converse(["we're going on a picnic this weekend"])
    assert "weekend" not in turn.text.lower()
    assert turn.cards
