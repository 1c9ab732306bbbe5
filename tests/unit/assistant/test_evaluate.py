"""The chat evaluator's expectations and grounding audit, on hand-made turn results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from assistant.evaluate import (
    ProductExpect,
    TurnExpect,
    allowed_amounts,
    audit,
    check_turn,
    has_words,
    money,
    quote_totals,
    said_quantities,
    tool_product_ids,
)
from assistant.events import ProductCard, ToolCall, TurnRecord, TurnResult
from assistant.state import ConversationState
from retrieval import Product


def prod(pid: str, price: str = "100", **kw: Any) -> Product:
    base: dict[str, Any] = {
        "id": pid,
        "title": f"Product {pid}",
        "price": Decimal(price),
        "currency": "INR",
        "category": "Beauty & Hygiene > Oral Care > Toothpaste",
    }
    return Product(**(base | kw))


def card(p: Product) -> ProductCard:
    return ProductCard(
        id=p.id,
        title=p.title,
        price=float(p.price),
        currency=p.currency,
        image_url=p.image_url,
        rating=p.rating,
        in_stock=p.in_stock,
        url=p.url,
    )


def result(
    products: list[Product] = (),  # type: ignore[assignment]
    text: str = "",
    tools: list[str] = (),  # type: ignore[assignment]
    intent: str | None = None,
) -> TurnResult:
    return TurnResult(
        text=text,
        cards=[card(p) for p in products],
        suggestions=[],
        record=TurnRecord(
            turn_id="t", brain="offline", intent=intent, tools=[ToolCall(name=t) for t in tools]
        ),
        state=ConversationState(),
        events=[],
    )


def fails(
    products: list[Product],
    expect: dict[str, Any],
    text: str = "",
    before: list[Product] | None = None,
    **kw: Any,
) -> list[str]:
    r = result(products, text, **kw)
    e = TurnExpect.model_validate(expect)
    cards_before = [card(p) for p in before or []]
    return check_turn(r, e, products, [c.price for c in cards_before], [], cards_before)


COLGATE = prod("1", title="Cibaca Toothpaste - Anticavity", brand="Colgate")
DABUR_RED = prod("2", title="Toothpaste - Ayurvedic Gel", brand="Dabur Red")
PLAIN = prod("3", title="Salt Toothpaste", brand="Lever Ayush")
BOAT = prod("4", title="boAt Bassheads 102 Wired in Ear Earphones", brand="")


def test_brand_takes_the_brand_and_its_sub_brands_only() -> None:
    assert fails([COLGATE], {"products": {"brand": "colgate"}}) == []
    assert fails([DABUR_RED], {"products": {"brand": "Dabur"}}) == []
    assert fails([PLAIN], {"products": {"brand": ["Colgate", "Dabur"]}}) != []
    # A brand that merely starts with the same letters is another brand.
    assert fails([prod("9", brand="Colgateway")], {"products": {"brand": "Colgate"}}) != []


def test_not_brands_checks_the_brand_field_and_the_title() -> None:
    assert fails([COLGATE], {"products": {"not_brands": ["COLGATE"]}}) != []
    assert fails([DABUR_RED], {"products": {"not_brands": ["Dabur"]}}) != []
    assert fails([PLAIN], {"products": {"not_brands": ["Colgate", "Dabur"]}}) == []
    # Amazon India has no brand field: the brand is the title's.
    assert fails([BOAT], {"products": {"not_brands": ["boat"]}}) != []


def test_not_words_reads_title_brand_category_and_attributes_but_not_description() -> None:
    teapot = prod(
        "5",
        title="Dairy Maid Traditional Teapot",
        category="Kitchen & Dining > Tableware",
        attributes={"color": "Cream"},
        description="Not red, not glass.",
    )
    assert fails([teapot], {"products": {"not_words": ["red", "glass"]}}) == []
    assert fails([teapot], {"products": {"not_words": ["dairy maid"]}}) != []
    assert fails([teapot], {"products": {"not_words": ["tableware"]}}) != []
    assert fails([teapot], {"products": {"not_words": ["cream"]}}) != []
    assert fails([COLGATE], {"products": {"not_words": ["colgate"]}}) != []
    # Plurals and compounds: "bauble" excludes "Baubles", "red" does not exclude "Redwood".
    baubles = prod("6", title="Set/16 White Shiny & Matt Baubles")
    assert fails([baubles], {"products": {"not_words": ["bauble"]}}) != []
    assert fails([prod("7", title="Redwood Box")], {"products": {"not_words": ["red"]}}) == []


def test_has_words_matches_whole_words_and_phrases() -> None:
    assert has_words("Green Tea - Regular", "green tea")
    assert not has_words("Green Apple Tea", "green tea")
    assert has_words("MI 80 cm (32 inches) TV", "32 inches")
    assert not has_words("Scarlet", "red")


def test_category_lists_and_exclusions() -> None:
    e = {"products": {"category": ["Baby Care", "Beauty & Hygiene > Oral"]}}
    assert fails([COLGATE], e) == []
    assert fails([COLGATE], {"products": {"category": "Baby Care"}}) != []
    assert fails([COLGATE], {"products": {"not_category": ["beauty & hygiene"]}}) != []
    assert fails([COLGATE], {"products": {"not_category": ["Baby Care"]}}) == []


def test_rating_min_is_an_alias_and_unrated_fails() -> None:
    rated = prod("8", rating=4.3)
    assert ProductExpect.model_validate({"rating_min": 4.3}).min_rating == 4.3
    assert fails([rated], {"products": {"rating_min": 4.3}}) == []
    assert fails([rated], {"products": {"min_rating": 4.4}}) != []
    assert fails([prod("9")], {"products": {"min_rating": 1}}) != []


def test_ids_in_and_not_ids() -> None:
    assert fails([COLGATE, PLAIN], {"products": {"ids_in": ["1", "3"]}}) == []
    assert fails([COLGATE, PLAIN], {"products": {"ids_in": ["1"]}}) != []
    assert fails([COLGATE], {"products": {"not_ids": ["1"]}}) == ["1 must not be shown"]


def test_order_of_the_cards() -> None:
    a, b, c = prod("a", "10", rating=4.5), prod("b", "20", rating=None), prod("c", "20", rating=3)
    assert fails([a, b, c], {"order": "price_asc"}) == []
    assert fails([c, a], {"order": "price_asc"}) != []
    assert fails([b, c, a], {"order": "price_desc"}) == []
    assert fails([a, c, b], {"order": "rating_desc"}) == []  # unrated last
    assert fails([a, b, c], {"order": "rating_desc"}) != []


def test_first_id_first_in_and_ids_any() -> None:
    assert fails([COLGATE, PLAIN], {"first_id": "1"}) == []
    assert fails([PLAIN, COLGATE], {"first_id": "1"}) != []
    assert fails([], {"first_id": "1"}) != []
    assert fails([PLAIN], {"first_in": ["1", "3"]}) == []
    assert fails([PLAIN, COLGATE], {"ids_any": ["1"]}) == []
    assert fails([PLAIN], {"ids_any": ["1", "2"]}) != []


def test_quote_total_and_amount_any_read_any_written_form() -> None:
    assert fails([], {"quote_total": 4788}, "12 of them come to ₹4,788.00.") == []
    assert fails([], {"quote_total": 35.4}, "That's £35.40 for twelve.") == []
    assert fails([], {"quote_total": 35.4}, "That's £2.95 each.") != []
    assert fails([], {"amount_any": [749, 1043]}, "The PKOSS costs Rs. 749") == []


def test_relations_to_the_turn_before() -> None:
    before = [prod("x", "50", rating=4.1), prod("y", "30", rating=4.6), prod("z", "30")]
    assert fails([before[1]], {"pick_from_previous": "cheapest"}, before=before) == []
    assert fails([before[2]], {"pick_from_previous": "cheapest"}, before=before) == []
    assert fails([before[0]], {"pick_from_previous": "cheapest"}, before=before) != []
    assert fails([before[0]], {"pick_from_previous": "priciest"}, before=before) == []
    assert fails([before[1]], {"pick_from_previous": "best_rated"}, before=before) == []
    assert fails([before[1]], {"previous_item": 2}, before=before) == []
    assert fails([before[0]], {"previous_item": 2}, before=before) != []
    assert fails([], {"previous_item": 1}, "Product x is lovely.", before=before) == []
    assert fails([], {"quote_previous": 3}, "3 cost ₹150", before=before) == []
    assert fails([], {"quote_previous": 3, "quote_item": 2}, "₹90 in all", before=before) == []
    assert fails([before[0]], {"from_previous": True}, before=before) == []
    assert fails([PLAIN], {"from_previous": True}, before=before) != []
    assert fails([PLAIN], {"pick_from_previous": "cheapest"}) == [
        "the turn before showed no product to refer to"
    ]


def test_quote_previous_prices_the_product_a_reference_picked() -> None:
    before = [card(prod("x", "50")), card(prod("y", "30"))]
    r = result([], "Two of them cost ₹60.")
    e = TurnExpect(quote_previous=2)
    assert check_turn(r, e, [], [], [], before, focus=before[1]) == []
    assert check_turn(r, e, [], [], [], before, focus=None) != []


def test_not_tools_and_not_intent() -> None:
    r = result([], "", tools=["answer_policy"], intent="policy_question")
    assert check_turn(r, TurnExpect(not_tools=["answer_policy"]), [], [], []) == [
        "tool answer_policy called"
    ]
    assert check_turn(r, TurnExpect(not_intent=["policy_question"]), [], [], []) != []
    assert check_turn(r, TurnExpect(not_tools=["search_products"]), [], [], []) == []


def test_unknown_expectation_fields_are_refused() -> None:
    with pytest.raises(ValueError):
        TurnExpect.model_validate({"first_ids": ["1"]})
    with pytest.raises(ValueError):
        ProductExpect.model_validate({"brands": ["Colgate"]})


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("₹1,099", 1099.0, "INR"),
        ("₹ 1,00,000", 100000.0, "INR"),
        ("Rs. 499", 499.0, "INR"),
        ("Rs.50", 50.0, "INR"),
        ("INR 150", 150.0, "INR"),
        ("250 rupees", 250.0, "INR"),
        ("£3.50", 3.5, "GBP"),
        ("2 quid", 2.0, "GBP"),
        ("50p", 0.5, "GBP"),
        ("$12", 12.0, "USD"),
        ("10 euros", 10.0, "EUR"),
    ],
)
def test_money_reads_every_form(text: str, amount: float, unit: str) -> None:
    assert [(a, u) for _, a, u in money(f"it costs {text} today")] == [(amount, unit)]


def test_money_ignores_plain_numbers() -> None:
    assert money("a 1.5 litre kettle, 1500 watts, 3 jars") == []


def test_audit_flags_pounds_on_a_rupee_catalog_and_prices_from_nowhere() -> None:
    kettle = prod("k", "1043", title="Prestige PKGSS Kettle")
    r = result([kettle], "The Prestige PKGSS Kettle costs ₹1,043. Delivery is £3.95.")
    allowed = allowed_amounts([kettle], ["kettle please"], set())
    out = audit(r, {"k": kettle}, {"k": kettle}, allowed, currency="INR")
    assert out == ["'£3.95' is in GBP, the catalog's prices are in INR"]
    r = result([kettle], "Prices start at ₹999.")
    assert audit(r, {"k": kettle}, {"k": kettle}, allowed, currency="INR") == [
        "price '₹999' comes from no product shown"
    ]


def test_audit_accepts_totals_for_a_quantity_the_shopper_said() -> None:
    cable = prod("c", "399", title="Wayona Cable")
    shown = {"c": cable}
    said = ["how much for 12 of them?"]
    allowed = allowed_amounts(shown.values(), said, set())
    r = result([], "12 of the Wayona Cable come to ₹4,788.")
    assert audit(r, {}, shown, allowed, currency="INR", quantities={12}) == []
    r = result([], "12 of them come to ₹4,788.")
    assert audit(r, {}, shown, allowed, currency="INR") == []
    r = result([], "12 of them come to ₹4,800.")
    assert audit(r, {}, shown, allowed, currency="INR") != []
    r = result([], "The Wayona Cable costs ₹4,788.")
    assert audit(r, {}, shown, allowed, currency="INR") != []


def test_audit_reads_a_quantity_the_shopper_said_in_words() -> None:
    chalkboard = prod("h", "2.95", title="Natural Slate Heart Chalkboard")
    shown = {"h": chalkboard}
    said = ["lovely, a dozen of them for my classroom then, how much?"]
    assert said_quantities(said) == {12}
    allowed = allowed_amounts(shown.values(), said, set())
    r = result([], "12 x Natural Slate Heart Chalkboard at £2.95 each comes to £35.40.")
    assert audit(r, {}, shown, allowed, currency="GBP", quantities=said_quantities(said)) == []
    r = result([], "12 x Natural Slate Heart Chalkboard at £2.95 each comes to £36.40.")
    assert audit(r, {}, shown, allowed, currency="GBP", quantities={12}) != []
    assert said_quantities(["two of the second one", "half a dozen"]) == {2, 6}


def test_audit_takes_figures_of_a_shown_products_description() -> None:
    tv = prod("t", "13999", title="MI TV", description="Save ₹2,000 with bank offers")
    allowed = allowed_amounts([tv], ["tell me about the MI TV"], set())
    assert 2000.0 in allowed
    r = result([tv], "The listing says you save ₹2,000 with bank offers.")
    assert audit(r, {"t": tv}, {"t": tv}, allowed, currency="INR") == []


def test_audit_flags_a_card_unlike_the_catalog() -> None:
    p = prod("p", "10")
    r = result([p])
    r.cards[0].price = 9.0
    assert audit(r, {"p": p}, {"p": p}, set()) == ["card p differs from the catalog"]


def test_audit_flags_unknown_ids_but_not_a_shown_products_model_number() -> None:
    kettle = prod("B07WMS7TWB", "649", title="Pigeon Amaze Plus Electric Kettle (14289)")
    shown = {kettle.id: kettle}
    r = result([], "The Pigeon Amaze Plus Electric Kettle (14289) boils fast.")
    assert audit(r, {}, shown, set(), currency="INR") == []
    r = result([], "Try 85123A instead.")
    assert audit(r, {}, shown, set(), currency="INR") == ["unknown product id 85123A"]


def test_tool_product_ids_reads_every_tool_argument_shape() -> None:
    r = result([])
    r.record.tools = [
        ToolCall(name="get_product", args={"product_id": "22423"}),
        ToolCall(name="compare_products", args={"product_ids": ["21843", "22423"]}),
        ToolCall(name="quote_products", args={"items": [{"product_id": "85123A", "quantity": 12}]}),
        ToolCall(name="search_products", args={"query": "teapot", "k": 4}),
    ]
    assert tool_product_ids(r) == ["22423", "21843", "85123A"]


def test_a_quote_of_several_lines_may_write_its_total() -> None:
    a, b = prod("a", "2.95"), prod("b", "1.25")
    known = {"a": a, "b": b}
    r = result([])
    items = [{"product_id": "a", "quantity": 12}, {"product_id": "b", "quantity": 12}]
    r.record.tools = [ToolCall(name="quote_products", args={"items": items})]
    assert quote_totals(r, known, {12}) == {50.4}
    # A quantity the shopper never said is not a quote of theirs.
    assert quote_totals(r, known, {3}) == set()


def test_a_budget_said_back_beside_a_product_is_not_its_price() -> None:
    wash = prod("w", "146.25", title="Purifying Neem Face Wash")
    shown = {"w": wash}
    allowed = allowed_amounts([wash], ["a face wash under 150 rupees"], set())
    r = result([wash], "Purifying Neem Face Wash is under ₹150.")
    assert audit(r, {"w": wash}, shown, allowed, currency="INR") == []
    r = result([wash], "Purifying Neem Face Wash costs ₹150.")
    assert audit(r, {"w": wash}, shown, allowed, currency="INR") == ["'₹150' is not the price of w"]
