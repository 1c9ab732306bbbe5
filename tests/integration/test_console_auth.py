"""Staff console security over a real server: every route's role, CSRF, login limits, sessions.

The app runs under uvicorn with a tiny echo runner (no catalog needed); a real shopper
chats over /ws/chat so that live routes have a conversation in progress.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.browser.console_helpers import (
    DEMO_ADMIN,
    EchoRunner,
    StaffClient,
    add_staff,
    csrf_in,
)
from tests.integration.servers import serve_app
from tests.integration.wsclient import open_chat
from web.app import create_app
from web.parts import PartsFactory
from web.settings import WebSettings

REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "staff-pass-1"

# The least role of every console and staff API route. A route missing here fails
# `test_every_console_route_is_listed_with_its_role`: a new route must say who may use it.
PUBLIC = {("GET", "/console/login"), ("POST", "/console/login")}
ROLES: dict[tuple[str, str], str] = {
    ("GET", "/console/experiments"): "viewer",
    ("GET", "/console/experiments.csv"): "viewer",
    ("GET", "/console/fairness"): "viewer",
    ("POST", "/console/experiments/{placement}/mode"): "admin",
    ("POST", "/console/experiments/{placement}/pause"): "admin",
    ("GET", "/console"): "viewer",
    ("GET", "/console/"): "viewer",
    ("POST", "/console/logout"): "viewer",
    ("GET", "/console/conversations"): "viewer",
    ("GET", "/console/conversations.csv"): "viewer",
    ("GET", "/console/conversations.jsonl"): "viewer",
    ("GET", "/console/conversations/{conversation_id}"): "viewer",
    ("GET", "/console/conversations/{conversation_id}/transcript"): "viewer",
    ("GET", "/console/conversations/{conversation_id}/testcase.yaml"): "viewer",
    ("POST", "/console/conversations/{conversation_id}/tags"): "agent",
    ("POST", "/console/conversations/{conversation_id}/tags/remove"): "agent",
    ("POST", "/console/conversations/{conversation_id}/notes"): "agent",
    ("POST", "/console/conversations/{conversation_id}/rating"): "agent",
    ("POST", "/console/conversations/{conversation_id}/turns/{turn_id}/rating"): "agent",
    ("POST", "/console/conversations/{conversation_id}/takeover"): "agent",
    ("POST", "/console/conversations/{conversation_id}/messages"): "agent",
    ("POST", "/console/conversations/{conversation_id}/handback"): "agent",
    ("GET", "/console/analytics"): "viewer",
    ("GET", "/console/staff"): "admin",
    ("POST", "/console/staff"): "admin",
    ("POST", "/console/staff/role"): "admin",
    ("POST", "/console/staff/password"): "admin",
    ("POST", "/console/staff/disable"): "admin",
    ("POST", "/console/staff/enable"): "admin",
    ("GET", "/console/live"): "viewer",
    ("GET", "/console/live/rows"): "viewer",
    ("WS", "/console/live/socket"): "viewer",
    ("WS", "/console/live/socket/{conversation_id}"): "viewer",
    ("GET", "/api/staff/me"): "viewer",
    ("GET", "/api/staff/conversations"): "viewer",
    ("GET", "/api/staff/conversations/{conversation_id}"): "viewer",
    ("POST", "/api/staff/conversations/{conversation_id}/tags"): "agent",
    ("DELETE", "/api/staff/conversations/{conversation_id}/tags/{tag}"): "agent",
    ("POST", "/api/staff/conversations/{conversation_id}/notes"): "agent",
    ("PUT", "/api/staff/conversations/{conversation_id}/rating"): "agent",
    ("PUT", "/api/staff/conversations/{conversation_id}/turns/{turn_id}/rating"): "agent",
    ("POST", "/api/staff/conversations/{conversation_id}/takeover"): "agent",
    ("POST", "/api/staff/conversations/{conversation_id}/messages"): "agent",
    ("POST", "/api/staff/conversations/{conversation_id}/handback"): "agent",
    ("GET", "/api/staff/live"): "viewer",
    ("GET", "/api/staff/analytics"): "viewer",
    ("GET", "/api/staff/users"): "admin",
    ("POST", "/api/staff/users"): "admin",
    ("PATCH", "/api/staff/users/{email}"): "admin",
}
BELOW = {"viewer": [], "agent": ["viewer"], "admin": ["viewer", "agent"]}
SPARE = "spare@shop.example"


def _body(method: str, path: str) -> dict[str, Any]:
    """A request that the route accepts once auth passes (so 'allowed' is really allowed)."""
    if path.startswith("/api/"):
        bodies: dict[str, Any] = {
            "tags": {"tag": "route-check"},
            "notes": {"text": "checked by the route test"},
            "rating": {"rating": 4},
            "messages": {"text": "hello from the route test"},
            "users": {"email": f"new-{uuid.uuid4().hex[:8]}@shop.example", "password": PASSWORD},
            "{email}": {"role": "viewer"},
        }
        for suffix, body in bodies.items():
            if path.endswith(suffix):
                return {"json": body}
        return {}
    forms: dict[str, dict[str, str]] = {
        "/tags": {"tag": "route-check"},
        "/tags/remove": {"tag": "route-check"},
        "/notes": {"text": "checked by the route test"},
        "/rating": {"rating": "4"},
        "/messages": {"text": "hello from the route test"},
        "/console/staff": {
            "email": f"new-{uuid.uuid4().hex[:8]}@shop.example",
            "password": PASSWORD,
            "role": "viewer",
        },
        "/staff/role": {"email": SPARE, "role": "viewer"},
        "/staff/password": {"email": SPARE, "password": PASSWORD},
        "/staff/disable": {"email": SPARE},
        "/staff/enable": {"email": SPARE},
    }
    for suffix, form in forms.items():
        if path.endswith(suffix):
            return {"data": form}
    return {}


@dataclass
class Console:
    url: str
    app: Any
    runner: EchoRunner
    conversation_id: str
    turn_id: str
    staff: dict[str, StaffClient] = field(default_factory=dict)

    def concrete(self, path: str) -> str:
        return (
            path.replace("{conversation_id}", self.conversation_id)
            .replace("{turn_id}", self.turn_id)
            .replace("{tag}", "route-check")
            .replace("{email}", SPARE)
        )

    def call(self, who: StaffClient | None, method: str, path: str) -> httpx.Response:
        client = who.http if who else httpx.Client(base_url=self.url, timeout=30)
        spec = _body(method, path)
        headers = {"X-CSRF-Token": who.csrf} if who else {}
        if who and "data" in spec:
            spec["data"] = {"csrf_token": who.csrf, **spec["data"]}
            headers = {}
        response = client.request(
            method, self.concrete(path), headers=headers, follow_redirects=False, **spec
        )
        if who is None:
            client.close()
        return response


async def _shopper_turn(url: str, text: str) -> tuple[str, str, str]:
    chat = await open_chat(url)
    await chat.say(text)
    frames = await chat.until("assistant.done")
    await chat.close()
    return (
        chat.welcome["data"]["conversation_id"],
        frames[0]["data"]["turn_id"],
        chat.welcome["data"]["resume_token"],
    )


def _settings(data_dir: Path, **overrides: Any) -> WebSettings:
    return WebSettings(data_dir=data_dir, demo=True, **overrides)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """The web app with the demo admin, a viewer, an agent and one live conversation."""
    runner = EchoRunner()
    settings = _settings(tmp_path_factory.mktemp("console-auth"), login_attempts_per_minute=500)
    app = create_app(settings, PartsFactory(runner=runner))
    with serve_app(app) as url:
        admin = StaffClient(url).logged_in(*DEMO_ADMIN)
        for role in ("viewer", "agent"):
            add_staff(admin, f"{role}@shop.example", role, PASSWORD)
        add_staff(admin, SPARE, "viewer", PASSWORD)
        cid, turn_id, _ = asyncio.run(_shopper_turn(url, "hello, any candles?"))
        found = Console(url, app, runner, cid, turn_id, {"admin": admin})
        for role in ("viewer", "agent"):
            found.staff[role] = StaffClient(url).logged_in(f"{role}@shop.example", PASSWORD)
        yield found
        for client in found.staff.values():
            client.close()


def _console_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route under /console and /api/staff; websockets as "WS"."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not path.startswith(("/console", "/api/staff")):
            continue
        if isinstance(route.original_route, WebSocketRoute | APIWebSocketRoute):
            found.add(("WS", path))
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, path))
    return found


def test_every_console_route_is_listed_with_its_role(console: Console) -> None:
    routes = _console_routes(console.app)
    assert routes - PUBLIC == set(ROLES), (
        f"routes without an expected role: {sorted(routes - PUBLIC - set(ROLES))}; "
        f"listed but gone: {sorted(set(ROLES) - routes)}"
    )
    assert len(ROLES) >= 40


def test_anonymous_visitors_are_sent_to_login_or_get_401(console: Console) -> None:
    for (method, path), _ in ROLES.items():
        if method == "WS":
            continue
        response = console.call(None, method, path)
        where = f"{method} {path}"
        if path.startswith("/api/"):
            assert response.status_code == 401, where
            assert response.json()["code"] == "not_logged_in", where
        else:
            assert response.status_code == 303, where
            assert response.headers["location"].startswith("/console/login"), where
            if method == "GET":
                assert "next=" in response.headers["location"], where


def test_a_role_below_the_routes_gets_403(console: Console) -> None:
    checked = 0
    for (method, path), role in ROLES.items():
        if method == "WS":
            continue
        for lower in BELOW[role]:
            response = console.call(console.staff[lower], method, path)
            where = f"{lower} on {method} {path}"
            assert response.status_code == 403, where
            if path.startswith("/api/"):
                assert response.json()["code"] == "forbidden", where
            else:
                assert "Not allowed" in response.text and f"needs the {role} role" in response.text
            checked += 1
    assert checked >= 30


def test_the_needed_role_gets_through(console: Console) -> None:
    # Logout ends every session of its account (server-side), so it runs on an account
    # of its own, not on the viewer the other tests use.
    for (method, path), role in ROLES.items():
        if method == "WS" or path == "/console/logout":
            continue
        response = console.call(console.staff[role], method, path)
        where = f"{role} on {method} {path}: {response.status_code} {response.text[:200]}"
        assert response.status_code not in (401, 403) and response.status_code < 500, where
        if method == "GET" and path not in ("/console", "/console/"):
            assert response.status_code == 200, where
    add_staff(console.staff["admin"], "leaving@shop.example", "viewer", PASSWORD)
    leaving = StaffClient(console.url).logged_in("leaving@shop.example", PASSWORD)
    response = leaving.form("/console/logout")
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    assert leaving.http.get("/api/staff/me").status_code == 401, "the cookie is gone"


def test_viewers_read_but_cannot_tag_or_take_over_and_agents_can(console: Console) -> None:
    viewer, agent = console.staff["viewer"], console.staff["agent"]
    cid = console.conversation_id
    page = viewer.http.get(f"/console/conversations/{cid}")
    assert page.status_code == 200 and "hello, any candles?" in page.text
    assert "Add tag" not in page.text and "Take over" not in page.text, "viewers get no controls"
    assert viewer.form(f"/console/conversations/{cid}/tags", tag="viewer-tag").status_code == 403
    assert viewer.api("POST", f"/api/staff/conversations/{cid}/takeover").status_code == 403
    assert "viewer-tag" not in viewer.http.get(f"/api/staff/conversations/{cid}").text
    page = agent.http.get(f"/console/conversations/{cid}")
    assert "Add tag" in page.text and "Take over" in page.text
    assert agent.form(f"/console/conversations/{cid}/tags", tag="Agent Tag").status_code == 303
    tags = agent.http.get(f"/api/staff/conversations/{cid}").json()["summary"]["tags"]
    assert "agent tag" in tags
    taken = agent.api("POST", f"/api/staff/conversations/{cid}/takeover")
    assert taken.status_code == 200 and taken.json()["staff"] == "Agent"
    back = agent.api("POST", f"/api/staff/conversations/{cid}/handback")
    assert back.status_code == 200 and back.json()["mode"] == "assistant"


def test_only_admins_manage_staff(console: Console) -> None:
    admin, agent = console.staff["admin"], console.staff["agent"]
    assert agent.http.get("/console/staff").status_code == 403
    assert "Staff" not in agent.http.get("/console/conversations").text.split("<main")[0]
    page = admin.http.get("/console/staff")
    assert page.status_code == 200 and "agent@shop.example" in page.text
    email = f"helper-{uuid.uuid4().hex[:6]}@shop.example"
    added = admin.form("/console/staff", email=email, password=PASSWORD, role="agent")
    assert added.status_code == 303
    helper = StaffClient(console.url).logged_in(email, PASSWORD)
    assert helper.http.get("/api/staff/me").json()["role"] == "agent"
    # Disabling ends the session at once, not when the cookie expires.
    assert admin.form("/console/staff/disable", email=email).status_code == 303
    assert helper.http.get("/api/staff/me").status_code == 401
    assert helper.http.get("/console/conversations").status_code == 303
    assert helper.login(email, PASSWORD).status_code == 401
    # An admin cannot lock themselves out.
    refused = admin.form("/console/staff/disable", email=DEMO_ADMIN[0])
    assert refused.status_code == 400 and "your own account" in refused.text
    helper.close()


def test_a_role_change_applies_to_open_sessions(console: Console) -> None:
    admin = console.staff["admin"]
    email = f"promoted-{uuid.uuid4().hex[:6]}@shop.example"
    add_staff(admin, email, "viewer", PASSWORD)
    member = StaffClient(console.url).logged_in(email, PASSWORD)
    cid = console.conversation_id
    assert member.form(f"/console/conversations/{cid}/notes", text="first try").status_code == 403
    assert admin.form("/console/staff/role", email=email, role="agent").status_code == 303
    assert member.form(f"/console/conversations/{cid}/notes", text="now I can").status_code == 303
    notes = member.http.get(f"/api/staff/conversations/{cid}").json()["notes"]
    assert [n["text"] for n in notes if n["staff"] == email] == ["now I can"]
    member.close()


# -- CSRF ------------------------------------------------------------------------------


def test_forms_without_the_csrf_token_or_with_a_wrong_one_are_refused(console: Console) -> None:
    agent, viewer = console.staff["agent"], console.staff["viewer"]
    cid = console.conversation_id
    path = f"/console/conversations/{cid}/tags"
    for token in (None, "wrong-token", viewer.csrf):  # viewer.csrf: another session's token
        data = {"tag": f"csrf-{token}"}
        if token is not None:
            data["csrf_token"] = token
        response = agent.http.post(path, data=data)
        assert response.status_code == 403, token
        assert "form has expired" in response.text
    tags = agent.http.get(f"/api/staff/conversations/{cid}").json()["summary"]["tags"]
    assert not [t for t in tags if t.startswith("csrf-")], "no refused tag was stored"
    assert agent.form(path, tag="csrf-ok").status_code == 303


def test_api_calls_without_the_csrf_header_or_with_a_wrong_one_are_refused(
    console: Console,
) -> None:
    agent = console.staff["agent"]
    cid = console.conversation_id
    path = f"/api/staff/conversations/{cid}/notes"
    for headers in ({}, {"X-CSRF-Token": "nope"}, {"X-CSRF-Token": console.staff["admin"].csrf}):
        response = agent.http.post(path, json={"text": "should not be stored"}, headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "csrf_failed"
    notes = agent.http.get(f"/api/staff/conversations/{cid}").json()["notes"]
    assert "should not be stored" not in [n["text"] for n in notes]
    # Logging out is state-changing too: without the token the session stays.
    assert agent.http.post("/console/logout").status_code == 403
    assert agent.http.get("/api/staff/me").status_code == 200


def test_login_needs_the_login_forms_token(console: Console) -> None:
    with httpx.Client(base_url=console.url) as browser:
        refused = browser.post(
            "/console/login", data={"email": DEMO_ADMIN[0], "password": DEMO_ADMIN[1]}
        )
        assert refused.status_code == 403 and "login form expired" in refused.text
        assert browser.get("/api/staff/me").status_code == 401
        forged = browser.post(
            "/console/login",
            data={"email": DEMO_ADMIN[0], "password": DEMO_ADMIN[1], "csrf_token": "forged"},
        )
        assert forged.status_code == 403
        assert browser.get("/api/staff/me").status_code == 401


def test_a_tampered_or_foreign_cookie_is_not_a_session(console: Console) -> None:
    agent = console.staff["agent"]
    cookie = agent.http.cookies["aisle_staff"]
    with httpx.Client(base_url=console.url) as other:
        other.cookies.set("aisle_staff", cookie[:-3] + ("AAA" if cookie[-3:] != "AAA" else "BBB"))
        assert other.get("/api/staff/me").status_code == 401
    # Logging in gives a new CSRF token: a token seen before login is worth nothing after.
    with httpx.Client(base_url=console.url) as fresh:
        before = csrf_in(fresh.get("/console/login").text)
        fresh.post(
            "/console/login",
            data={"email": "agent@shop.example", "password": PASSWORD, "csrf_token": before},
        )
        after = fresh.get("/api/staff/me").json()["csrf_token"]
        assert after != before
        response = fresh.post(
            f"/api/staff/conversations/{console.conversation_id}/notes",
            json={"text": "pre-login token"},
            headers={"X-CSRF-Token": before},
        )
        assert response.status_code == 403


# -- the live sockets ------------------------------------------------------------------


async def _ws(url: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    async with connect(url.replace("http://", "ws://") + path, additional_headers=headers) as ws:
        return dict(json.loads(await asyncio.wait_for(ws.recv(), 10)))


async def test_live_sockets_need_a_staff_session_from_this_origin(console: Console) -> None:
    viewer = console.staff["viewer"]
    for _, path in [r for r in ROLES if r[0] == "WS"]:
        concrete = console.concrete(path)
        with pytest.raises(InvalidStatus) as refused:
            await _ws(console.url, concrete, {})
        assert refused.value.response.status_code == 401, path
        with pytest.raises(InvalidStatus) as refused:
            await _ws(
                console.url,
                concrete,
                {"Cookie": viewer.cookie_header, "Origin": "https://evil.example"},
            )
        assert refused.value.response.status_code == 403, path
        origin = console.url
        ready = await _ws(console.url, concrete, {"Cookie": viewer.cookie_header, "Origin": origin})
        assert ready["type"] == "console.ready", path


# -- login rate limit ------------------------------------------------------------------


def _attempt(url: str, email: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=url) as browser:
        token = csrf_in(browser.get("/console/login").text)
        return browser.post(
            "/console/login", data={"email": email, "password": password, "csrf_token": token}
        )


def test_logins_are_rate_limited_per_address_and_email(tmp_path: Path) -> None:
    app = create_app(
        _settings(tmp_path, login_attempts_per_minute=3), PartsFactory(runner=EchoRunner())
    )
    with serve_app(app) as url:
        for _ in range(3):
            wrong = _attempt(url, DEMO_ADMIN[0], "guess-guess")
            assert wrong.status_code == 401 and "Wrong email or password" in wrong.text
        limited = _attempt(url, DEMO_ADMIN[0], DEMO_ADMIN[1])
        assert limited.status_code == 429, "even the right password waits out the window"
        assert "Too many login attempts" in limited.text
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        other = _attempt(url, "someone@shop.example", "guess-guess")
        assert other.status_code == 401, "another account from this address is not blocked yet"


def _redis_or_fail() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as e:
        pytest.fail(f"Redis at {REDIS_URL} is not reachable ({e}); run `make services`")


def test_the_login_limit_is_shared_by_replicas_through_redis(tmp_path: Path) -> None:
    _redis_or_fail()
    settings = _settings(tmp_path, login_attempts_per_minute=2, redis_url=REDIS_URL)
    email = f"target-{uuid.uuid4().hex[:8]}@shop.example"
    a = create_app(settings, PartsFactory(runner=EchoRunner()))
    b = create_app(settings, PartsFactory(runner=EchoRunner()))
    with serve_app(a) as url_a, serve_app(b) as url_b:
        assert _attempt(url_a, email, "guess-one").status_code == 401
        assert _attempt(url_b, email, "guess-two").status_code == 401
        assert _attempt(url_a, email, "guess-three").status_code == 429
        assert _attempt(url_b, email, "guess-four").status_code == 429


# -- shoppers --------------------------------------------------------------------------


async def test_a_shopper_reads_only_their_own_conversation(console: Console) -> None:
    mine = await open_chat(console.url)
    theirs = await open_chat(console.url)
    await theirs.say("my address is 1 Secret Lane")
    await theirs.until("assistant.done")
    their_id = theirs.welcome["data"]["conversation_id"]
    # The staff API and pages are closed to a shopper, whatever conversation they name.
    with httpx.Client(base_url=console.url) as shopper:
        assert shopper.get(f"/api/staff/conversations/{their_id}").status_code == 401
        page = shopper.get(f"/console/conversations/{their_id}/transcript")
        assert page.status_code == 303 and "Secret Lane" not in page.text
    # Resuming with one's own token gives one's own conversation and nothing else.
    await mine.say("hello")
    await mine.until("assistant.done")
    await mine.ws.close()
    again = await open_chat(
        console.url, resume_token=mine.welcome["data"]["resume_token"], last_seq=0
    )
    replay = await again.until("assistant.done")
    assert again.welcome["data"]["conversation_id"] == mine.welcome["data"]["conversation_id"]
    assert "Secret Lane" not in json.dumps(replay)
    # A staff message to the other shopper reaches them, and not this one.
    agent = console.staff["agent"]
    assert agent.api("POST", f"/api/staff/conversations/{their_id}/takeover").status_code == 200
    sent = agent.api(
        "POST", f"/api/staff/conversations/{their_id}/messages", {"text": "only for you"}
    )
    assert sent.status_code == 202
    got = await theirs.until("staff.message")
    assert got[-1]["data"]["text"] == "only for you"
    await again.send("ping")
    assert (await again.next(10))["type"] == "pong"
    assert "only for you" not in json.dumps(again.frames)
    agent.api("POST", f"/api/staff/conversations/{their_id}/handback")
    await again.close()
    await theirs.close()
