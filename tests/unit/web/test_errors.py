"""Every error of the shop API, the staff API and the health routes has one JSON shape,
`{"code": ..., "message": ...}`, with a code the protocol schema publishes; console pages
get the login form or an error page instead."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.browser.console_helpers import DEMO_ADMIN, EchoRunner
from web.app import create_app
from web.errors import ERROR_CODES, error_for_status
from web.parts import PartsFactory
from web.settings import WebSettings


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(WebSettings(data_dir=tmp_path, demo=True), PartsFactory(runner=EchoRunner()))

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin(app_client: TestClient) -> TestClient:
    form = app_client.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    done = app_client.post(
        "/console/login",
        data={"email": DEMO_ADMIN[0], "password": DEMO_ADMIN[1], "csrf_token": csrf[1]},
        follow_redirects=False,
    )
    assert done.status_code == 303
    app_client.headers["X-CSRF-Token"] = app_client.get("/api/staff/me").json()["csrf_token"]
    return app_client


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message"}, body
    assert body["code"] == code and body["message"], body
    assert body["code"] in ERROR_CODES
    assert response.headers["cache-control"] == "no-store"
    return dict(response.headers)


ANONYMOUS = [
    ("GET", "/api/products/85123A", {}, 503, "catalog_unavailable"),
    ("GET", "/api/search", {"params": {"q": "mug"}}, 503, "catalog_unavailable"),
    ("GET", "/api/recommendations", {"params": {"n": "many"}}, 422, "invalid_request"),
    ("GET", "/api/recommendations", {"params": {"shopper_id": "13085"}}, 401, "shopper_unverified"),
    ("POST", "/api/events", {"json": {"name": "view", "product_id": "x"}}, 422, "invalid_request"),
    ("POST", "/api/events", {"json": {"name": "buy"}}, 422, "invalid_request"),
    ("POST", "/api/events", {"content": b"{not json"}, 422, "invalid_request"),
    ("GET", "/api/staff/conversations", {}, 401, "not_logged_in"),
    ("GET", "/api/no/such/route", {}, 404, "not_found"),
    ("DELETE", "/api/search", {}, 405, "method_not_allowed"),
    ("GET", "/api/boom", {}, 500, "server_error"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), ANONYMOUS)
def test_shop_and_health_errors_have_one_shape(
    app_client: TestClient, method: str, path: str, kwargs: Any, status: int, code: str
) -> None:
    headers = _error(app_client.request(method, path, **kwargs), status, code)
    if status == 401:
        assert headers["www-authenticate"], "a 401 says which credentials to send"


def test_an_unhandled_error_tells_the_client_nothing_of_it(app_client: TestClient) -> None:
    assert "secret" not in app_client.get("/api/boom").text


def test_a_shopper_token_that_does_not_verify_is_a_bearer_challenge(
    app_client: TestClient,
) -> None:
    response = app_client.get(
        "/api/recommendations", headers={"Authorization": "Bearer not-a-token"}
    )
    assert _error(response, 401, "bad_shopper_token")["www-authenticate"] == "Bearer"


STAFF = [
    ("GET", "/api/staff/conversations", {"params": {"sort": "sideways"}}, 400, "bad_request"),
    ("GET", "/api/staff/analytics", {"params": {"since": "2026-02-30"}}, 422, "invalid_request"),
    ("GET", "/api/staff/conversations/nope", {}, 404, "conversation_not_found"),
    (
        "POST",
        "/api/staff/conversations/nope/messages",
        {"json": {"text": " "}},
        400,
        "empty_message",
    ),
    ("POST", "/api/staff/conversations/nope/takeover", {}, 409, "not_live"),
    (
        "POST",
        "/api/staff/users",
        {"json": {"email": "new@shop.example", "role": "agent", "password": "x"}},
        400,
        "weak_password",
    ),
    (
        "PATCH",
        "/api/staff/users/nobody@shop.example",
        {"json": {"role": "agent"}},
        404,
        "staff_not_found",
    ),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), STAFF)
def test_staff_api_errors_have_the_same_shape(
    admin: TestClient, method: str, path: str, kwargs: Any, status: int, code: str
) -> None:
    _error(admin.request(method, path, **kwargs), status, code)


def test_a_write_without_the_csrf_token_is_refused_in_that_shape(admin: TestClient) -> None:
    del admin.headers["X-CSRF-Token"]
    _error(admin.post("/api/staff/conversations/nope/takeover"), 403, "csrf_failed")


def test_console_pages_answer_with_the_login_form_or_an_error_page(admin: TestClient) -> None:
    page = admin.get("/console/conversations/nope")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "conversation_not_found" in page.text
    admin.cookies.clear()
    away = admin.get("/console/conversations?q=mug", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/console/login?next=%2Fconsole%2Fconversations%3Fq%3Dmug"


@pytest.mark.parametrize(
    ("status", "code", "kind", "expected"),
    [
        (404, "conversation_not_found", "NotFound", "conversation_not_found"),
        (409, None, "Conflict", "conflict"),
        (405, None, "WebError", "method_not_allowed"),
        (413, None, "WebError", "bad_request"),
        (500, "transcript_error", "WebError", "transcript_error"),
        (502, None, "WebError", "server_error"),
    ],
)
def test_a_status_another_layer_chose_keeps_its_status_and_code(
    status: int, code: Any, kind: str, expected: str
) -> None:
    error = error_for_status(status, "what went wrong", code)
    assert (type(error).__name__, error.status, error.code) == (kind, status, expected)
