"""The tools: model-facing schemas, typed arguments, failures as short results."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from assistant import AssistantSettings, ConversationState, ProductFilters, make_tools
from assistant.context import TurnContext
from assistant.policies import PolicyIndex
from retrieval import HybridSearch
from tests.unit.assistant.conftest import FakeRecommender


def ctx(search: HybridSearch, policies: PolicyIndex, rec: Any = None, **kw: Any) -> TurnContext:
    tools = make_tools(search, rec or FakeRecommender(), policies)
    return TurnContext(message="hi", state=ConversationState(), tools=tools, search=search, **kw)


def test_schemas_describe_every_tool_and_hide_injected_arguments(
    catalog_search: HybridSearch, policies: PolicyIndex
) -> None:
    schemas = {
        s["function"]["name"]: s["function"] for s in ctx(catalog_search, policies).tools.schemas()
    }
    assert set(schemas) == {
        "search_products",
        "get_product",
        "compare_products",
        "recommend_for_user",
        "similar_products",
        "bought_together",
        "quote_products",
        "answer_policy",
    }
    for fn in schemas.values():
        assert len(fn["description"]) > 40
    rec = schemas["recommend_for_user"]["parameters"]["properties"]
    assert "user_id" not in rec and "seen" not in rec
    filters = schemas["search_products"]["parameters"]["properties"]["filters"]
    assert "price_max" in str(filters)
    # "Got a bigger one?" reaches an LLM brain as an argument of the same tool.
    size = schemas["similar_products"]["parameters"]["properties"]["size"]
    assert {"bigger", "smaller"} <= set(str(size).replace("'", '"').split('"'))


async def test_a_bigger_one_is_the_same_kind_in_the_next_size(
    catalog_search: HybridSearch, policies: PolicyIndex
) -> None:
    c = ctx(catalog_search, policies)
    bigger = await c.call("similar_products", {"product_id": "C3", "size": "bigger"})
    assert bigger.ok
    # "Red Dinner Candles Set of 6": no candle of the unit catalog states a larger set.
    assert bigger.products == [] and "nothing bigger" in (bigger.note or "")


async def test_search_keeps_every_filter(
    catalog_search: HybridSearch, policies: PolicyIndex
) -> None:
    c = ctx(catalog_search, policies)
    result = await c.call(
        "search_products",
        {
            "query": "candle",
            "filters": {"price_max": 3, "attributes": {"color": "red"}},
        },
    )
    assert result.products
    assert all(float(p.price) <= 3 and p.attributes["color"] == "red" for p in result.products)
    assert c.known.keys() >= {p.id for p in result.products}


async def test_unknown_words_are_reported_not_invented(
    catalog_search: HybridSearch, policies: PolicyIndex
) -> None:
    result = await ctx(catalog_search, policies).call("search_products", {"query": "laptop"})
    assert result.missing == ["laptop"]
    assert "not_in_catalog" in result.for_model()


async def test_bad_arguments_come_back_as_a_short_result(
    catalog_search: HybridSearch, policies: PolicyIndex
) -> None:
    c = ctx(catalog_search, policies)
    result = await c.call("search_products", {"query": "mug", "filters": {"price_max": "lots"}})
    assert not result.ok and "bad arguments" in result.message
    assert not (await c.call("no_such_tool", {})).ok
    assert [call.ok for call in c.calls] == [False, False]


async def test_a_failing_port_is_logged_and_recovered(
    catalog_search: HybridSearch,
    policies: PolicyIndex,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from retrieval import CatalogUnavailable

    def down(*args: object) -> None:
        raise CatalogUnavailable("down")

    c = ctx(catalog_search, policies)
    monkeypatch.setattr(catalog_search, "get", down)
    with caplog.at_level(logging.WARNING):
        result = await c.call("get_product", {"product_id": "M1"})
    assert not result.ok and "catalog_unavailable" in result.message
    assert "tool get_product failed" in caplog.text


async def test_the_limit_on_tool_calls(catalog_search: HybridSearch, policies: PolicyIndex) -> None:
    c = ctx(catalog_search, policies, max_tool_calls=2)
    for _ in range(3):
        last = await c.call("get_product", {"product_id": "M1"})
    assert not last.ok and "limit" in last.message


async def test_recommendations_use_the_signed_in_shopper_never_the_model(
    catalog_search: HybridSearch,
    policies: PolicyIndex,
) -> None:
    rec = FakeRecommender()
    c = ctx(catalog_search, policies, rec, user_id="u1")
    await c.call("recommend_for_user", {"user_id": "someone-else", "k": 2})
    assert rec.calls == [("recommend", "u1")]


async def test_catalog_text_reaches_the_model_cleaned(
    catalog_search: HybridSearch, policies: PolicyIndex
) -> None:
    c = ctx(catalog_search, policies)
    result = await c.call("get_product", {"product_id": "C6"})
    assert "ignore previous" not in result.for_model().lower()
    assert "vanilla" in result.for_model().lower()
    assert c.guardrails == ["catalog_injection:C6"]


def test_filters_model_round_trips() -> None:
    f = ProductFilters(price_max=5, attributes={"color": "red"})
    assert ProductFilters.model_validate(f.model_dump()) == f
    assert AssistantSettings(brain="offline").max_tool_calls >= 1
