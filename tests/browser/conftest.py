"""Browser tests: real headless Chromium (Debian's package) driven by Playwright's sync API.

Every test gets a fresh browser context (so a fresh sessionStorage) on the demo storefront
served by the real gateway. A page records the frames its widget sends and receives (the
`WS_PROBE` init script wraps `WebSocket`) and fails the test on any script error or any
request that leaves the machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("AISLE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DESKTOP = {"width": 1280, "height": 800}

# Wraps WebSocket so tests can see every frame, close the widget's socket mid-answer, and
# hold new sockets back (they are pointed at a closed port) to play a network outage.
WS_PROBE = """
(() => {
  const Native = window.WebSocket;
  const probe = { sockets: [], sent: [], received: [], renders: [], dropOn: null, hold: false };
  window.__probe = probe;
  const widgetText = () => {
    const host = document.getElementById("aisle-widget");
    const live = host && host.shadowRoot.querySelector(".aisle-bot.aisle-streaming .aisle-text");
    return live ? live.textContent : null;
  };
  const widgetLog = () => {
    const host = document.getElementById("aisle-widget");
    if (!host) return [];
    const found = host.shadowRoot.querySelectorAll(".aisle-msg:not(.aisle-greeting) .aisle-bubble");
    return Array.from(found, (b) => b.textContent);
  };
  class ProbedSocket extends Native {
    constructor(url, protocols) {
      super(probe.hold ? "ws://127.0.0.1:9/held" : url, protocols);
      const index = probe.sockets.length;
      probe.sockets.push(this);
      // Registered before the widget's onmessage, so it runs first for each frame.
      this.addEventListener("message", (event) => {
        let frame = null;
        try { frame = JSON.parse(event.data); } catch (_) { return; }
        probe.received.push({ socket: index, frame: frame });
        const render = { type: frame.type, seq: frame.seq, before: widgetText() };
        if (frame.type === "session.welcome") render.log = widgetLog();
        probe.renders.push(render);
        if (probe.dropOn && frame.type === probe.dropOn) {
          probe.dropOn = null;
          this.close();
        }
      });
    }
    send(data) {
      try { probe.sent.push(JSON.parse(data)); } catch (_) { probe.sent.push(data); }
      return super.send(data);
    }
  }
  window.WebSocket = ProbedSocket;
})();
"""


def launch_chromium(playwright: Any) -> Any:
    """Headless Chromium from /usr/bin/chromium; a missing browser fails with the fix."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: `make browser` installs it "
            "(Debian's chromium package; Playwright never downloads a browser)",
            pytrace=False,
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One Chromium for the browser tests.

    Package-scoped on purpose: Playwright's sync API keeps an event loop running in the
    main thread while it is open, which would break every asyncio test collected after.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def shop_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The whole system (gateway, assistant, catalog, recommender) serving the demo shop.

    AISLE_BROWSER_SHOP_URL points the tests at a running `aisle serve` instead (to watch
    or debug them against a server of your own).
    """
    running = os.environ.get("AISLE_BROWSER_SHOP_URL")
    if running:
        yield running.rstrip("/")
        return
    from tests.integration.servers import serve_web
    from web.settings import WebSettings

    demo_shop_dir: Path = request.getfixturevalue("demo_shop_dir")
    settings = WebSettings(data_dir=demo_shop_dir, demo=True)
    with serve_web(settings) as url:
        yield url.rstrip("/")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/browser/ (gitignored): screenshots to look at after a run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class PageProblems:
    """Script errors and off-machine requests seen by one page."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []


def new_page(browser: Any, shop_url: str, problems: PageProblems, **context_args: Any) -> Any:
    """A page in a fresh context with the frame probe and the problem recorders installed."""
    context = browser.new_context(**{"viewport": DESKTOP, **context_args})
    context.add_init_script(WS_PROBE)
    local = urlsplit(shop_url).hostname

    def guard(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == local:
            route.continue_()
        else:
            problems.external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("pageerror", lambda e: problems.errors.append(f"pageerror: {e}"))

    def console(message: Any) -> None:
        # A held socket (see WS_PROBE) fails on purpose; Chromium logs that as an error.
        if message.type == "error" and "127.0.0.1:9/held" not in message.text:
            problems.errors.append(f"console.{message.type}: {message.text}")

    page.on("console", console)
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Any, shop_url: str, problems: PageProblems) -> Iterator[Any]:
    """A desktop page on the storefront (not yet loaded); checks it stayed clean."""
    page = new_page(browser, shop_url, problems)
    try:
        yield page
    finally:
        page.context.close()
    assert problems.external == [], f"requests left the machine: {problems.external}"
    assert problems.errors == [], f"the page logged errors: {problems.errors}"
