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
