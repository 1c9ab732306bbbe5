"""The staff console over a real server, on conversations that real shoppers had with the assistant.

Shoppers chat over /ws/chat with the offline assistant on the demo shop; a staff member
then searches, filters, reads, annotates and exports them through the console's pages.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.evaluate import Suite, run_suite
from tests.browser.console_helpers import DEMO_ADMIN, EchoRunner, StaffClient
from tests.integration.servers import serve_web
from tests.integration.wsclient import open_chat
from web.app import create_app
from web.parts import PartsFactory
from web.settings import WebSettings
from web.store import StaffAccounts, make_transcript_store

pytestmark = pytest.mark.slow

XSS = "<script>alert('pwned')</script><img src=x onerror=alert(1)> candles"


@dataclass
class Shop:
    url: str
    settings: WebSettings
    staff: StaffClient
    candles: str  # show me candles / only red ones, a click, an add to cart, a thumbs up
    candle_cards: list[dict[str, Any]]
    zero: str  # a query the shop has nothing for
    human: str  # asked for a person
    xss: str  # a shopper who typed markup


async def _chat(url: str, *messages: str, **events: Any) -> tuple[str, list[dict[str, Any]]]:
    chat = await open_chat(url)
    frames: list[dict[str, Any]] = []
    for text in messages:
        await chat.say(text)
        frames += await chat.until("assistant.done")
    cards = [f for f in frames if f["type"] == "products.shown"]
    if events.get("buy") and cards:
        first = cards[-1]["data"]["items"][0]["id"]
        await chat.send("user.event", name="click", product_id=first)
        await chat.send("user.event", name="cart", product_id=first)
    if events.get("thumbs_up"):
        turn = [f for f in frames if f["type"] == "assistant.start"][0]["data"]["turn_id"]
        await chat.send("user.feedback", turn_id=turn, rating=1)
    await chat.send("ping")
    await chat.until("pong")
    await chat.close()
    return chat.welcome["data"]["conversation_id"], frames


@pytest.fixture(scope="module")
def shop(demo_assistant: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    settings = WebSettings(data_dir=tmp_path_factory.mktemp("console"), demo=True)
    with serve_web(settings, runner=demo_assistant) as url:

        async def conversations() -> tuple[Any, ...]:
            candles = await _chat(url, "show me candles", "only red ones", buy=True, thumbs_up=True)
            zero = await _chat(url, "do you sell lawnmowers")
            human = await _chat(url, "can I talk to a real person please")
            xss = await _chat(url, XSS)
            return candles, zero, human, xss

        candles, zero, human, xss = asyncio.run(conversations())
        red = [f for f in candles[1] if f["type"] == "products.shown"][-1]["data"]["items"]
        staff = StaffClient(url).logged_in(*DEMO_ADMIN)
        yield Shop(url, settings, staff, candles[0], red, zero[0], human[0], xss[0])
        staff.close()


def _rows(html: str) -> list[str]:
    """The conversation ids listed on a list page, in order."""
    return re.findall(r'<td class="first"><a href="/console/conversations/([^"]+)"', html)


def test_search_finds_conversations_by_what_was_said(shop: Shop) -> None:
    page = shop.staff.http.get("/console/conversations", params={"q": "lawnmowers"})
    assert page.status_code == 200
    assert _rows(page.text) == [shop.zero]
    assert "<strong>1</strong> conversation matches 1 filter" in page.text
    # The assistant's words are searched too, not only the shopper's.
    said = shop.staff.http.get(f"/api/staff/conversations/{shop.candles}").json()["messages"]
    answer_word = next(
        w for w in re.findall(r"[A-Za-z]{6,}", said[1]["text"]) if w.lower() not in "candles"
    )
    found = shop.staff.http.get("/console/conversations", params={"q": answer_word})
    assert shop.candles in _rows(found.text)


def test_filters_narrow_the_list_to_what_a_reviewer_asks_for(shop: Shop) -> None:
    def listed(**params: str) -> list[str]:
        page = shop.staff.http.get("/console/conversations", params=params)
        assert page.status_code == 200, page.text
        return _rows(page.text)

    assert listed(added_to_cart="yes") == [shop.candles]
    assert listed(card_clicked="yes") == [shop.candles]
    assert listed(rating="positive") == [shop.candles]
    assert shop.human in listed(handoff="yes") and shop.candles not in listed(handoff="yes")
    assert shop.zero in listed(zero_result="yes")
    assert shop.candles not in listed(zero_result="yes")
    assert set(listed(product_shown="no")) >= {shop.human}
    assert listed(brain="offline") and not listed(brain="no-such-brain")
    today = datetime.now(UTC).date()
    assert shop.candles in listed(since=today.isoformat(), until=today.isoformat())
    assert listed(since=(today + timedelta(days=1)).isoformat()) == []
    oldest = listed(sort="oldest")
    assert oldest.index(shop.candles) < oldest.index(shop.xss), "started first, listed first"
    bad = shop.staff.http.get("/console/conversations", params={"since": "last tuesday"})
    assert bad.status_code == 400 and "since must be a date" in bad.text


def test_a_conversation_shows_the_chat_with_its_cards_and_what_happened(shop: Shop) -> None:
    page = shop.staff.http.get(f"/console/conversations/{shop.candles}")
    assert page.status_code == 200
    html = page.text
    for card in shop.candle_cards:
        assert card["title"].replace("'", "&#39;") in html, card["title"]
    assert "show me candles" in html and "only red ones" in html
    assert "<code>search_products</code>" in html, "the tool call beside the answer"
    refined = re.search(r'<code class="args">([^<]*)</code>', html.split("only red ones")[1])
    assert refined is not None and "red" in refined[1], "the colour filter is shown"
    assert "What happened" in html and "offline" in html
    first = shop.candle_cards[0]["title"].replace("'", "&#39;")
    assert f"Shopper added <strong>{first}</strong> to the cart" in html
    assert "Shopper: <strong>👍 helpful</strong>" in html
    assert 'href="/console/conversations/' + shop.candles + '/testcase.yaml"' in html


def test_a_shopper_who_typed_markup_cannot_script_the_console(shop: Shop) -> None:
    for path in ("/console/conversations", f"/console/conversations/{shop.xss}"):
        html = shop.staff.http.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    headers = shop.staff.http.get(f"/console/conversations/{shop.xss}").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_tags_notes_and_ratings_show_up_where_reviewers_look(shop: Shop) -> None:
    staff, cid = shop.staff, shop.candles
    turn = staff.http.get(f"/api/staff/conversations/{cid}").json()["messages"][1]["turn_id"]
    assert staff.form(f"/console/conversations/{cid}/tags", tag=" Red Candles ").status_code == 303
    assert staff.form(f"/console/conversations/{cid}/notes", text="Good picks").status_code == 303
    assert (
        staff.form(f"/console/conversations/{cid}/notes", text="Cheaper one?", turn_id=turn)
    ).status_code == 303
    assert staff.form(f"/console/conversations/{cid}/rating", rating="5").status_code == 303
    rated = staff.form(f"/console/conversations/{cid}/turns/{turn}/rating", rating="2")
    assert rated.status_code == 303 and rated.headers["location"].endswith(f"#turn-{turn}")
    html = staff.http.get(f"/console/conversations/{cid}").text
    assert '<li class="tag">red candles' in html
    assert "Good picks" in html and "Cheaper one?" in html
    assert "<strong>5/5</strong>" in html and "Staff: <strong>2/5</strong>" in html
    listed = staff.http.get("/console/conversations", params={"tag": "red candles"})
    assert _rows(listed.text) == [cid]
    assert staff.form(f"/console/conversations/{cid}/rating", rating="9").status_code == 400
    removed = staff.form(f"/console/conversations/{cid}/tags/remove", tag="red candles")
    assert removed.status_code == 303
    assert _rows(staff.http.get("/console/conversations", params={"tag": "red candles"}).text) == []


def test_exports_carry_the_filtered_list(shop: Shop) -> None:
    response = shop.staff.http.get("/console/conversations.csv", params={"handoff": "no"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    ids = [r["id"] for r in rows]
    assert shop.candles in ids and shop.human not in ids and len(ids) == len(set(ids))
    candles = next(r for r in rows if r["id"] == shop.candles)
    assert candles["first_message"] == "show me candles" and candles["added_to_cart"] == "1"
    assert next(r for r in rows if r["id"] == shop.xss)["first_message"].startswith("<script>")
    lines = shop.staff.http.get("/console/conversations.jsonl", params={"q": "candles"}).text
    details = [json.loads(line) for line in lines.splitlines()]
    by_id = {d["summary"]["id"]: d for d in details}
    assert shop.candles in by_id and shop.zero not in by_id
    texts = [m["text"] for m in by_id[shop.candles]["messages"]]
    assert texts[0] == "show me candles" and texts[2] == "only red ones"
    assert by_id[shop.candles]["messages"][1]["turn"]["tools"][0]["name"] == "search_products"


async def test_save_as_test_case_gives_a_dialogue_that_passes_aisle_eval_chat(
    shop: Shop, demo_assistant: Any
) -> None:
    response = shop.staff.http.get(f"/console/conversations/{shop.candles}/testcase.yaml")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith("# Saved from the Aisle console")
    suite = Suite.model_validate(yaml.safe_load(response.text))
    (dialogue,) = suite.dialogues
    assert [t.user for t in dialogue.turns] == ["show me candles", "only red ones"]
    red = dialogue.turns[1].expect
    assert red.min_products == 1 and red.products is not None and red.products.color == "red"
    shown = {c["id"] for c in shop.candle_cards}
    assert all(i in dialogue.source for i in shown), "the products it showed are recorded"
    report = await run_suite(demo_assistant, suite)
    assert report.turns == 2 and report.all_expectations == 1.0, report.summary()


def test_analytics_draws_the_shops_numbers(shop: Shop) -> None:
    page = shop.staff.http.get("/console/analytics")
    assert page.status_code == 200
    html = page.text
    total = len(_rows(shop.staff.http.get("/console/conversations").text))
    assert f'<span class="tile-value">{total}</span><span class="tile-label">conversations' in html
    assert html.count("<svg") == 5, "per day, outcomes, quality, top queries, zero results"
    today = datetime.now(UTC).strftime("%d %b")
    assert f"<title>{today}: {total}</title>" in html, "today's column holds every conversation"
    assert "show me candles" in html and "lawnmowers" in html
    assert "CSAT (positive ratings)" in html and ">100%</text>" in html
    assert "cdn" not in html.lower() and "<script>" not in html
    bad = shop.staff.http.get(
        "/console/analytics", params={"since": "2025-05-02", "until": "2025-05-01"}
    )
    assert bad.status_code == 400


def test_pages_of_the_list_walk_every_conversation_once(shop: Shop) -> None:
    store = make_transcript_store(shop.settings)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    batch = f"bulk{uuid.uuid4().hex[:6]}"
    try:
        for i in range(120):
            cid = f"{batch}{i:04d}"
            store.open_conversation(
                cid, session_id=cid, shopper_id=None, started_at=start + timedelta(minutes=i)
            )
            store.add_user_message(
                cid, turn_id=f"t{i}", client_id=f"c{i}", text=f"{batch} question {i}", at=start
            )
    finally:
        store.close()
    seen: list[str] = []
    url: str | None = f"/console/conversations?q={batch}"
    pages = 0
    while url:
        page = shop.staff.http.get(url)
        assert page.status_code == 200
        if pages == 0:
            assert "<strong>120</strong> conversations" in page.text
        seen += _rows(page.text)
        pages += 1
        found = re.search(r'<a class="button" rel="next" href="([^"]+)"', page.text)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert pages == 3
    assert len(seen) == 120 == len(set(seen))
    assert seen[0] == f"{batch}0119", "newest first"


def test_demo_mode_makes_a_demo_admin_only_when_nobody_can_log_in(tmp_path: Path) -> None:
    settings = WebSettings(data_dir=tmp_path, demo=True)
    with TestClient(create_app(settings, PartsFactory(runner=EchoRunner()))):
        pass
    store = make_transcript_store(settings)
    try:
        accounts = StaffAccounts(store)
        assert [u.email for u in accounts.list_users()] == [DEMO_ADMIN[0]]
        accounts.disable(DEMO_ADMIN[0])
        accounts.add("real@shop.example", "a-real-password", "admin")
    finally:
        store.close()
    with TestClient(create_app(settings, PartsFactory(runner=EchoRunner()))):
        pass
    store = make_transcript_store(settings)
    try:
        users = {u.email: u.disabled for u in StaffAccounts(store).list_users()}
        assert users == {DEMO_ADMIN[0]: True, "real@shop.example": False}, "not re-created"
    finally:
        store.close()


def test_outside_demo_mode_there_are_no_default_credentials(tmp_path: Path) -> None:
    secret = "a-long-random-secret-for-the-console-tests"
    settings = WebSettings(data_dir=tmp_path, demo=False, secret_key=secret)
    with TestClient(create_app(settings, PartsFactory(runner=EchoRunner()))) as client:
        form = client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        refused = client.post(
            "/console/login",
            data={"email": DEMO_ADMIN[0], "password": DEMO_ADMIN[1], "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert refused.status_code == 401
    boot = WebSettings(
        data_dir=tmp_path,
        demo=False,
        secret_key=secret,
        staff_bootstrap_email="ops@shop.example",
        staff_bootstrap_password="bootstrap-pass-1",
    )
    with TestClient(
        create_app(boot, PartsFactory(runner=EchoRunner())), follow_redirects=False
    ) as client:
        staff = StaffClient.__new__(StaffClient)
        staff.http, staff.csrf = client, ""
        assert staff.login("ops@shop.example", "bootstrap-pass-1").status_code == 303
        assert client.get("/api/staff/me").json()["role"] == "admin"
    unsafe = WebSettings(
        data_dir=tmp_path / "other",
        demo=False,
        secret_key=secret,
        staff_bootstrap_email="ops@shop.example",
        staff_bootstrap_password=DEMO_ADMIN[1],
    )
    with pytest.raises(RuntimeError, match="AISLE_WEB_STAFF_BOOTSTRAP_PASSWORD"):
        with TestClient(create_app(unsafe, PartsFactory(runner=EchoRunner()))):
            pass
