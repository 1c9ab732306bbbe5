"""The analyzer: what a shopper's spelling of sizes, plurals and typos turns into."""

from __future__ import annotations

import pickle

import pytest

from retrieval.analyzer import Analyzer

CATALOG = [
    "American Standard Toilet Seat in White",
    "Elongated Toilet Seat with Slow Close Hinges",
    "Lasko 1500W Ceramic Space Heater",
    "Rheem 40 gal. Electric Water Heater",
    "BEHR Premium DeckOver 1-gal. Wood and Concrete Coating",
    "Sterling Bathtub Door in Silver",
    "Pella Sliding Patio Door",
    "2 in. x 4 in. x 96 in. Prime Whitewood Stud",
    "GE 30 in. Electric Range in Stainless Steel",
    "Miter Saw Stand",
    "DEWALT 12 in. Double Bevel Miter Saw",
    "Mitre Box with Back Saw",
    "Fillmore 5081 Faucet Cartridge",
    "Cree 60W Equivalent Soft White (2700K) LED Bulb",
]


@pytest.fixture(scope="module")
def fitted() -> Analyzer:
    return Analyzer().fit(CATALOG)


def shares(a: list[str], b: list[str], token: str) -> bool:
    return token in a and token in b


@pytest.mark.parametrize("query", ["2x4", "2 x 4", "2 X 4", "2*4", "2in x 4in", '2" x 4"'])
def test_dimension_spellings_give_the_catalogs_dimension_token(query: str) -> None:
    a = Analyzer()
    title = a.tokenize("2 in. x 4 in. x 96 in. Prime Whitewood Stud")
    assert "2x4" in a.tokenize(query)
    assert "2x4" in title


def test_dimension_with_width_and_height_labels() -> None:
    a = Analyzer()
    assert "36x22" in a.tokenize("Vanity 36 in. W x 22 in. D")


@pytest.mark.parametrize("query", ["30 inch", "30 inches", '30"', "30in", "30-in.", "30 In"])
def test_inch_spellings_match_the_catalogs_in(query: str) -> None:
    a = Analyzer()
    assert shares(a.tokenize(query), a.tokenize("GE 30 in. Electric Range"), "30in")


@pytest.mark.parametrize(
    ("query", "title", "token"),
    [
        ("5 gallon bucket", "5 gal. Homer Bucket", "5gal"),
        ("50 pound bag", "50 lb. Bag of Sand", "50lb"),
        ("8 feet ladder", "8 ft. Fiberglass Ladder", "8ft"),
        ("8' ladder", "8 ft. Fiberglass Ladder", "8ft"),
        ("4.2 cubic feet washer", "4.2 cu. ft. Front Load Washer", "4.2cuft"),
        ("60 watt bulb", "60W Equivalent LED Bulb", "60w"),
        ("15 amp outlet", "15-Amp Duplex Outlet", "15amp"),
        ("1/2 in. pipe", '1/2" Copper Pipe', "0.5in"),
        ("1 1/2 inch pvc", "1-1/2 in. PVC Pipe", "1.5in"),
        ("1.5 in pvc", "1-1/2 in. PVC Pipe", "1.5in"),
        ("3/4 plywood", "3/4 in. Plywood Sheet", "0.75"),
        ("4 pack", "Metal Stakes (4-Pack)", "4pack"),
        ("1000 sq ft", "Covers 1,000 sq. ft.", "1000sqft"),
    ],
)
def test_units_and_fractions_meet_in_one_spelling(query: str, title: str, token: str) -> None:
    a = Analyzer()
    assert shares(a.tokenize(query), a.tokenize(title), token)


def test_in_as_a_word_is_not_an_inch() -> None:
    a = Analyzer()
    assert a.tokenize("Faucet in Chrome") == ["faucet", "chrome"]


def test_plurals_match_singulars() -> None:
    a = Analyzer()
    assert a.tokenize("toilets heaters faucets") == a.tokenize("toilet heater faucet")


def test_entities_accents_and_case_are_folded() -> None:
    a = Analyzer()
    assert a.tokenize("BLACK &amp; DECKER Café") == a.tokenize("black & decker cafe")


def test_model_numbers_match_with_or_without_hyphen() -> None:
    a = Analyzer()
    assert shares(a.tokenize("behr sc141"), a.tokenize("BEHR #SC-141 Tugboat"), "sc141")


def test_camel_case_names_also_index_their_parts() -> None:
    a = Analyzer()
    tokens = a.tokenize("BEHR DeckOver")
    assert {"deck", "over"} <= set(tokens)


def test_misspelt_words_are_corrected_to_catalog_words(fitted: Analyzer) -> None:
    assert fitted.correct("toliet seat") == "toilet seat"
    assert fitted.correct("heaterr") == "heater"
    assert fitted.correct("Electirc range") == "electric range"


def test_words_the_catalog_uses_are_never_changed(fitted: Analyzer) -> None:
    # "mitre" is rarer than "miter" one edit away, but the catalog sells a mitre box.
    assert fitted.correct("mitre box") == "mitre box"
    assert fitted.correct("toilet seat") == "toilet seat"
    # A plural of a catalog word is known through its stem.
    assert fitted.correct("toilets") == "toilets"


def test_numbers_and_model_numbers_are_left_alone(fitted: Analyzer) -> None:
    assert fitted.correct("fillmore 5080") == "fillmore 5080"
    assert fitted.correct("2700k bulb") == "2700k bulb"


def test_short_words_are_not_guessed_at(fitted: Analyzer) -> None:
    # Three letters are too few to tell a typo from an abbreviation ("sae" oil, not "saw").
    assert fitted.correct("sae 30") == "sae 30"


def test_run_together_words_are_split(fitted: Analyzer) -> None:
    assert fitted.correct("bathtubdoor") == "bathtub door"
    assert {"bathtub", "door"} <= set(fitted.analyze_query("bathtubdoor"))


def test_words_typed_apart_also_match_the_joined_catalog_word(fitted: Analyzer) -> None:
    tokens = fitted.analyze_query("deck over")
    assert set(fitted.tokenize("DeckOver")) & set(tokens) >= {"deck", "over"}
    assert fitted.tokenize("deckover")[0] in tokens


def test_query_side_reaches_the_catalog_tokens(fitted: Analyzer) -> None:
    title = set(fitted.tokenize("American Standard Toilet Seat in White"))
    assert set(fitted.analyze_query("toliet seats")) <= title


def test_unfitted_analyzer_does_not_correct() -> None:
    a = Analyzer()
    assert a.correct("Toliet Seat") == "toliet seat"
    assert a.analyze_query("toliet") == a.tokenize("toliet")


def test_pickle_round_trip_keeps_behaviour(fitted: Analyzer) -> None:
    clone = pickle.loads(pickle.dumps(fitted))
    for query in ["toliet seats", "bathtubdoor", "deck over", "2x4 30 inch"]:
        assert clone.analyze_query(query) == fitted.analyze_query(query)


def test_language_chooses_the_stemmer() -> None:
    german = Analyzer("german", stopwords=())
    assert german.tokenize("Lampen") == german.tokenize("Lampe")


@pytest.mark.parametrize(
    ("word", "bases"),
    [
        ("spotty", ("spot",)),
        ("glittery", ("glitter",)),
        ("pinkish", ("pink",)),
        ("stripy", ("strip", "stripe")),
        ("wooden", ("wood",)),
        ("woollen", ("wool",)),
        ("spots", ()),
        ("jersey", ()),
        ("key", ()),
    ],
)
def test_an_adjective_names_the_word_it_is_made_from(word: str, bases: tuple[str, ...]) -> None:
    assert Analyzer().base_forms(word) == bases
