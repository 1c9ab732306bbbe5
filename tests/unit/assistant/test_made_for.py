"""Whom and what a product is for, and what its listing says it is: "deodorant for women",
"running shoes for my husband", "ink for a canon printer", "a thriller" (a book whose
description says "Genre: Murder Thrillers"). Asked of a small dollar shop with long,
Amazon-style titles, where the words a shopper uses are often not a product's head noun."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

import pytest

from assistant import Assistant, AssistantSettings, TurnResult
from assistant.brains.offline.constraints import parse
from assistant.brains.offline.lexicon import Lexicon
from assistant.matching import labelled
from retrieval import HybridSearch, Product, Vocabulary
from tests.unit.assistant.conftest import hashing_search

# id, title, category, price, description
ROWS = [
    (
        "K1",
        "Desert Star by Michael Connelly",
        "Books",
        "29.00",
        "Genre: Police Procedurals, Murder Thrillers, Suspense Thrillers / Hardcover: 400 pages",
    ),
    (
        "K2",
        "The Guest List: A Novel by Lucy Foley",
        "Books",
        "27.99",
        "Genre: Murder Thrillers, Psychological Thrillers / Paperback: 320 pages",
    ),
    (
        "K3",
        "Billy Summers by Stephen King",
        "Books",
        "30.00",
        "Genre: Mystery Action & Adventure, Thriller & Suspense Action Fiction / Hardcover",
    ),
    (
        "K4",
        "Regretting You by Colleen Hoover",
        "Books",
        "14.95",
        "Genre: Family Life Fiction, Contemporary Women Fiction / Paperback",
    ),
    ("S1", "Nike Men's Revolution 5 Wide Running Shoe", "Sports & Outdoors", "59.99", ""),
    ("S2", "adidas Men's Kaptir 2.0 Running Shoe", "Sports & Outdoors", "65.00", ""),
    ("S3", "PUMA Women's Better Foam Adore Running Shoe", "Sports & Outdoors", "69.99", ""),
    ("S4", "ASICS Women's Gel-Kayano Lite 2 Running Shoes", "Sports & Outdoors", "95.24", ""),
    ("S5", "Trail Running Shoes, Lightweight", "Sports & Outdoors", "39.99", ""),
    ("D1", "Deodorant Spray - Men", "Beauty > Deodorants", "3.00", ""),
    ("D2", "Deodorant Roll On - Men, Sport", "Beauty > Deodorants", "2.50", ""),
    ("D3", "Deodorant Spray for Women - Rose", "Beauty > Deodorants", "3.50", ""),
    ("D4", "Deodorant Stick Fresh", "Beauty > Deodorants", "4.00", ""),
    (
        "I1",
        "Speedy Inks Ink Cartridge Replacement for Epson 127, Black",
        "Office Products",
        "14.99",
        "",
    ),
    (
        "I2",
        "Ink Cartridges Replacement for Canon 280 281 PIXMA Printer (5 Pack)",
        "Office Products",
        "49.99",
        "",
    ),
    ("I3", "Remanufactured Ink Cartridge for HP 302 Printer", "Office Products", "19.99", ""),
    ("I4", "Ballpoint Pens Black Ink, 6 Pack", "Office Products", "6.99", ""),
    (
        "P1",
        "Sensyne Ring Light with Phone Holder, Compatible with All Phones",
        "Cell Phones & Accessories",
        "49.99",
        "",
    ),
    (
        "P2",
        "SAMSUNG Galaxy S20 FE 5G Cell Phone, Factory Unlocked",
        "Cell Phones & Accessories",
        "599.99",
        "",
    ),
    ("O1", "Copy Printer Paper, 500 Sheets", "Office Products", "8.07", ""),
    ("G1", "Wildflower Honey 250g", "Grocery > Honey", "6.50", ""),
    ("G2", "Manuka Honey Jar", "Grocery > Honey", "24.00", ""),
    ("G3", "Sports Water Bottle 750ml", "Kitchen > Bottles", "8.00", ""),
]
RATINGS = {"P1": 4.6, "P2": 4.5}


def _product(pid: str, title: str, category: str, price: str, description: str) -> Product:
    return Product(
        id=pid,
        title=title,
        category=category,
        price=Decimal(price),
        currency="USD",
        description=description,
        rating=RATINGS.get(pid),
    )


CATALOG = [_product(*r) for r in ROWS]
VOCAB = Vocabulary(
    categories={"Electronics > Remote Controls": 3, "Beauty > Face Wash": 2},
    brands={},
    attributes={},
    price_min=1.0,
    price_max=100.0,
    currency="USD",
    products=5,
)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> HybridSearch:
    return hashing_search(CATALOG, tmp_path_factory.mktemp("dollar-shop"))


@pytest.fixture
def chat(shop: HybridSearch) -> Callable[..., list[TurnResult]]:
    assistant = Assistant(shop, None, None, AssistantSettings(brain="offline"))

    def run(*messages: str) -> list[TurnResult]:
        return asyncio.run(assistant.converse(list(messages)))

    return run


def test_a_kind_a_listing_states_under_a_label_is_what_the_product_is(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (turn,) = chat("looking for a good thriller to read on holiday, nothing by Stephen King")
    assert {c.id for c in turn.cards} == {"K1", "K2"}
    assert "carry" not in turn.text.lower()
    (none,) = chat("a book that is not a thriller")
    assert [c.id for c in none.cards] == ["K4"]


def test_labelled_reads_only_the_labels_that_say_what_a_product_is() -> None:
    assert labelled("Genre: Murder Thrillers / Hardcover: 400 pages") == "Murder Thrillers"
    assert labelled("Material Type: Silicone | Warranty: 1 year") == "Silicone"
    assert labelled("A candle that smells of vanilla.") == ""


def test_products_marked_for_someone_else_are_left_out(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (women,) = chat("deodorant for women please")
    assert women.cards and women.cards[0].id == "D3"
    assert not {"D1", "D2"} & {c.id for c in women.cards}
    assert "for women" in women.text
    (cheapest,) = chat("cheapest running shoes for women")
    assert [c.id for c in cheapest.cards][:2] == ["S3", "S4"]
    assert not {"S1", "S2"} & {c.id for c in cheapest.cards}


def test_the_person_a_product_is_for_says_whose_products_suit(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (turn,) = chat("running shoes for my husband, he's started jogging")
    ids = [c.id for c in turn.cards]
    assert set(ids[:2]) == {"S1", "S2"}
    assert not {"S3", "S4"} & set(ids)


def test_what_a_product_goes_with_ranks_it_first_but_is_never_required(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (canon,) = chat("ink for a canon printer")
    assert canon.cards[0].id == "I2"
    (kodak,) = chat("ink for a kodak printer")
    # Nothing is made for one: ink is still ink, and no word is reported missing.
    assert kodak.cards and all("ink" in c.title.lower() for c in kodak.cards)
    assert "kodak" not in kodak.text.lower().split("for")[0]


def test_the_for_phrase_is_parsed_as_what_the_product_is_for() -> None:
    lex = Lexicon.from_vocabulary(VOCAB)
    u = parse("a remote for a samsung tv", lex)
    assert u.query_words == ["remote"] and u.prefer == ["samsung tv"]
    u = parse("face wash for men", lex)
    assert u.query_words == ["face", "wash"]
    assert (u.prefer, "women" in u.avoid) == (["men"], True)
    u = parse("a mug for my dad", lex)
    assert (u.prefer, u.avoid[:1]) == (["men"], ["women"])


def test_a_title_that_says_it_is_one_ranks_above_one_only_filed_with_them(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (turn,) = chat("which phone has the best rating?")
    # The ring light is rated higher, but it is a ring light "with phone holder".
    assert turn.cards[0].id == "P2"


def test_a_title_with_its_own_article_is_not_given_another(
    chat: Callable[..., list[TurnResult]],
) -> None:
    _, cheapest = chat("a murder thriller", "which of those is the cheapest?")
    assert "The Guest List" in cheapest.text
    assert "the The" not in cheapest.text


def test_a_container_named_last_holds_the_thing_wanted(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (honey,) = chat("a small honey bottle under $10")
    assert [c.id for c in honey.cards] == ["G1"]
    (water,) = chat("a water bottle please")
    assert water.cards[0].id == "G3"


def test_something_like_it_from_a_different_brand_leaves_out_its_maker(
    chat: Callable[..., list[TurnResult]],
) -> None:
    # The catalog has no brand field: the maker is the first word of the title.
    _, other = chat("the adidas Kaptir running shoe", "anything like it from a different brand?")
    assert other.cards and not [c for c in other.cards if c.title.lower().startswith("adidas")]


def test_a_product_named_by_one_word_of_its_title_is_found(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (turn,) = chat("how many pages is Desert Star? trying to finish it over the break")
    assert [c.id for c in turn.cards] == ["K1"]
    assert "400 pages" in turn.text


def test_what_goes_with_it_on_a_one_shelf_shop_is_another_kind_for_the_same_thing(
    chat: Callable[..., list[TurnResult]],
) -> None:
    (turn,) = chat("just bought the Nike Revolution running shoe, what else do I need?")
    assert turn.cards and not [c for c in turn.cards if "Shoe" in c.title]


def test_a_department_is_no_shelf_of_one_kind(chat: Callable[..., list[TurnResult]]) -> None:
    # "Office Products" holds printer ink beside the printer paper: ink is no paper.
    (turn,) = chat("do you carry printer paper?")
    assert [c.id for c in turn.cards] == ["O1"]


def test_a_container_named_after_a_word_the_shop_does_not_shelve_is_the_product(
    chat: Callable[..., list[TurnResult]],
) -> None:
    # No shelf of pens here: "pen bottle" is no pen, the bottle is what is asked for.
    (turn,) = chat("a pen bottle please")
    assert turn.cards and turn.cards[0].id == "G3"
