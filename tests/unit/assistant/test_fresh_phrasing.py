"""Phrasings from a fourth unseen suite: exclusions, spoken numbers, brands, orders, counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.brains.offline.constraints import parse
from assistant.brains.offline.language import ShopperLanguage
from assistant.brains.offline.lexicon import Lexicon
from assistant.events import TurnResult
from retrieval import Vocabulary

LEX = Lexicon.from_vocabulary(
    Vocabulary(
        categories={"Beverages > Tea": 5, "Beauty > Shampoo": 4, "Foodgrains > Dals": 6},
        brands={"Head & Shoulders": 3, "24 Mantra": 4, "Mantra": 2, "Lipton": 3},
        attributes={"color": {"red": 3, "blue": 2}},
        price_min=1.0,
        price_max=5000.0,
        currency="INR",
        products=30,
    )
)


@pytest.mark.parametrize(
    ("message", "query", "excluded", "brands"),
    [
        (
            "green tea minus the Lipton, I find it too bland",
            ["green", "tea"],
            ["lipton"],
            ["Lipton"],
        ),
        ("an umbrella, she HATES spots", ["umbrella"], ["spots"], []),
        (
            "a shampoo other than Head & Shoulders",
            ["shampoo"],
            ["head", "shoulders"],
            ["Head & Shoulders"],
        ),
        ("no moong, masoor or chana please", [], ["moong", "masoor", "chana"], []),
        (
            "sweets, except chocolates and ice cream, we've had enough",
            ["sweets"],
            ["chocolates", "ice", "cream"],
            [],
        ),
    ],
)
def test_exclusions_in_fresh_forms(
    message: str, query: list[str], excluded: list[str], brands: list[str]
) -> None:
    u = parse(message, LEX)
    assert u.query_words == query
    assert u.exclude == excluded
    assert u.exclude_brands == brands


def test_a_new_clause_after_a_comma_is_not_excluded() -> None:
    u = parse("need dal for the week, no moong though, kids won't touch it", LEX)
    assert u.exclude == ["moong"]
    assert u.query_words == ["dal"]  # "kids won't touch it" says why, not what


def test_what_the_shopper_has_none_of_is_what_they_want() -> None:
    u = parse("guests are coming and I have no biscuits", LEX)
    assert "biscuits" in u.query_words and u.exclude == []


@pytest.mark.parametrize(
    ("message", "low", "high"),
    [
        ("wireless earbuds below one thousand rupees", None, 1000.0),
        ("chai patti, two hundred rupees at most", None, 200.0),
        ("a kettle for fifteen hundred or so", None, None),  # a budget word decides "or so"
        ("a mixer under two thousand five hundred", None, 2500.0),
    ],
)
def test_numbers_in_words_with_a_multiplier_are_money(
    message: str, low: float | None, high: float | None
) -> None:
    u = parse(message, LEX)
    if high is not None:
        assert (u.price_min, u.price_max) == (low, high)
    assert not {"thousand", "hundred", "two", "five"} & set(u.query_words)


def test_spoken_numbers_read_as_digits() -> None:
    en = ShopperLanguage.load("en")
    assert en.spoken_numbers("two hundred and fifty rupees") == "250 rupees"
    assert en.spoken_numbers("under 2 thousand") == "under 2000"
    assert en.spoken_numbers("two cups of tea") == "two cups of tea"  # no multiplier: words


def test_the_longest_brand_takes_its_words() -> None:
    assert parse("whats the best rated thing from 24 Mantra", LEX).brands == ["24 Mantra"]
    assert parse("head & shoulders shampoo", LEX).brands == ["Head & Shoulders"]


@pytest.mark.parametrize(
    ("message", "order"),
    [
        ("could you list your tea from cheapest to dearest", "price_asc"),
        ("shampoo, most expensive first", "price_desc"),
        ("what's the costliest honey you have", "price_desc"),
        ("of all your teas, which one do buyers rate the highest?", "rating_desc"),
    ],
)
def test_orders_in_fresh_words(message: str, order: str) -> None:
    u = parse(message, LEX)
    assert u.sort == order
    assert "list" not in u.query_words and "cheapest" not in u.query_words


@pytest.mark.parametrize(
    ("message", "quantity"),
    [("I'll take 4 bottles, total?", 4), ("3 boxes of the first one, what's the total", 3)],
)
def test_a_count_of_containers_is_a_quantity_to_quote(message: str, quantity: int) -> None:
    u = parse(message, LEX)
    assert u.quote and u.quantity == quantity


def test_a_superlative_over_the_list_just_shown_in_new_words(
    chat: Callable[..., list[TurnResult]],
) -> None:
    turns = chat("candles", "whichever of them is lowest in price, please")
    shown = turns[0].cards
    assert len(shown) >= 2
    cheapest = min(shown, key=lambda c: float(c.price))
    assert [c.id for c in turns[1].cards] == [cheapest.id]


def test_an_excluded_word_spoken_of_again_stays_excluded() -> None:
    u = parse("a basket for the bathroom, other than wicker, the wicker ones go mouldy", LEX)
    assert u.exclude == ["wicker"] and u.query_words == ["basket"]


def test_a_count_of_things_spoken_of_is_no_product_word() -> None:
    u = parse(
        "a present for my friend who is obsessed with her cats, she has like four of them", LEX
    )
    assert "four" not in u.query_words and u.interests == ["cats"]


def test_chat_shorthand_is_written_out() -> None:
    en = ShopperLanguage.load("en")
    assert en.written_out("do u take Amex?") == "do you take american express?"
    assert en.written_out("whats ur number") == "what's your number"
    assert en.written_out("a u-bend") == "a u-bend"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("do u take amex?", "American Express"),
        ("how much extra is it to have it gift wrapped?", "£2.50"),
        ("whats ur phone number, I'd rather ring someone", "020 7946 0321"),
    ],
)
def test_policy_questions_in_chat_shorthand_get_the_shops_answer(
    chat: Callable[..., list[TurnResult]], message: str, expected: str
) -> None:
    (turn,) = chat(message)
    assert expected in turn.text and turn.cards == []


def test_asking_for_a_customer_care_person_hands_off(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (turn,) = chat("I want to talk to a customer care person, not a bot")
    assert turn.record.handoff


def test_a_gift_leaves_out_its_wrapping_unless_asked_for() -> None:
    from assistant.brains.offline.brain import for_a_gift
    from assistant.brains.offline.understand import understand
    from assistant.state import ConversationState, ProductFilters

    def filters_for(message: str) -> ProductFilters:
        u = understand(message, ConversationState(conversation_id="c"), LEX, {})
        return for_a_gift(u, message.lower(), ProductFilters())

    gift = filters_for("something romantic for my wife, our anniversary")
    assert {"card", "ribbon", "wrap", "envelope"} <= set(gift.exclude)
    assert filters_for("a birthday card for my wife").exclude == []
    assert filters_for("red candles").exclude == []


@pytest.mark.parametrize(
    ("message", "query", "high"),
    [
        ("usb cables below ₹300, thanks", ["usb", "cables"], 300.0),  # a comma after the budget
        ("type c cables below ₹300, need a few for the office", ["type-c", "cables"], 300.0),
        ("my son has online classes, he needs headphones with a mic", ["mic", "headphones"], None),
    ],
)
def test_the_product_named_before_a_later_cue_is_the_one_searched(
    message: str, query: list[str], high: float | None
) -> None:
    u = parse(message, LEX)
    assert u.query_words == query
    assert u.price_max == high


def test_a_shopping_cue_after_the_story_makes_it_a_request(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (turn,) = chat("the zip went on the old one at school, so now she needs a lunch bag")
    assert turn.record.intent == "find"
    assert [c.id for c in turn.cards][:1] == ["B2"]


def test_the_clause_that_asks_names_the_product(chat: Callable[..., list[TurnResult]]) -> None:
    (turn,) = chat(
        "my friend has a cat and loves tea, what's the price of the red retrospot teapot?"
    )
    assert [c.id for c in turn.cards] == ["K2"]
    assert "£7.95" in turn.text


def test_a_reason_after_the_request_is_not_searched() -> None:
    u = parse("a shampoo other than Head & Shoulders, it makes my scalp itchy", LEX)
    assert u.query_words == ["shampoo"]
    assert parse("something for my dad, he loves tea", LEX).interests == ["tea"]


def test_free_of_a_thing_no_title_claims_excludes_it(chat: Callable[..., list[TurnResult]]) -> None:
    (turn,) = chat("t-light holders, glass-free please")
    assert turn.cards and all("glass" not in c.title.lower() for c in turn.cards)


def test_a_free_from_claim_keeps_its_products_and_drops_the_thing() -> None:
    from assistant.brains.offline.brain import free_of
    from retrieval import Product

    def p(title: str) -> Product:
        return Product(id=title, title=title, category="Bakery", price="10", currency="INR")

    assert free_of(p("Eggless Cake - Egg Free"), ["egg"])
    assert free_of(p("Vanilla Muffin"), ["egg"])
    assert not free_of(p("Bread + Eggs - Regular 6pcs"), ["egg"])


def test_a_possessive_without_its_apostrophe_is_still_the_person_and_the_occasion() -> None:
    u = parse("tomorrow is my mums birthday and she loves candles, anything nice?", LEX)
    assert u.people == ["mum"] and u.occasions == ["birthday"]
    assert "mums" not in u.query_words and "birthday" not in u.query_words


def test_just_the_kind_from_those_narrows_what_was_asked(
    chat: Callable[..., list[TurnResult]],
) -> None:
    first, narrowed = chat("anything with a heart?", "just the t-light holders from those")
    assert any("Holder" not in c.title for c in first.cards)
    assert narrowed.record.intent == "refine"
    assert narrowed.cards and all("Heart T-Light Holder" in c.title for c in narrowed.cards)


def test_any_other_of_the_kind_in_stock_is_a_search_not_a_question_about_one(
    chat: Callable[..., list[TurnResult]],
) -> None:
    asked, others = chat(
        "is the red rose votive candle in stock?", "ah shame, any other candles in stock?"
    )
    assert [c.id for c in asked.cards] == ["C4"] and "out of stock" in asked.text
    assert others.record.intent == "find"
    assert len(others.cards) >= 2 and all(c.in_stock and c.id != "C4" for c in others.cards)
    assert "shame" not in others.text


def test_common_misspellings_of_request_words_are_written_out() -> None:
    en = ShopperLanguage.load("en")
    assert en.written_out("any differnce between them?") == "any difference between them?"
