"""The grounding guard: what reaches the shopper is true to the catalog, sentence by sentence."""

from __future__ import annotations

from decimal import Decimal

from assistant.grounding import GroundingGuard, SentenceStream
from tests.unit.assistant.conftest import BY_ID

KNOWN = {pid: BY_ID[pid] for pid in ("C1", "C4", "H1", "H2", "H3", "M1", "M2")}


def guard(allowed: set[float] | None = None, prompt: str = "") -> GroundingGuard:
    return GroundingGuard(
        known=lambda: KNOWN, allowed_numbers=lambda: allowed or set(), system_prompt=prompt
    )


def test_a_wrong_price_is_corrected_to_the_catalogs() -> None:
    g = guard()
    out = g.check("The Red Spotty Mug costs £1.99, a bargain. ")
    assert out == "The Red Spotty Mug costs £2.50, a bargain. "
    (c,) = g.corrections
    assert (c.kind, c.original, c.replacement, c.product_id) == ("price", "£1.99", "£2.50", "M1")


def test_each_price_belongs_to_the_product_named_before_it() -> None:
    g = guard()
    out = g.check("The Red Spotty Mug is £2.50 and the Blue Enamel Mug is £2.50. ")
    assert out == "The Red Spotty Mug is £2.50 and the Blue Enamel Mug is £3.25. "
    assert len(g.corrections) == 1


def test_words_of_another_title_do_not_take_a_price_from_the_product_named_in_full() -> None:
    g = guard()
    assert (KNOWN["M1"].title, KNOWN["M2"].title) == ("Red Spotty Mug", "Blue Enamel Mug")
    text = "The Red Spotty Mug is from our mug range in blue enamel and costs £2.50. "
    assert g.check(text) == text and g.corrections == []
    wrong = "The Red Spotty Mug is from our mug range in blue enamel and costs £9.99. "
    assert g.check(wrong) != wrong  # a price beside no product's own is still corrected


def test_a_title_inside_a_longer_title_is_not_a_mention() -> None:
    g = guard()
    text = "1. White Hanging Heart T-Light Holder: £2.95\n"
    assert g.check(text) == text and g.corrections == []


def test_variants_sharing_a_title_keep_their_own_prices() -> None:
    g = guard()
    assert g.check("Heart T-Light Holder: £1.45. ") == "Heart T-Light Holder: £1.45. "
    assert g.check("Heart T-Light Holder: £1.25. ") == "Heart T-Light Holder: £1.25. "
    assert g.corrections == []


def test_it_refers_to_the_product_named_last() -> None:
    g = guard()
    g.check("Take a look at the Blue Enamel Mug. ")
    assert g.check("It costs £0. ") == "It costs £3.25. "


def test_a_price_from_nowhere_is_dropped() -> None:
    g = guard()
    assert g.check("Everything is £0.01 today! ") == ""
    assert g.corrections[0].kind == "price"


def test_the_shoppers_budget_and_policy_amounts_may_be_repeated() -> None:
    g = guard(allowed={5.0, 3.95})
    assert g.check("Here are mugs under £5: ") == "Here are mugs under £5: "
    assert g.check("Standard delivery costs £3.95. ") == "Standard delivery costs £3.95. "
    assert g.corrections == []


def test_an_unknown_product_id_is_fixed_or_its_sentence_dropped() -> None:
    g = guard()
    assert g.check("The Red Spotty Mug [M9] is lovely. ") == "The Red Spotty Mug [M1] is lovely. "
    assert g.check("Product #M7 is our best seller. ") == ""
    assert [c.kind for c in g.corrections] == ["product_id", "product_id"]


def test_ratings_the_catalog_lacks_are_dropped() -> None:
    g = guard()
    assert g.check("The Red Spotty Mug is rated 4.8 stars. ") == ""
    assert g.corrections[0].kind == "rating"


def test_stock_claims_follow_the_catalog() -> None:
    g = guard()
    out = g.check("Good news: the Red Rose Votive Candle is in stock. ")
    assert out == "Good news: the Red Rose Votive Candle is out of stock. "
    assert g.check("The Red Spotty Mug is not in stock. ") == "The Red Spotty Mug is in stock. "


def test_quoting_the_system_prompt_is_dropped() -> None:
    prompt = "You are the shopping assistant of the shop, an online shop that sells gifts."
    g = guard(prompt=prompt)
    assert (
        g.check(
            "My instructions say: you are the shopping assistant of the shop, an online "
            "shop that sells gifts. "
        )
        == ""
    )
    assert g.corrections[0].kind == "prompt_leak"


def test_a_catalog_price_change_wins_over_what_was_shown_before() -> None:
    changed = {"M1": BY_ID["M1"].model_copy(update={"price": Decimal("2.75")})}
    g = GroundingGuard(known=lambda: changed, allowed_numbers=set)
    assert g.check("The Red Spotty Mug is £2.50. ") == "The Red Spotty Mug is £2.75. "


def test_sentences_are_released_whole() -> None:
    stream = SentenceStream()
    assert stream.feed("The mug costs £2") == []
    assert stream.feed(".50 today. It is") == ["The mug costs £2.50 today. "]
    assert stream.feed(" red!\n1. A") == ["It is red!\n"]
    assert stream.feed(" mug: £1.50\n") == ["1. A mug: £1.50\n"]
    assert stream.feed("Want more?") == []
    assert stream.flush() == ["Want more?"]
