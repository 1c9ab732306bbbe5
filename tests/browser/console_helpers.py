"""Helpers for the staff console's tests (browser and integration): staff logins, a tiny runner."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from assistant import (
    AnswerDelta,
    ConversationState,
    TurnDone,
    TurnEvent,
    TurnRecord,
    TurnRequest,
    TurnStarted,
)

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_ARTIFACTS = ROOT / "test-artifacts" / "console"
DEMO_ADMIN = ("admin@demo.aisle", "aisle-demo")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class EchoRunner:
    """A turn runner that answers "You said: ..." at once (auth tests need no catalog)."""

    search: Any = None
    recommender: Any = None

    def __init__(self) -> None:
        self.turns: list[str] = []

    async def turn(self, request: TurnRequest) -> AsyncIterator[TurnEvent]:
        self.turns.append(request.message)
        turn_id = uuid.uuid4().hex[:16]
        yield TurnStarted(turn_id=turn_id)
        await asyncio.sleep(0)
        yield AnswerDelta(text=f"You said: {request.message}")
        record = TurnRecord(turn_id=turn_id, brain="echo", intent="echo")
        yield TurnDone(record=record, state=ConversationState())


def csrf_in(html: str) -> str:
    """The CSRF token of the first form on a console page."""
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


class StaffClient:
    """A staff member's browser-like HTTP client: cookie jar, CSRF token, form and API calls."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
        self.csrf = ""

    def login(self, email: str, password: str) -> httpx.Response:
        """Fill and post the login form; keeps the session cookie and its CSRF token."""
        form = self.http.get("/console/login")
        assert form.status_code == 200, form.text
        response = self.http.post(
            "/console/login",
            data={"email": email, "password": password, "csrf_token": csrf_in(form.text)},
        )
        if response.status_code == 303:
            me = self.http.get("/api/staff/me")
            assert me.status_code == 200, me.text
            self.csrf = me.json()["csrf_token"]
        return response

    def logged_in(self, email: str, password: str) -> StaffClient:
        response = self.login(email, password)
        assert response.status_code == 303, f"login as {email} failed: {response.status_code}"
        return self

    def form(self, path: str, **fields: str) -> httpx.Response:
        """POST a console form with this session's CSRF token."""
        return self.http.post(path, data={"csrf_token": self.csrf, **fields})

    def api(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """Call the staff API with the CSRF header."""
        return self.http.request(method, path, json=json, headers={"X-CSRF-Token": self.csrf})

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())

    def close(self) -> None:
        self.http.close()


def add_staff(admin: StaffClient, email: str, role: str, password: str = "staff-pass-1") -> None:
    """Create a staff account through the admin API."""
    response = admin.api(
        "POST", "/api/staff/users", {"email": email, "password": password, "role": role}
    )
    assert response.status_code == 201, response.text


# -- browser pages ----------------------------------------------------------------------


def log_in(page: Any, base_url: str, email: str, password: str) -> None:
    """Log in through the console's own form (starting from a console URL)."""
    page.goto(base_url + "/console/")
    page.wait_for_url("**/console/login**")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/console/conversations**")


def shopper_opens_chat(page: Any, base_url: str) -> None:
    """A shopper on the demo storefront opens the chat widget."""
    page.goto(base_url + "/")
    page.locator(".aisle-launcher").click()
    page.locator(".aisle-panel").wait_for(state="visible")


def frames_of(page: Any, type_: str) -> list[dict[str, Any]]:
    """Frames of `type_` the page's widget received (the WS_PROBE init script records them)."""
    received = page.evaluate("() => window.__probe.received.map(r => r.frame)")
    return [f for f in received if f.get("type") == type_]


def shopper_says(page: Any, text: str, *, answered: bool = True) -> None:
    """Type a message into the widget; wait for the assistant's answer unless told not to."""
    before = len(frames_of(page, "assistant.done"))
    box = page.locator(".aisle-input")
    box.fill(text)
    box.press("Enter")
    if answered:
        page.wait_for_function(
            "n => window.__probe.received.filter(r => r.frame.type === 'assistant.done')"
            ".length > n",
            arg=before,
            timeout=30_000,
        )


def conversation_of(page: Any) -> str:
    """The widget's conversation id (from its session.welcome)."""
    welcome = frames_of(page, "session.welcome")
    assert welcome, "the widget never connected"
    return str(welcome[-1]["data"]["conversation_id"])
