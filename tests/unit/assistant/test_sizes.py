"""Another size of a product: what a title states, and "a bigger one" in a conversation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.brains.offline.constraints import parse
from assistant.brains.offline.lexicon import Lexicon
from assistant.events import TurnResult
from assistant.sizes import by_size, measures, strip_measures
from retrieval import Product


def _p(pid: str, title: str) -> Product:
    return Product(id=pid, title=title, category="Kitchen > Kettles", price="10", currency="INR")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Havells Aqua Plus 1.2 litre Kettle (Black, 1500 Watt)", {"volume": 1200.0}),
        ("Pigeon Kettle 1500ml", {"volume": 1500.0}),
        ("Tata Salt 1 kg", {"weight": 1000.0}),
        ("SanDisk Ultra 128GB", {"storage": 128.0}),
        ("Regency Cakestand 3 Tier", {"tiers": 3.0}),
        ("Pack of 72 Retro Spot Cake Cases", {"count": 72.0}),
        ("Heart of Wicker Small", {"word": 1.0}),
        ("Red Retrospot Teapot", {}),
    ],
)
def test_a_title_states_its_size_in_one_scale_per_dimension(
    title: str, expected: dict[str, float]
) -> None:
    assert measures(title) == expected


def test_bigger_means_the_same_dimension_nearest_size_first() -> None:
    base = _p("k12", "Steel Kettle 1.2 Litre, 1.8 m cord")
    pool = [
        _p("k2", "Big Kettle 2 L"),
        _p("k15", "Kettle 1500 ml"),
        _p("k1", "Travel Kettle 1 Litre"),
        _p("m", "Kettle without a size"),
    ]
    assert [p.id for p in by_size(base, pool, "bigger")] == ["k15", "k2"]
    assert [p.id for p in by_size(base, pool, "smaller")] == ["k1"]
    assert by_size(_p("t", "Teapot"), pool, "bigger") == []  # no size stated: nothing to compare
    assert strip_measures(base.title) == "Steel Kettle , cord"


@pytest.mark.parametrize(
    ("message", "direction"),
    [
        ("1.2 litres is too small for us though, got a bigger one?", "bigger"),
        ("do you do it in the next size up?", "bigger"),
        ("that's too bulky, anything more compact?", "smaller"),
        ("is there a smaller one?", "smaller"),
    ],
)
def test_asking_for_another_size_is_read_and_its_words_are_not_searched(
    message: str, direction: str
) -> None:
    u = parse(message, Lexicon())
    assert u.size == direction
    assert not {"bigger", "smaller", "compact", "size", "small", "bulky"} & set(u.query_words)


def test_a_bigger_one_of_a_product_whose_listing_states_no_size_is_not_invented(
    chat: Callable[..., list[TurnResult]],
) -> None:
    turns = chat("red heart scented candle", "the first one", "got a bigger one?")
    last = turns[-1]
    assert last.cards == []
    assert "doesn't state its size" in last.text


def test_nothing_smaller_than_the_smallest_is_said_plainly(
    chat: Callable[..., list[TurnResult]],
) -> None:
    turns = chat("white pillar candle large", "tell me about the first one", "a smaller one?")
    last = turns[-1]
    assert last.cards == [] and "couldn't find a smaller size" in last.text
