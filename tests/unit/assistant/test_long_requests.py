"""Long, rambling requests: the clause that asks, exclusions said in passing, asides."""

from __future__ import annotations

from collections.abc import Callable

from assistant.brains.offline.constraints import parse
from assistant.brains.offline.lexicon import Lexicon
from assistant.events import TurnResult
from retrieval import Vocabulary

LEX = Lexicon.from_vocabulary(
    Vocabulary(
        categories={"Kitchen & Dining > Mugs & Cups": 5, "Garden > Bird Care": 4},
        brands={},
        attributes={"color": {"pink": 3, "red": 2}},
        price_min=0.5,
        price_max=50.0,
        currency="GBP",
        products=30,
    )
)


def test_an_exclusion_said_twice_in_a_long_message_is_still_an_exclusion(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (turn,) = chat(
        "right so my mum is 70 next month and she's really into tea, I was thinking maybe a "
        "mug or something, nothing too pricey, and please not pink she can't stand pink"
    )
    assert turn.cards and all("Mug" in c.title for c in turn.cards)
    assert all("pink" not in c.title.lower() for c in turn.cards)
    assert "pink" not in turn.text.lower().split("without")[0]


def test_the_opening_of_a_message_and_say_before_a_budget_are_no_product_words() -> None:
    u = parse("right so I was thinking maybe a bird feeder, say under 10 pounds", LEX)
    assert u.query_words == ["bird", "feeder"]
    assert u.price_max == 10.0


def test_a_new_clause_after_an_interest_is_not_another_interest() -> None:
    u = parse("she loves fairies, and nothing with skulls on please", LEX)
    assert u.interests == ["fairies"]
    assert u.exclude == ["skulls"]
    assert "skulls" not in u.query_words


def test_an_aside_about_what_someone_does_with_them_is_not_searched() -> None:
    u = parse("napkins and plates, her brother keeps picking those", LEX)
    assert u.query_words == ["napkins", "plates"]


def test_things_listed_after_for_it_are_what_is_wanted() -> None:
    u = parse(
        "doing up the loo and I'm after a few bits for it, hooks or a mirror or a sign, "
        "something a bit vintage looking",
        LEX,
    )
    assert u.alternatives == ["hooks", "mirror", "sign"]
    assert "loo" not in u.query_words


def test_something_to_keep_a_thing_in_is_what_holds_it(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (turn,) = chat("my son has a school trip and needs something to take his packed lunch in")
    assert [c.id for c in turn.cards] == ["B2"]
    assert "lunch bag" in turn.text.lower()


def _said(message: str) -> str:
    from assistant.brains.offline.language import ShopperLanguage

    return ShopperLanguage.load("en").written_out(message)


def test_hinglish_chat_words_carry_the_request_and_nahi_excludes() -> None:
    u = parse(_said("hlo ji, kal subah tak chahiye, mug milega kya?"), LEX)
    assert u.query_words == ["mug"]
    u = parse(_said("mug dikhao, pink bhi nahi"), LEX)
    assert u.query_words == ["mug"] and u.exclude == ["pink"]
    assert parse(_said("sabse sasta mug?"), LEX).sort == "price_asc"


def test_an_event_is_read_wherever_it_stands() -> None:
    u = parse("friends of ours have just had a baby boy, what could I get them", LEX)
    assert u.occasions == ["had a baby"] and "baby" in u.ideas
    assert u.query_words == []
    u = parse("my neighbour's just moved into his first house, something under ten pounds?", LEX)
    assert "candle" in u.ideas and u.price_max == 10.0 and u.query_words == []


def test_a_saying_and_an_aside_about_home_are_no_product_words() -> None:
    u = parse("tea towels except red ones, my kitchen is all blue and grey", LEX)
    assert u.query_words == ["tea", "towels"] and u.exclude == ["red"]
    assert parse("a mug for my friend, she's over the moon", LEX).query_words == ["mug"]


def test_a_replacement_is_the_thing_named_before() -> None:
    u = parse("I smashed my mum's milk jug this morning, need a replacement before Sunday", LEX)
    assert u.query_words == ["milk", "jug"]


def test_a_budget_stated_is_no_request_for_the_cheapest() -> None:
    stated = parse("need a smart tv for the bedroom, budget under 15k", LEX)
    assert stated.sort is None and stated.price_max == 15000.0
    assert stated.query_words == ["smart", "tv"]
    assert parse("a budget kettle", LEX).sort == "price_asc"


def test_a_listing_question_finds_the_listings_own_word_for_it() -> None:
    from assistant.brains.offline.questions import find_passage
    from retrieval import Product

    fan = Product(
        id="F1",
        title="Havells Ambrose 1200mm Ceiling Fan (Pearl White Wood)",
        description="Blade size- 1200 mm|Warranty: 2 years on product ; Power: 72 watts",
        category="Home & Kitchen > Fans",
        price="2199",
        currency="INR",
    )
    found = find_passage("havells ambrose ceiling fan, what's the wattage of that one?", fan)
    assert found is not None and "72 watts" in found[1]


def test_a_hinglish_question_word_after_the_thing_asks_about_that_thing() -> None:
    assert _said("warranty kitna hai uska") == "what is its warranty"
    assert _said("capacity kitni h iski?") == "what is its capacity?"
    # "kitna padega" and "kitne ka" still ask what it costs.
    assert _said("4 of the third one kitna padega") == "4 of the third one how much"
    assert _said("price kitna hai") == "price how much"


def test_thanks_in_hinglish_is_thanks_and_thanks_with_a_problem_is_not() -> None:
    from tests.unit.assistant.conftest import intent_of

    assert intent_of(_said("thanks a lot, bahut help hui"), product_words=False) == "thanks"
    assert intent_of("thanks, but there's a problem with the mug", product_words=True) != "thanks"


def test_a_feature_its_listing_never_mentions_is_named_in_the_answer() -> None:
    from decimal import Decimal

    from assistant.brains.offline.questions import answer_question
    from assistant.brains.offline.templates import Phrasebook
    from retrieval import Product

    cooktop = Product(
        id="P1",
        title="Induction Cooktop 1600 Watt",
        price=Decimal("2148"),
        currency="INR",
        description="Works only with induction base cookware|Push buttons|1 year warranty",
    )
    said = " ".join(answer_question("does it have a timer?", cooktop, "₹2,148", Phrasebook("t", 0)))
    assert "doesn't mention a timer" in said or "doesn't say anything about a timer" in said


def test_hinglish_product_words_are_read_as_the_catalogs_own_and_ke_andar_is_a_budget() -> None:
    grocer = Lexicon.from_vocabulary(
        Vocabulary(
            categories={"Snacks > Pickles & Chutney": 9, "Beverages > Tea": 5},
            brands={},
            attributes={},
            price_min=10.0,
            price_max=900.0,
            currency="INR",
            products=14,
        )
    )
    u = parse(_said("achaar chahiye, anything but mango, 200 ke andar"), grocer)
    assert (u.query_words, u.exclude, u.price_max) == (["pickle"], ["mango"], 200.0)
    # A catalog that files them under the chat word itself keeps it.
    own = Lexicon.from_vocabulary(
        Vocabulary(
            categories={"Snacks > Achaar": 9, "Snacks > Pickles": 2},
            brands={},
            attributes={},
            price_min=10.0,
            price_max=900.0,
            currency="INR",
            products=11,
        )
    )
    assert parse(_said("achaar chahiye"), own).query_words == ["achaar"]
