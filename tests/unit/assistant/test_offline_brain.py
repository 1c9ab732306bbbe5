"""The offline brain end to end on a small catalog: what a shopper sees turn by turn."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from assistant import (
    Assistant,
    ConversationState,
    Suggestions,
    TurnDone,
    TurnRequest,
    TurnStarted,
)
from tests.unit.assistant.conftest import BY_ID, FakeRecommender


async def test_the_memory_dialogue_keeps_constraints_and_references(assistant: Assistant) -> None:
    candles, red, cheaper, second, goes = await assistant.converse(
        [
            "show me candles",
            "only red ones",
            "cheaper",
            "tell me about the second one",
            "what goes with it?",
        ]
    )
    assert candles.cards and all("Candles" in BY_ID[c.id].category for c in candles.cards)
    assert red.cards and all(BY_ID[c.id].attributes.get("color") == "red" for c in red.cards)
    assert cheaper.cards
    assert all(c.price < max(x.price for x in red.cards) for c in cheaper.cards)
    assert all(BY_ID[c.id].attributes.get("color") == "red" for c in cheaper.cards)
    # "the second one" is the second card the shopper saw in the previous turn.
    assert [c.id for c in second.cards] == [cheaper.cards[1].id]
    assert cheaper.cards[1].title in second.text
    assert f"£{cheaper.cards[1].price:.2f}" in second.text
    assert goes.record.tools[0].name == "bought_together"
    assert goes.record.tools[0].args["product_id"] == cheaper.cards[1].id
    assert {c.id for c in goes.cards} <= {"C5", "H1", "X1"}
    assert goes.cards[0].reason == "bought together in 12 orders"


async def test_every_price_in_the_text_is_the_catalogs(assistant: Assistant) -> None:
    (result,) = await assistant.converse(["red things under £3"])
    assert result.cards
    for card in result.cards:
        product = BY_ID[card.id]
        assert float(product.price) <= 3
        assert f"{product.title}: £{product.price}" in result.text
    assert result.record.corrections == []


async def test_a_thing_the_shop_does_not_sell_is_said_plainly(assistant: Assistant) -> None:
    (result,) = await assistant.converse(["do you sell laptops?"])
    assert "laptops" in result.text
    assert "doesn't sell" in result.text or "don't carry" in result.text
    assert result.cards == []


async def test_a_broad_request_gets_one_clarifying_question(assistant: Assistant) -> None:
    ask, answer = await assistant.converse(["I'm looking for a gift", "anything, surprise me"])
    assert "?" in ask.text and ask.cards == [] and ask.record.tools == []
    # No second question: the shopper gets suggestions.
    assert answer.cards and answer.record.tools[0].name == "recommend_for_user"


async def test_a_product_description_cannot_change_the_price(assistant: Assistant) -> None:
    _, answer = await assistant.converse(["vanilla scented candle", "tell me about it"])
    assert "£2.95" in answer.text
    assert "£0" not in answer.text
    assert "ignore previous" not in answer.text.lower()


async def test_policy_questions_are_answered_from_the_shops_documents(
    assistant: Assistant,
) -> None:
    (result,) = await assistant.converse(["how much is delivery to Norway?"])
    assert "£12.50" in result.text
    assert result.record.tools[0].name == "answer_policy"
    assert result.cards == []


async def test_asking_for_a_person_hands_over(assistant: Assistant) -> None:
    (result,) = await assistant.converse(["can I speak to a human please"])
    assert result.record.handoff is True
    assert "team" in result.text


async def test_off_topic_gets_a_short_redirect_without_tools(assistant: Assistant) -> None:
    (result,) = await assistant.converse(["what's the weather like tomorrow?"])
    assert result.record.tools == [] and result.cards == []
    assert "shop" in result.text and len(result.text) < 200


async def test_compare_shows_both_products_side_by_side(assistant: Assistant) -> None:
    _, compared = await assistant.converse(["mugs", "compare the first two"])
    assert len(compared.cards) == 2
    for card in compared.cards:
        assert card.title in compared.text and f"£{card.price:.2f}" in compared.text


async def test_unknown_ordinal_asks_which_one(assistant: Assistant) -> None:
    _, which = await assistant.converse(["mugs", "is it in stock?"])
    assert "Which one" in which.text or "which one" in which.text
    assert which.record.tools == []


async def test_recommendations_degrade_to_search_when_recsys_fails(
    make_assistant: Callable[..., Assistant], caplog: pytest.LogCaptureFixture
) -> None:
    assistant = make_assistant(FakeRecommender(fail=True))
    with caplog.at_level(logging.WARNING):
        (result,) = await assistant.converse(["what do you recommend?"])
    assert result.cards, "a failing recommender still leaves the shopper with products"
    assert "can't get personal picks" in result.text
    assert any("recommendations unavailable" in r.message for r in caplog.records)


async def test_what_goes_with_it_without_recsys_says_so(
    make_assistant: Callable[..., Assistant],
) -> None:
    assistant = make_assistant(FakeRecommender(fail=True))
    _, goes = await assistant.converse(["white hanging heart t-light holder", "what goes with it?"])
    assert "don't have purchase data" in goes.text and "shelves next to it" in goes.text
    assert goes.cards and "H1" not in [c.id for c in goes.cards]
    # Without purchase data, what goes with a holder is not another holder of the same shelf.
    assert all("Holder" not in c.title for c in goes.cards)


async def test_a_signed_in_shopper_gets_personal_picks(assistant: Assistant) -> None:
    rec = assistant.recommender
    assert isinstance(rec, FakeRecommender)
    (result,) = await assistant.converse(["what would you recommend for me?"], user_id="u42")
    assert ("recommend", "u42") in rec.calls
    assert "bought before" in result.text or "past orders" in result.text


async def test_state_is_json_and_any_replica_can_continue(
    make_assistant: Callable[..., Assistant],
) -> None:
    first = make_assistant()
    (shown,) = await first.converse(["show me mugs"])
    wire = json.loads(json.dumps(shown.state.model_dump(mode="json")))
    second = make_assistant()  # another replica, nothing in memory
    result = await second.run_turn(
        TurnRequest(
            message="tell me about the first one", state=ConversationState.model_validate(wire)
        )
    )
    assert [c.id for c in result.cards] == [shown.cards[0].id]


async def test_the_wording_varies_by_turn_but_replays_identically(
    make_assistant: Callable[..., Assistant],
) -> None:
    texts = []
    for _ in range(2):
        state = ConversationState(conversation_id="fixed")
        results = await make_assistant().converse(["mugs", "candles", "teapots"], state=state)
        texts.append([r.text.splitlines()[0] for r in results])
    assert texts[0] == texts[1]
    intros = {t.split(" for ")[0] for t in texts[0]}
    assert len(intros) > 1


async def test_a_long_message_is_refused_politely(make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant(max_message_chars=50)
    (result,) = await assistant.converse(["mugs " * 20])
    assert "too long" in result.text and "too_long" in result.record.guardrails
    assert result.record.tools == []


async def test_the_tool_call_limit_is_kept(make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant(max_tool_calls=1)
    (result,) = await assistant.converse(["red candles cheaper than £1"])
    assert len(result.record.tools) <= 1


async def test_a_failing_catalog_becomes_an_apology(
    make_assistant: Callable[..., Assistant],
    catalog_search: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retrieval import CatalogUnavailable

    def down(*args: object, **kwargs: object) -> None:
        raise CatalogUnavailable("chroma is down")

    assistant = make_assistant()
    assistant.vocabulary()
    monkeypatch.setattr(catalog_search, "search", down)
    (result,) = await assistant.converse(["show me candles"])
    assert "can't reach the catalog" in result.text
    assert result.record.tools[0].ok is False


async def test_events_follow_the_protocol_order(assistant: Assistant) -> None:
    events = [e async for e in assistant.turn(TurnRequest(message="show me mugs"))]
    types = [e.type for e in events]
    assert types[0] == "assistant.start" and types[-1] == "assistant.done"
    assert types.index("products.shown") > types.index("assistant.delta")
    assert "suggestions" in types
    chips = next(e for e in events if isinstance(e, Suggestions)).items
    assert 2 <= len(chips) <= 4
    start, done = events[0], events[-1]
    assert isinstance(start, TurnStarted) and isinstance(done, TurnDone)
    assert done.turn_id == start.turn_id
    assert done.record.brain == "offline" and done.state.turn == 1
