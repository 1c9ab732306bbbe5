"""The chat widget in real Chromium against the real gateway: streaming, cards, resume, a11y."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PageProblems, new_page
from web.shoppers import DEMO_SHOPPER_SECRET, ShopperTokens

pytestmark = pytest.mark.slow

PRICE = re.compile(r"£\d+\.\d\d")


# -- helpers -----------------------------------------------------------------------------


def load_shop(page: Any, url: str, path: str = "/") -> None:
    page.goto(url + path)
    page.locator(".sf-card").first.wait_for()
    page.locator(".aisle-launcher").wait_for()


def open_widget(page: Any) -> None:
    page.locator(".aisle-launcher").click()
    page.locator(".aisle-panel").wait_for(state="visible")


def frames(page: Any, direction: str = "received") -> list[dict[str, Any]]:
    if direction == "sent":
        return list(page.evaluate("() => window.__probe.sent"))
    return [r["frame"] for r in page.evaluate("() => window.__probe.received")]


def done_count(page: Any) -> int:
    return int(
        page.evaluate(
            "() => window.__probe.received.filter(r => r.frame.type === 'assistant.done').length"
        )
    )


def wait_done(page: Any, n: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "n => window.__probe.received.filter(r => r.frame.type === 'assistant.done').length >= n",
        arg=n,
        timeout=timeout,
    )
    # The probe sees a frame just before the widget renders it.
    page.wait_for_function(
        "() => !document.getElementById('aisle-widget').shadowRoot"
        ".querySelector('.aisle-bot.aisle-streaming')"
    )


def ask(page: Any, text: str) -> None:
    before = done_count(page)
    box = page.locator(".aisle-input")
    box.fill(text)
    box.press("Enter")
    wait_done(page, before + 1)


def answers(page: Any) -> list[str]:
    """The assistant's answers on screen (the greeting excluded)."""
    return list(page.locator(".aisle-bot:not(.aisle-greeting) .aisle-text").all_text_contents())


def bubbles(page: Any) -> list[str]:
    return list(page.locator(".aisle-msg:not(.aisle-greeting) .aisle-bubble").all_text_contents())


def focused(page: Any) -> dict[str, Any]:
    """What has keyboard focus, looking through the widget's shadow root."""
    return dict(
        page.evaluate(
            """() => {
              let a = document.activeElement;
              const inWidget = a && a.id === "aisle-widget";
              if (inWidget) a = a.shadowRoot.activeElement;
              return { inWidget, tag: a ? a.tagName : null, cls: a ? String(a.className) : "",
                       label: a ? (a.getAttribute("aria-label") || a.textContent || "") : "" };
            }"""
        )
    )


# -- chatting ----------------------------------------------------------------------------


def test_an_answer_streams_in_with_product_cards_and_chips(page: Any, shop_url: str) -> None:
    load_shop(page, shop_url)
    open_widget(page)
    log = page.locator(".aisle-log")
    assert log.get_attribute("role") == "log"
    assert log.get_attribute("aria-live") == "polite"

    ask(page, "show me candles")

    text = answers(page)[-1]
    assert text.strip()
    renders = page.evaluate("() => window.__probe.renders")
    deltas = [r for r in renders if r["type"] == "assistant.delta"]
    done = [r for r in renders if r["type"] == "assistant.done"][-1]
    assert (
        "".join(f["data"]["text"] for f in frames(page) if f["type"] == "assistant.delta") == text
    )
    # When assistant.done arrived the whole answer was already on screen, shown delta by
    # delta: each delta found the text of the deltas before it.
    assert done["before"] == text
    shown = ""
    delta_frames = [f for f in frames(page) if f["type"] == "assistant.delta"]
    for r, f in zip(deltas, delta_frames, strict=True):
        assert r["before"] == shown
        shown += f["data"]["text"]

    cards = page.locator(".aisle-card")
    assert cards.count() >= 1
    titles = cards.locator(".aisle-card-title").all_text_contents()
    assert any(re.search(r"candle|t-light|tealight", t, re.I) for t in titles), titles
    first = cards.first
    assert PRICE.search(first.locator(".aisle-price").text_content() or "")
    assert (first.locator(".aisle-stock").text_content() or "") in ("In stock", "Out of stock")
    assert first.locator("svg").count() >= 1  # the placeholder: the demo has no images
    assert first.get_by_role("button", name=re.compile(r"^View ")).is_visible()
    assert first.get_by_role("button", name=re.compile(r"^Add .* to cart$")).is_visible()
    assert page.locator(".aisle-chip").count() >= 1

    # Cards in view are reported once each; thumbs send feedback for this turn.
    page.wait_for_function(
        "() => window.__probe.sent.some(f => f.type === 'user.event' && f.data.name === 'view')"
    )
    views = [
        f["data"]["product_id"]
        for f in frames(page, "sent")
        if f["type"] == "user.event" and f["data"]["name"] == "view"
    ]
    assert len(views) == len(set(views))
    ids = [first.get_attribute("data-product-id")]
    assert ids[0] in views
    page.get_by_role("button", name="Helpful", exact=True).last.click()
    turn = [f for f in frames(page) if f["type"] == "assistant.done"][-1]["data"]["turn_id"]
    page.wait_for_function("() => window.__probe.sent.some(f => f.type === 'user.feedback')")
    feedback = [f for f in frames(page, "sent") if f["type"] == "user.feedback"]
    assert feedback[-1]["data"] == {"turn_id": turn, "rating": 1}
    assert (
        page.get_by_role("button", name="Helpful", exact=True).last.get_attribute("aria-pressed")
        == "true"
    )

    # A suggestion chip asks the next question.
    chip = page.locator(".aisle-chip").first
    chip_text = (chip.text_content() or "").strip()
    before = done_count(page)
    chip.click()
    wait_done(page, before + 1)
    sent = [f for f in frames(page, "sent") if f["type"] == "user.message"]
    assert sent[-1]["data"]["text"] == chip_text
    assert len(answers(page)) == 2


def test_card_buttons_call_the_shop(page: Any, shop_url: str) -> None:
    load_shop(page, shop_url)
    open_widget(page)
    ask(page, "show me candles")
    cards = page.locator(".aisle-card")
    first_id = cards.first.get_attribute("data-product-id")
    first_title = cards.first.locator(".aisle-card-title").text_content()

    cards.first.get_by_role("button", name=re.compile(r"^View ")).click()
    page.wait_for_url(f"**/products/{first_id}")
    assert page.locator("#sf-detail h1").text_content() == first_title
    clicks = [f["data"] for f in frames(page, "sent") if f["type"] == "user.event"]
    assert {"name": "click", "product_id": first_id} in clicks
    assert page.locator(".aisle-panel").is_visible()  # on a desktop the chat stays open

    in_stock = page.locator(".aisle-card").filter(has=page.locator(".aisle-in")).first
    product_id = in_stock.get_attribute("data-product-id")
    in_stock.get_by_role("button", name=re.compile(r"to cart$")).click()
    page.wait_for_function("() => document.getElementById('sf-cart-count').textContent === '1'")
    carts = [f["data"] for f in frames(page, "sent") if f["type"] == "user.event"]
    assert {"name": "cart", "product_id": product_id} in carts
    cart = page.evaluate("() => JSON.parse(sessionStorage.getItem('aisle-demo:cart'))")
    assert [line["id"] for line in cart] == [product_id]
    # The shop's "recommended for you" row reacts to what went into the cart.
    page.locator("#sf-recs .sf-card").first.wait_for()


def test_a_reload_restores_the_conversation_before_the_server_answers(
    page: Any, shop_url: str
) -> None:
    load_shop(page, shop_url)
    open_widget(page)
    ask(page, "show me candles")
    before = bubbles(page)
    cards_before = page.locator(".aisle-card").count()
    state = page.evaluate(
        "() => Object.keys(sessionStorage).filter(k => k.startsWith('aisle:v1:'))"
        ".map(k => [k, sessionStorage.getItem(k)])"
    )
    conversation = next(json.loads(v)["conversationId"] for k, v in state if k.endswith(":state"))

    page.reload()
    page.locator(".aisle-panel").wait_for(state="visible")  # it was open: it stays open
    page.wait_for_function(
        "() => window.__probe.received.some(r => r.frame.type === 'session.welcome')"
    )
    welcome = page.evaluate("() => window.__probe.renders.find(r => r.type === 'session.welcome')")
    # Restored from sessionStorage: on screen before the server said a word.
    assert welcome["log"] == before
    frame = next(f for f in frames(page) if f["type"] == "session.welcome")
    assert frame["data"]["resumed"] is True
    assert frame["data"]["conversation_id"] == conversation
    hello = next(f for f in frames(page, "sent") if f["type"] == "session.hello")
    assert hello["data"]["last_seq"] > 0 and hello["data"]["resume_token"]
    page.wait_for_timeout(300)  # nothing is replayed twice
    assert bubbles(page) == before
    assert page.locator(".aisle-card").count() == cards_before

    # The same conversation goes on: the assistant still knows what it showed.
    ask(page, "cheaper ones")
    assert len(answers(page)) == 2


def test_the_message_limit_is_the_one_the_server_sends(page: Any, shop_url: str) -> None:
    load_shop(page, shop_url)
    open_widget(page)
    page.wait_for_function(
        "() => window.__probe.received.some(r => r.frame.type === 'session.welcome')"
    )
    limit = next(f for f in frames(page) if f["type"] == "session.welcome")["data"][
        "max_message_chars"
    ]
    box = page.locator(".aisle-input")
    assert box.evaluate("el => el.maxLength") == limit
    box.fill("a" * (limit + 1))
    assert len(box.input_value()) == limit  # a person cannot type more
    # A script (or a paste handler) can set more than the box lets a person type.
    box.evaluate("(el, n) => { el.value = 'a'.repeat(n); }", limit + 1)
    box.press("Enter")
    page.get_by_text(f"Messages can be up to {limit} characters.").wait_for()
    sent = [f for f in frames(page, "sent") if f["type"] == "user.message"]
    assert sent == []


def test_the_answer_completes_exactly_once_when_the_socket_drops_mid_answer(
    page: Any, shop_url: str
) -> None:
    load_shop(page, shop_url)
    open_widget(page)
    page.wait_for_function(
        "() => window.__probe.received.some(r => r.frame.type === 'session.welcome')"
    )
    page.evaluate("() => { window.__probe.dropOn = 'assistant.delta'; }")
    box = page.locator(".aisle-input")
    box.fill("show me candles")
    box.press("Enter")
    wait_done(page, 1)

    received = page.evaluate("() => window.__probe.received")
    sockets = {r["socket"] for r in received}
    assert len(sockets) >= 2, "the widget did not reconnect"
    first_socket = [r["frame"] for r in received if r["socket"] == 0]
    later = [r["frame"] for r in received if r["socket"] != 0]
    last_seen = max(f["seq"] for f in first_socket if f.get("seq") is not None)
    hello = [f for f in frames(page, "sent") if f["type"] == "session.hello"][1]
    assert hello["data"]["last_seq"] == last_seen
    assert any(f["type"] == "assistant.done" for f in later)

    # Every numbered frame reached the screen once: the answer is the deltas by unique seq.
    unique: dict[int, dict[str, Any]] = {}
    for f in (r["frame"] for r in received):
        if f.get("seq") is not None:
            unique.setdefault(f["seq"], f)
    seqs = sorted(unique)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "a frame was lost"
    text = "".join(
        unique[s]["data"]["text"] for s in seqs if unique[s]["type"] == "assistant.delta"
    )
    assert answers(page) == [text]
    assert bubbles(page).count("show me candles") == 1
    shown = [f for f in unique.values() if f["type"] == "products.shown"]
    assert page.locator(".aisle-card").count() == len(shown[-1]["data"]["items"])
    # The message went out once per socket at most, always with one client id.
    sent = [f for f in frames(page, "sent") if f["type"] == "user.message"]
    assert len({f["data"]["client_id"] for f in sent}) == 1


def test_a_message_written_while_offline_is_sent_on_reconnect_and_answered_once(
    page: Any, shop_url: str
) -> None:
    load_shop(page, shop_url)
    open_widget(page)
    page.wait_for_function(
        "() => window.__probe.received.some(r => r.frame.type === 'session.welcome')"
    )
    # The network goes: the socket closes and new ones cannot reach the server.
    page.evaluate("() => { window.__probe.hold = true; window.__probe.sockets[0].close(); }")
    page.locator(".aisle-offline").wait_for(state="attached")
    assert page.locator(".aisle-status").text_content() == "Reconnecting…"
    box = page.locator(".aisle-input")
    box.fill("show me mugs")
    box.press("Enter")
    page.locator(".aisle-user.aisle-waiting").wait_for()
    assert "Will send when reconnected" in (
        page.locator(".aisle-user .aisle-meta").text_content() or ""
    )
    page.wait_for_timeout(300)
    assert done_count(page) == 0

    # The network is back.
    page.evaluate(
        "() => { window.__probe.hold = false; window.dispatchEvent(new Event('online')); }"
    )
    wait_done(page, 1)
    page.wait_for_timeout(300)
    assert len(answers(page)) == 1
    assert bubbles(page).count("show me mugs") == 1
    assert page.locator(".aisle-user.aisle-waiting").count() == 0
    sent = [f for f in frames(page, "sent") if f["type"] == "user.message"]
    assert len({f["data"]["client_id"] for f in sent}) == 1
    assert page.locator(".aisle-status").text_content() != "Reconnecting…"


# -- keyboard, screen readers, small screens ------------------------------------------


def test_keyboard_only(page: Any, shop_url: str) -> None:
    load_shop(page, shop_url)
    page.locator("#sf-q").focus()
    for _ in range(150):
        page.keyboard.press("Tab")
        if "aisle-launcher" in focused(page)["cls"]:
            break
    else:
        pytest.fail("Tab never reached the chat launcher")
    launcher = page.locator(".aisle-launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.get_attribute("aria-label")

    page.keyboard.press("Enter")
    page.locator(".aisle-panel").wait_for(state="visible")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert focused(page)["tag"] == "TEXTAREA"
    page.keyboard.type("show me candles")
    page.keyboard.press("Enter")
    wait_done(page, 1)
    assert focused(page)["tag"] == "TEXTAREA"

    # Back through the answer to a card's buttons.
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if re.match(r"Add .* to cart", focused(page)["label"]):
            break
    else:
        pytest.fail("Shift+Tab never reached a card's add-to-cart button")
    visible = page.evaluate(
        "() => { const b = document.getElementById('aisle-widget').shadowRoot.activeElement;"
        " const r = b.getBoundingClientRect(); return r.width > 0 && r.height > 0; }"
    )
    assert visible
    label = focused(page)["label"]
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('sf-cart-count').textContent === '1'")
    assert focused(page)["label"] == label  # focus stays on the button that was used
    page.keyboard.press("Shift+Tab")
    assert re.match(r"View ", focused(page)["label"])
    # A visible focus ring.
    outline = page.evaluate(
        "() => getComputedStyle(document.getElementById('aisle-widget').shadowRoot.activeElement)"
        ".outlineStyle"
    )
    assert outline not in ("", "none")

    page.keyboard.press("Escape")
    page.locator(".aisle-panel").wait_for(state="hidden")
    assert "aisle-launcher" in focused(page)["cls"]
    assert launcher.get_attribute("aria-expanded") == "false"


def test_desktop_screenshot(page: Any, shop_url: str, artifacts: Path) -> None:
    load_shop(page, shop_url)
    open_widget(page)
    ask(page, "show me candles")
    panel = page.locator(".aisle-panel").bounding_box()
    assert panel is not None and panel["width"] <= 400 and panel["x"] + panel["width"] <= 1280
    page.screenshot(path=str(artifacts / "widget-desktop.png"))


def test_usable_on_a_375px_screen(
    browser: Any, shop_url: str, problems: PageProblems, artifacts: Path
) -> None:
    page = new_page(
        browser,
        shop_url,
        problems,
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        # The panel's opening animation scales it; geometry is checked at rest.
        reduced_motion="reduce",
    )
    try:
        load_shop(page, shop_url)
        no_sideways = "() => document.documentElement.scrollWidth <= window.innerWidth"
        assert page.evaluate(no_sideways)
        page.screenshot(path=str(artifacts / "storefront-375.png"))
        launcher = page.locator(".aisle-launcher").bounding_box()
        assert launcher is not None and launcher["x"] + launcher["width"] <= 375
        open_widget(page)
        ask(page, "show me candles")
        panel = page.locator(".aisle-panel").bounding_box()
        assert panel is not None
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 375
        assert panel["y"] >= 0 and panel["y"] + panel["height"] <= 740
        for box in (
            page.locator(".aisle-card").first.bounding_box(),
            page.locator(".aisle-input").bounding_box(),
            page.locator(".aisle-send").bounding_box(),
            page.locator(".aisle-close").bounding_box(),
        ):
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
        scrolls = page.evaluate(
            "() => { const log = document.getElementById('aisle-widget').shadowRoot"
            ".querySelector('.aisle-log'); return log.scrollWidth <= log.clientWidth; }"
        )
        assert scrolls, "the conversation scrolls sideways"
        assert page.evaluate(no_sideways)
        page.screenshot(path=str(artifacts / "widget-375.png"))
        # Viewing a product on a phone closes the full-screen chat to show it.
        page.locator(".aisle-card").first.get_by_role("button", name=re.compile("^View ")).click()
        page.locator(".aisle-panel").wait_for(state="hidden")
        page.locator("#sf-detail h1").wait_for()
        assert page.evaluate(no_sideways)
        page.screenshot(path=str(artifacts / "product-375.png"))
    finally:
        page.context.close()
    assert problems.errors == [], problems.errors


# -- embedding: init checks, data- attributes, postMessage ----------------------------------


def test_init_checks_its_arguments_and_runs_once(page: Any, shop_url: str) -> None:
    page.goto(shop_url + "/healthz")
    page.add_script_tag(url=shop_url + "/static/aisle.js")

    def init_error(options: str) -> str:
        script = (
            f"() => {{ try {{ Aisle.init({options}); return 'ok'; }}"
            " catch (e) { return e.message; } }"
        )
        return str(page.evaluate(script))

    assert init_error('{server: "ftp://shop.example"}') == (
        'Aisle.init: "server" must be a ws:// or wss:// URL or an http(s) origin, '
        'got "ftp://shop.example"'
    )
    assert init_error('{server: "https://shop.example/chat"}').startswith(
        'Aisle.init: "server" as an http(s) URL must be an origin'
    )
    assert init_error('{colour: "red"}').startswith('Aisle.init: unknown option "colour"')
    assert init_error('{theme: "not a colour"}').startswith(
        'Aisle.init: "theme" must be a CSS colour'
    )
    assert init_error('{shopperId: "13085"}').startswith(
        'Aisle.init: "shopperId" is no longer taken: pass "shopperToken"'
    ), "a bare shopper id would let anyone read that customer's history"
    assert init_error('{shopperToken: "13085"}').startswith('Aisle.init: "shopperToken" must be')
    assert init_error('{onView: "go"}') == 'Aisle.init: "onView" must be a function, got string'
    assert init_error('{position: "top"}').startswith(
        'Aisle.init: "position" must be "left" or "right"'
    )
    assert init_error("'x'") == "Aisle.init: expected an options object, got string"
    assert page.locator("#aisle-widget").count() == 0  # nothing half-built

    assert init_error('{greeting: "Hello from the test shop", theme: "#7c3aed"}') == "ok"
    assert init_error("{}").startswith("Aisle.init: already initialised")
    assert page.locator("#aisle-widget").count() == 1
    page.locator(".aisle-launcher").click()
    assert page.locator(".aisle-greeting").text_content() == "Hello from the test shop"
    colour = page.evaluate(
        "() => getComputedStyle(document.getElementById('aisle-widget').shadowRoot"
        ".querySelector('.aisle-launcher')).backgroundColor"
    )
    assert colour == "rgb(124, 58, 237)"


def test_one_script_tag_with_data_attributes(page: Any, shop_url: str) -> None:
    page.goto(shop_url + "/healthz")
    token = ShopperTokens(DEMO_SHOPPER_SECRET).issue("13085")  # what a shop's backend signs
    page.evaluate(
        """([url, token]) => { const s = document.createElement("script"); s.src = url;
          s.dataset.greeting = "Welcome to the tag shop"; s.dataset.shopperToken = token;
          s.dataset.title = "Tag assistant"; s.dataset.position = "left";
          document.body.appendChild(s); }""",
        [shop_url + "/static/aisle.js", token],
    )
    launcher = page.locator(".aisle-launcher")
    launcher.wait_for()
    assert launcher.get_attribute("aria-label") == "Open tag assistant"
    assert (launcher.bounding_box() or {"x": 999})["x"] < 100  # on the left
    launcher.click()
    assert page.locator(".aisle-greeting").text_content() == "Welcome to the tag shop"
    page.wait_for_function("() => window.__probe.sent.some(f => f.type === 'session.hello')")
    hello = next(f for f in frames(page, "sent") if f["type"] == "session.hello")
    assert hello["data"]["shopper_token"] == token and "shopper_id" not in hello["data"]
    # No shop callback for carts on this page: cards offer "View" only.
    ask(page, "show me candles")
    assert (
        page.locator(".aisle-card").first.get_by_role("button", name=re.compile("to cart$")).count()
        == 0
    )


def test_post_message_commands_need_an_allowed_origin(page: Any, shop_url: str) -> None:
    load_shop(page, shop_url)
    panel = page.locator(".aisle-panel")
    page.evaluate(
        """() => window.dispatchEvent(new MessageEvent("message",
             { data: { aisle: "open" }, origin: "https://evil.example" }))"""
    )
    page.wait_for_timeout(100)
    assert panel.is_hidden()
    page.evaluate("() => window.postMessage({ aisle: 'open' }, window.location.origin)")
    panel.wait_for(state="visible")


# -- frames only a person or a failure sends (played by a scripted socket) -------------------


def test_staff_messages_errors_and_duplicate_frames_render_distinctly(
    page: Any, shop_url: str
) -> None:
    def frame(type_: str, data: dict[str, Any], seq: int | None) -> str:
        return json.dumps({"v": 1, "type": type_, "id": f"f{seq}", "seq": seq, "data": data})

    def server(ws: Any) -> None:
        def on_message(message: str | bytes) -> None:
            f = json.loads(message)
            if f["type"] == "session.hello":
                ws.send(
                    frame(
                        "session.welcome",
                        {
                            "conversation_id": "c1",
                            "resume_token": "t1",
                            "resumed": False,
                            "last_seq": 0,
                            "mode": "assistant",
                        },
                        None,
                    )
                )
                ws.send(frame("assistant.start", {"turn_id": "t-1"}, 1))
                ws.send(frame("assistant.delta", {"text": "Let me get a person."}, 2))
                ws.send(frame("assistant.delta", {"text": "Let me get a person."}, 2))  # replayed
                ws.send(frame("assistant.done", {"turn_id": "t-1"}, 3))
                ws.send(frame("staff.joined", {"staff": "Sam"}, 4))
                ws.send(frame("staff.message", {"staff": "Sam", "text": "<b>Hi</b>, I'm Sam."}, 5))
                ws.send(frame("staff.message", {"staff": "Sam", "text": "<b>Hi</b>, I'm Sam."}, 5))
                ws.send(frame("error", {"code": "rate_limited", "message": "x", "ref": None}, None))
                ws.send(frame("staff.left", {"staff": "Sam"}, 6))
            elif f["type"] == "ping":
                ws.send(frame("pong", {}, None))

        ws.on_message(on_message)

    page.route_web_socket(re.compile(r".*/ws/chat$"), server)
    load_shop(page, shop_url)
    open_widget(page)
    page.locator(".aisle-note-staff").nth(1).wait_for()
    assert answers(page) == ["Let me get a person."]
    staff = page.locator(".aisle-staff")
    assert staff.count() == 1
    assert staff.locator(".aisle-who").text_content() == "SSam · shop team"
    assert staff.locator(".aisle-bubble").text_content() == "<b>Hi</b>, I'm Sam."  # text, not HTML
    notes = page.locator(".aisle-note").all_text_contents()
    assert "Sam from the shop has joined the chat." in notes
    assert "Sam has left the chat. The assistant is back." in notes
    assert "You're sending messages quickly. Give it a moment and try again." in notes
    assert page.locator(".aisle-note-error").get_attribute("role") == "status"
    state = page.evaluate(
        "() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage)"
        ".find(k => k.startsWith('aisle:v1:') && k.endsWith(':state'))))"
    )
    assert state["lastSeq"] == 6 and state["token"] == "t1"
