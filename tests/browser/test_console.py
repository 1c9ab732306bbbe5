"""The staff console in real Chromium against the real gateway, with a shopper in a second browser.

A shopper chats in the real widget on the demo storefront (its own browser context); a
staff member logs in to the console, filters, reads, tags and exports, watches the live
list and takes the shopper's chat over. Screenshots of every console page land in
test-artifacts/console/.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import PageProblems, new_page
from tests.browser.console_helpers import (
    CONSOLE_ARTIFACTS,
    DEMO_ADMIN,
    conversation_of,
    frames_of,
    log_in,
    shopper_opens_chat,
    shopper_says,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shots() -> Path:
    """test-artifacts/console/ (gitignored): screenshots of each console page."""
    CONSOLE_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return CONSOLE_ARTIFACTS


@pytest.fixture
def two_browsers(browser: Any, shop_url: str) -> Any:
    """A shopper's page and a staff member's page, in separate contexts; both must stay clean."""
    shopper_problems, staff_problems = PageProblems(), PageProblems()
    shopper = new_page(browser, shop_url, shopper_problems)
    staff = new_page(browser, shop_url, staff_problems, accept_downloads=True)
    try:
        yield shopper, staff, staff_problems
    finally:
        shopper.context.close()
        staff.context.close()
    for who, problems in (("shopper", shopper_problems), ("staff", staff_problems)):
        assert problems.external == [], f"{who}: requests left the machine: {problems.external}"
        assert problems.errors == [], f"{who}: the page logged errors: {problems.errors}"


def _row_link(cid: str) -> str:
    return f'td.first a[href="/console/conversations/{cid}"]'


def test_a_staff_member_reviews_filters_tags_and_exports(
    two_browsers: Any, shop_url: str, shots: Path
) -> None:
    shopper, staff, staff_problems = two_browsers
    shopper_opens_chat(shopper, shop_url)
    shopper_says(shopper, "show me candles")
    cid = conversation_of(shopper)
    cards = frames_of(shopper, "products.shown")[-1]["data"]["items"]
    assert cards

    # Login: a wrong password says so; the right one opens the list.
    staff.goto(shop_url + "/console/conversations")
    staff.wait_for_url("**/console/login?next=%2Fconsole%2Fconversations")
    staff.screenshot(path=str(shots / "login.png"))
    staff.get_by_label("Email").fill(DEMO_ADMIN[0])
    staff.get_by_label("Password").fill("not-the-password")
    staff.get_by_role("button", name="Log in").click()
    assert staff.get_by_role("alert").inner_text() == "Wrong email or password."
    # Chromium logs the refused login's 401 as an error; that one is expected.
    assert staff_problems.errors == [
        "console.error: Failed to load resource: the server responded with a status of 401 "
        "(Unauthorized)"
    ]
    staff_problems.errors.clear()
    staff.get_by_label("Password").fill(DEMO_ADMIN[1])
    staff.get_by_role("button", name="Log in").click()
    staff.wait_for_url("**/console/conversations")
    assert staff.locator(_row_link(cid)).is_visible()

    # Search and filters.
    staff.get_by_label("Search messages").fill("candles")
    staff.locator("select[name=product_shown]").select_option("yes")
    staff.get_by_role("button", name="Apply").click()
    staff.wait_for_url("**q=candles**")
    assert staff.locator(_row_link(cid)).is_visible()
    assert re.search(r"conversations? match(es)? 2 filters", staff.locator(".count").inner_text())
    staff.screenshot(path=str(shots / "list.png"), full_page=True)
    staff.locator("select[name=zero_result]").select_option("yes")
    staff.get_by_role("button", name="Apply").click()
    staff.wait_for_url("**zero_result=yes**")
    assert staff.locator(_row_link(cid)).count() == 0

    # The conversation: the shopper's cards, and the tool call beside the answer.
    staff.goto(shop_url + "/console/conversations?q=candles")
    staff.locator(_row_link(cid)).click()
    staff.wait_for_url(f"**/console/conversations/{cid}")
    titles = staff.locator(".msg-assistant .card-title").all_inner_texts()
    assert titles == [c["title"] for c in cards]
    assert "search_products" in staff.locator("table.tools").first.inner_text()
    tag = f"needs review {cid[:6]}"  # unique: the server may be one of your own, reused
    staff.get_by_label("New tag").fill(tag.replace("needs review", "Needs Review"))
    staff.get_by_role("button", name="Add tag").click()
    staff.wait_for_url(f"**/console/conversations/{cid}#tags")
    assert tag in staff.locator("#tags .tag-list").inner_text(), "stored lowercased"
    staff.get_by_label("New note").fill("Check the red ones are in stock")
    staff.locator("#notes").get_by_role("button", name="Add note").click()
    assert (
        staff.locator("#notes .note").last.inner_text().endswith("Check the red ones are in stock")
    )
    staff.screenshot(path=str(shots / "conversation.png"), full_page=True)

    # The tag filters the list; the filtered list exports as CSV and JSON Lines.
    staff.goto(shop_url + "/console/conversations?" + urlencode({"tag": tag}))
    assert staff.locator("td.first a").count() == 1
    with staff.expect_download() as got:
        staff.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text())))
    assert [r["id"] for r in rows] == [cid]
    assert rows[0]["tags"] == tag and rows[0]["first_message"] == "show me candles"
    with staff.expect_download() as got:
        staff.get_by_role("link", name="Export JSON Lines").click()
    lines = Path(got.value.path()).read_text().splitlines()
    detail = json.loads(lines[0])
    assert len(lines) == 1 and detail["summary"]["id"] == cid
    assert [c["id"] for c in detail["messages"][1]["turn"]["cards"]] == [c["id"] for c in cards]

    # Analytics: charts drawn by the server.
    staff.get_by_role("link", name="Analytics").click()
    staff.wait_for_url("**/console/analytics")
    assert staff.locator("svg.chart").count() == 5
    assert staff.locator("svg.columns rect.bar").count() == 30, "one column per day"
    assert "show me candles" in staff.locator("svg.bars").first.inner_html()
    staff.screenshot(path=str(shots / "analytics.png"), full_page=True)

    # Staff accounts (admins only): the admin cannot disable or demote themselves.
    staff.get_by_role("link", name="Staff", exact=True).click()
    staff.wait_for_url("**/console/staff")
    me = staff.locator("tr", has_text=f"{DEMO_ADMIN[0]} (you)")
    assert me.get_by_role("button", name="Disable").count() == 0
    staff.screenshot(path=str(shots / "staff.png"), full_page=True)


def test_staff_take_over_a_live_chat_and_hand_it_back(
    two_browsers: Any, shop_url: str, shots: Path
) -> None:
    shopper, staff, _ = two_browsers
    shopper_opens_chat(shopper, shop_url)
    shopper_says(shopper, "show me candles")
    cid = conversation_of(shopper)
    log_in(staff, shop_url, *DEMO_ADMIN)

    # The live list updates in place as the shopper writes (no reload).
    staff.get_by_role("link", name="Live").click()
    staff.wait_for_url("**/console/live")
    row = staff.locator(f'tr[data-id="{cid}"]')
    assert row.locator("td.num").inner_text() == "2"
    staff.wait_for_function("() => document.body.classList.contains('connected')")
    staff.evaluate("() => { window.__samePage = true; }")
    shopper_says(shopper, "can I talk to a real person please")
    staff.wait_for_function(
        """cid => {
          const row = document.querySelector(`tr[data-id="${cid}"]`);
          return row && row.querySelector("td.num").textContent === "4"
            && row.textContent.includes("waiting for a person");
        }""",
        arg=cid,
    )
    assert staff.evaluate("() => window.__samePage") is True
    assert staff.locator("#live-rows tr").first.get_attribute("data-id") == cid, "waiting first"
    staff.screenshot(path=str(shots / "live.png"), full_page=True)

    # Take over: the widget says who joined; the assistant stops answering.
    row.get_by_role("link", name="Watch / take over").click()
    staff.wait_for_url(f"**/console/conversations/{cid}#live")
    panel = staff.locator("#live")
    staff.wait_for_function("() => document.body.classList.contains('connected')")
    assert panel.get_attribute("data-mode") == "assistant"
    assert panel.locator("[data-flag]").is_visible(), "the shopper asked for a person"
    panel.get_by_role("button", name="Take over").click()
    staff.wait_for_function("() => document.getElementById('live').dataset.mode === 'staff'")
    note = shopper.locator(".aisle-note-staff").last
    note.wait_for()
    assert note.inner_text() == "Admin from the shop has joined the chat."
    answers_before = len(frames_of(shopper, "assistant.done"))

    # Shopper to staff, live.
    shopper_says(shopper, "Can you gift wrap the candle?", answered=False)
    staff.locator(".bubble.user", has_text="Can you gift wrap the candle?").wait_for()
    # Staff to shopper.
    box = panel.get_by_label("Message to the shopper")
    box.fill("Yes, gift wrap is free. I have added a note to your order.")
    box.press("Enter")
    reply = shopper.locator(".aisle-staff .aisle-bubble").last
    reply.wait_for()
    assert reply.inner_text() == "Yes, gift wrap is free. I have added a note to your order."
    assert "Admin" in shopper.locator(".aisle-staff .aisle-who").last.inner_text()
    staff.locator(".bubble.staff", has_text="gift wrap is free").wait_for()
    assert len(frames_of(shopper, "assistant.done")) == answers_before, "the assistant kept quiet"
    assert not [f for f in frames_of(shopper, "assistant.start")[answers_before:]]
    staff.screenshot(path=str(shots / "conversation-takeover.png"), full_page=True)

    # Hand back: the shopper is told, and the assistant answers again.
    panel.get_by_role("button", name="Hand back to the assistant").click()
    staff.wait_for_function("() => document.getElementById('live').dataset.mode === 'assistant'")
    shopper.locator(".aisle-note-staff", has_text="has left the chat").wait_for()
    shopper_says(shopper, "show me red candles")
    assert len(frames_of(shopper, "assistant.done")) == answers_before + 1
    staff.locator(".event", has_text="handed back to the assistant").wait_for()
    assert staff.locator(".event", has_text="admin@demo.aisle joined the chat").count() == 1
    texts = staff.locator(".timeline .bubble .text").all_inner_texts()
    assert texts[-1] and re.search(r"candle|light|holder", texts[-1], re.I), texts[-1]
