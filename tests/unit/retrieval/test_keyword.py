"""Keyword search over a small catalog: what a shopper typing a query would see first."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from retrieval.keyword import KeywordIndex

DOCS = [
    {
        "title": "American Standard Toilet Seat in White",
        "brand": "American Standard",
        "category": "Bath > Toilets",
    },
    {"title": "Lasko 1500W Ceramic Space Heater", "brand": "Lasko", "category": "Heating"},
    {"title": "2 in. x 4 in. x 96 in. Prime Whitewood Stud", "category": "Lumber"},
    {"title": "2 in. x 6 in. x 96 in. Prime Whitewood Board", "category": "Lumber"},
    {
        "title": "GE 30 in. Electric Range in Stainless Steel",
        "brand": "GE",
        "category": "Appliances > Ranges",
    },
    {"title": "GE 36 in. Gas Range in Black", "brand": "GE", "category": "Appliances > Ranges"},
    {"title": "BEHR Premium DeckOver 1-gal. Wood and Concrete Coating", "brand": "BEHR"},
    {"title": "Deck Screws (1 lb. Box)", "category": "Hardware"},
    {
        "title": "Satin Nickel Door Knob Set with Lock and Keys",
        "description": "A toilet seat hinge kit is not included.",
    },
    {"title": "Door Stop with Knob Bumper", "category": "Hardware"},
    {"title": "Round Knob for Door", "category": "Hardware"},
    {"title": "Soft Close Seat Hinges", "brand": "Kohler", "category": "Bath"},
]


@pytest.fixture(scope="module")
def index() -> KeywordIndex:
    return KeywordIndex.build(DOCS)


def first(index: KeywordIndex, query: str) -> str:
    docs, _ = index.top(query, 3)
    assert len(docs) > 0, f"nothing found for {query!r}"
    return DOCS[int(docs[0])]["title"]


@pytest.mark.parametrize("query", ["2x4", "2 x 4", "2x4x96", "2 in x 4 in stud"])
def test_lumber_sizes_find_the_right_board(index: KeywordIndex, query: str) -> None:
    assert first(index, query) == "2 in. x 4 in. x 96 in. Prime Whitewood Stud"


@pytest.mark.parametrize("query", ["30 inch range", '30" range', "30in range"])
def test_inch_spellings_find_the_30_in_range(index: KeywordIndex, query: str) -> None:
    assert first(index, query) == "GE 30 in. Electric Range in Stainless Steel"


@pytest.mark.parametrize("query", ["toliet seat", "toilet seats", "TOILET SEAT"])
def test_misspelt_or_plural_query_finds_the_toilet_seat(index: KeywordIndex, query: str) -> None:
    assert first(index, query) == "American Standard Toilet Seat in White"


def test_misspelling_finds_a_product_it_would_otherwise_miss(index: KeywordIndex) -> None:
    assert first(index, "heaterr") == "Lasko 1500W Ceramic Space Heater"


def test_compound_typed_apart_finds_the_compound(index: KeywordIndex) -> None:
    assert first(index, "deck over") == "BEHR Premium DeckOver 1-gal. Wood and Concrete Coating"


def test_words_side_by_side_rank_above_scattered_words(index: KeywordIndex) -> None:
    # The shorter titles hold both words too; only the phrase channel puts this one first.
    assert first(index, "door knob") == "Satin Nickel Door Knob Set with Lock and Keys"


def test_brand_field_is_searched(index: KeywordIndex) -> None:
    assert first(index, "kohler") == "Soft Close Seat Hinges"


def test_title_outweighs_description(index: KeywordIndex) -> None:
    docs, _ = index.top("toilet seat", 10)
    titles = [DOCS[int(d)]["title"] for d in docs]
    seat = titles.index("American Standard Toilet Seat in White")
    assert seat < titles.index("Satin Nickel Door Knob Set with Lock and Keys")


def test_mask_is_respected(index: KeywordIndex) -> None:
    best = int(index.top("ge range", 1)[0][0])
    mask = np.ones(len(index), dtype=bool)
    mask[best] = False
    docs, scores = index.top("ge range", 10, mask)
    assert best not in docs.tolist()
    assert len(docs) > 0 and all(mask[d] for d in docs)
    assert np.all(np.diff(scores) <= 0)


def test_everything_masked_out_returns_nothing(index: KeywordIndex) -> None:
    docs, scores = index.top("range", 10, np.zeros(len(index), dtype=bool))
    assert docs.size == 0 and scores.size == 0


def test_only_matching_docs_are_returned(index: KeywordIndex) -> None:
    docs, scores = index.top("heater", 10)
    assert docs.tolist() == [1]
    assert scores[0] > 0


def test_a_query_with_no_catalog_word_finds_nothing(index: KeywordIndex) -> None:
    docs, _ = index.top("zzzz qqqq", 10)
    assert docs.size == 0
    assert index.top("", 10)[0].size == 0


def test_scores_cover_every_doc(index: KeywordIndex) -> None:
    scores = index.scores("range")
    assert scores.dtype == np.float32 and scores.shape == (len(DOCS),)
    assert set(np.flatnonzero(scores).tolist()) == {4, 5}


def test_k_limits_and_orders_results(index: KeywordIndex) -> None:
    docs, scores = index.top("door knob", 2)
    assert len(docs) == 2
    assert scores[0] >= scores[1]


def test_titles_only_catalog_builds(index: KeywordIndex) -> None:
    small = KeywordIndex.build([{"title": d["title"]} for d in DOCS])
    assert len(small) == len(DOCS)
    assert first(small, "toliet seat") == "American Standard Toilet Seat in White"


def test_pickled_index_answers_the_same(index: KeywordIndex) -> None:
    clone = pickle.loads(pickle.dumps(index))
    for query in ["2x4", "toliet seat", "deck over"]:
        a, b = index.top(query, 5), clone.top(query, 5)
        assert a[0].tolist() == b[0].tolist()
        assert np.allclose(a[1], b[1])


def test_one_word_titles_and_stop_word_fields_still_index() -> None:
    docs = [{"title": "Hammer", "brand": "the"}, {"title": "Saw", "brand": "a"}]
    small = KeywordIndex.build(docs)
    assert small.top("saw", 5)[0].tolist() == [1]


def test_equal_scores_list_in_catalog_order() -> None:
    docs = [{"title": f"Claw Hammer {n}"} for n in ("1", "2", "3", "4")]
    index = KeywordIndex.build(docs)
    assert index.top("claw hammer", 4)[0].tolist() == [0, 1, 2, 3]
    assert index.top("claw hammer", 2)[0].tolist() == [0, 1]
