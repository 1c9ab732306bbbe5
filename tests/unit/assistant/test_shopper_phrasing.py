"""Fresh shopper phrasing: small talk around a request, lists, short amounts, follow-ups.

Each case is a way real shoppers put things that the offline brain once misread; the
words come from the shipped English lexicon and the catalog's vocabulary, never a shop.
"""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.brains.offline.constraints import merge, parse
from assistant.brains.offline.lexicon import Lexicon
from assistant.state import Constraints
from retrieval import Vocabulary
from tests.unit.assistant.conftest import BY_ID
from tests.unit.assistant.conftest import intent_of as _intent

LEX = Lexicon.from_vocabulary(
    Vocabulary(
        categories={"Home Decor > Candles & Holders": 5, "Kitchen & Dining > Mugs & Cups": 3},
        brands={},
        attributes={"color": {"red": 3, "blue": 2}, "material": {"paper": 4, "glass": 2}},
        price_min=0.5,
        price_max=900.0,
        currency="GBP",
        products=20,
    )
)


@pytest.mark.parametrize(
    ("message", "low", "high"),
    [
        ("a clock for the kitchen, nothing over a tenner", None, 10.0),
        ("something that doesn't cost more than 20 pounds", None, 20.0),
        ("stickers for 50p or less", None, 0.5),
        ("only bits under a quid please", None, 1.0),
        ("a new mouse under 1k", None, 1000.0),
        ("a 4k tv under 50k", None, 50000.0),
        ("mugs over £5", 5.0, None),
    ],
)
def test_money_said_the_way_shoppers_say_it(
    message: str, low: float | None, high: float | None
) -> None:
    up = parse(message, LEX)
    assert (up.price_min, up.price_max) == (low, high)


@pytest.mark.parametrize(
    ("message", "query"),
    [
        ("my nephew is obsessed with dinosaurs, he is turning six next month", ["dinosaurs"]),
        ("what's the cheapest thing in the whole shop?", []),
        ("my son turns 7 and we're having a party at home", []),
        ("easter bits for the house but i don't like the chick ones", ["easter"]),
        ("wired earphones under 500 but not boat, I've had two break", ["wired", "earphones"]),
        ("ugh my mouse just died at work, need a new one", ["mouse"]),
        ("biscuits for the kids tiffin box, no chocolate ones", ["biscuits"]),
        ("food for my cat, she's a fussy eater", ["cat", "food"]),
        ("type c cable, any colour but black", ["type-c", "cable"]),
        ("have you got any wrapping paper with a nice pattern?", ["pattern", "wrapping", "paper"]),
    ],
)
def test_only_the_product_words_are_searched(message: str, query: list[str]) -> None:
    assert parse(message, LEX).query_words == query


def test_an_adjective_is_read_from_a_wrapping_paper_not_from_paper_cups() -> None:
    assert parse("paper cups please", LEX).attributes == {"material": "paper"}
    assert parse("some wrapping paper", LEX).attributes == {}


@pytest.mark.parametrize(
    ("message", "things"),
    [
        ("my little boy loves space and rockets", ["space", "rockets"]),
        (
            "hosting a get-together for 10 people, need some namkeen, soft drinks, a few "
            "sweets and maybe paper plates",
            ["namkeen", "soft drinks", "sweets", "paper plates"],
        ),
        ("we need cups, plates, napkins and straws", ["cups", "plates", "napkins", "straws"]),
    ],
)
def test_several_things_at_once_are_searched_as_a_mix(message: str, things: list[str]) -> None:
    assert parse(message, LEX).alternatives == things


def test_salt_and_pepper_is_one_request_not_a_list() -> None:
    assert parse("I need salt and pepper", LEX).alternatives == []


def test_a_new_colour_in_a_follow_up_replaces_the_old_one() -> None:
    before = Constraints(query="smartwatch black")
    after = merge(parse("in blue instead?", LEX), before, new_topic=False, shown_prices=[])
    assert after.query.split() == ["smartwatch"]
    assert after.attributes == {"color": "blue"}


def test_more_premium_is_dearer_than_shown_not_a_word() -> None:
    up = parse("have you got anything a bit more premium?", LEX)
    assert up.relative == "pricier"
    assert up.query_words == []


def test_a_request_after_is_anyone_there_is_a_request() -> None:
    assert _intent("Is anyone there? I want to buy some candles", True) == "find"
    assert _intent("are you a bot?", True) == "identity"


async def test_interests_without_a_shopping_verb_get_a_search(assistant: Assistant) -> None:
    (turn,) = await assistant.converse(["my mum is mad about candles and hearts"])
    assert turn.record.intent == "find"
    assert turn.cards


async def test_a_gift_whose_words_the_shop_lacks_gets_gift_ideas(assistant: Assistant) -> None:
    (turn,) = await assistant.converse(["a present for a colleague who is retiring, under £5"])
    assert turn.cards
    assert all(float(BY_ID[c.id].price) <= 5 for c in turn.cards)
    assert "retiring" not in turn.text.lower()


async def test_after_a_sorted_search_the_other_end_re_sorts_it(assistant: Assistant) -> None:
    cheapest, dearest = await assistant.converse(
        ["what's your cheapest candle?", "and the most expensive one?"]
    )
    candles = [p for p in BY_ID.values() if "candle" in p.title.lower()]
    assert dearest.cards[0].id == max(candles, key=lambda p: p.price).id
    assert cheapest.cards[0].id == min(candles, key=lambda p: p.price).id


def test_a_brand_the_shopper_did_not_like_before_is_excluded() -> None:
    up = parse("I need a dry iron, had a bajaj before and didn't like it much", LEX)
    assert up.query_words == ["dry", "iron"]
    assert up.exclude == ["bajaj"]


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("do you accept UPI or only cards?", "policy_question"),
        ("do you gift wrap?", "policy_question"),
        ("do you sell gift wrap?", "find"),
        ("find me a power delivery usb cable", "find"),
        ("a power bank that supports power delivery fast charging", "find"),
        ("an hdmi cable that supports audio return for my soundbar", "find"),
        ("a refund for the broken teapot please", "policy_question"),
        ("a candle, do you deliver to france?", "policy_question"),
        ("what would go nicely with the bird ornament?", "bought_together"),
        ("mi wired earphones or the boult bassbuds, which one's better?", "compare"),
    ],
)
def test_questions_to_the_shop_and_requests_for_products(message: str, intent: str) -> None:
    assert _intent(message, product_words=True) == intent


async def test_a_question_after_one_product_is_about_that_product(assistant: Assistant) -> None:
    named, question = await assistant.converse(
        ["tell me about the silver heart necklace", "what is it made of?"]
    )
    assert question.record.intent == "product_question"
    assert [c.id for c in question.cards] == [c.id for c in named.cards]
    # No pronoun: the conversation is still about the necklace.
    (_, price) = await assistant.converse(
        ["tell me about the silver heart necklace", "and how much is the price?"]
    )
    assert price.record.intent == "product_question"
    assert str(BY_ID[named.cards[0].id].price) in price.text.replace("£", "")


@pytest.mark.parametrize(
    ("message", "excluded"),
    [
        ("instant noodles, but I can't stand maggi", ["maggi"]),
        ("pickles please, skip the mango ones", ["mango"]),
        ("some jewellery for my auntie, but skip the earrings", ["earrings"]),
        ("a bluetooth speaker, I cannot stand boat", ["boat"]),
        ("biscuits, we're sick of chocolate ones", ["chocolate"]),
    ],
)
def test_dislikes_said_in_more_ways_are_exclusions(message: str, excluded: list[str]) -> None:
    up = parse(message, LEX)
    assert up.exclude == excluded
    assert not set(excluded) & set(up.query_words)


@pytest.mark.parametrize(
    ("message", "quantity"),
    [
        ("I'll have three of them, what's the total?", 3),
        ("how much for two of the second one?", 2),
        ("a dozen of them for my classroom then, how much?", 12),
    ],
)
def test_a_count_in_words_is_a_quote(message: str, quantity: int) -> None:
    up = parse(message, LEX)
    assert (up.quantity, up.quote) == (quantity, True)
    assert not {"two", "three", "wo", "hree"} & set(up.query_words)


def test_a_number_word_in_a_title_stays_a_word_without_a_price_question() -> None:
    up = parse("a set of three cake tins", LEX)
    assert up.quote is False
    assert "three" in up.query_words or up.phrase.endswith("cake tins")


@pytest.mark.parametrize(
    ("message", "query"),
    [
        ("a menstrual cup, the after delivery size", ["menstrual", "cup"]),
        ("I'm after a teapot", ["teapot"]),
        ("my mum is after a new kettle", ["kettle"]),
    ],
)
def test_after_wants_something_only_as_im_after(message: str, query: list[str]) -> None:
    assert parse(message, LEX).query_words == query


def test_small_talk_around_a_superlative_is_not_searched() -> None:
    up = parse("out of interest, what's the most expensive thing in the whole shop?", LEX)
    assert up.query_words == []
    assert up.sort == "price_desc"


async def test_a_thing_the_catalog_lacks_but_the_shops_pages_describe_is_answered_from_them(
    assistant: Assistant,
) -> None:
    (cards,) = await assistant.converse(["do you sell gift cards?"])
    assert cards.record.intent == "policy_question"
    assert "£10 to £100" in cards.text and not cards.cards
    (saddles,) = await assistant.converse(["do you sell unicorn saddles?"])
    assert saddles.record.intent != "policy_question"
    assert "£10 to £100" not in saddles.text


@pytest.mark.parametrize(
    "message",
    [
        "if I send something back, how long before the money's back in my account?",
        "what's the last day I can order and still get it before Christmas?",
        "have you got an actual shop in London I can pop into?",
    ],
)
def test_questions_to_the_shop_without_its_usual_keywords(message: str) -> None:
    assert _intent(message, product_words=True) == "policy_question"


async def test_a_question_that_goes_on_about_a_policy_answer_stays_with_the_policies(
    assistant: Assistant,
) -> None:
    _, follow = await assistant.converse(
        ["do you post to canada?", "and roughly how long would it take to get there?"]
    )
    assert follow.record.intent == "policy_question"
    assert "working days" in follow.text
    _, candles = await assistant.converse(["do you post to canada?", "show me candles"])
    assert candles.record.intent == "find" and candles.cards
