"""Headers and exposure: every page, file and API answer carries the security headers; metrics and
the API schema are off unless asked for; no docs page pulls Swagger from a CDN."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.browser.console_helpers import EchoRunner
from web.app import create_app
from web.parts import PartsFactory
from web.settings import WebSettings

KEY = "k" * 40
PATHS = [
    "/",
    "/products/85123A",
    "/static/aisle.js",
    "/static/storefront.css",
    "/api/recommendations?seen=85123A",
    "/healthz",
    "/protocol/v1.schema.json",
    "/no/such/page",
    "/console/login",
]


def _client(tmp_path: Path, **settings: Any) -> Iterator[TestClient]:
    app = create_app(WebSettings(data_dir=tmp_path, **settings), PartsFactory(runner=EchoRunner()))
    with TestClient(app) as client:
        yield client


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path, demo=True)


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_security_headers(demo: TestClient, path: str) -> None:
    response = demo.get(path)
    assert response.status_code < 500
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in ("strict-origin-when-cross-origin", "same-origin")


def test_shops_that_frame_the_pages_are_listed(tmp_path: Path) -> None:
    for client in _client(tmp_path, demo=True, frame_ancestors=["https://shop.example"]):
        headers = client.get("/").headers
        assert "frame-ancestors 'self' https://shop.example" in headers["content-security-policy"]
        assert "x-frame-options" not in headers
    with pytest.raises(ValidationError, match="AISLE_WEB_FRAME_ANCESTORS"):
        WebSettings(data_dir=tmp_path, frame_ancestors=["https://x.example; script-src *"])


def test_outside_demo_metrics_and_the_schema_are_off_and_there_is_no_docs_page(
    tmp_path: Path,
) -> None:
    for client in _client(tmp_path, secret_key=KEY):
        assert client.get("/metrics").status_code == 404
        assert client.get("/openapi.json").status_code == 404
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404
        home = client.get("/").json()
        assert "docs" not in home and home["chat"] == "/ws/chat"


def test_metrics_behind_a_token_when_enabled(tmp_path: Path) -> None:
    token = "scrape-" + "t" * 30
    for client in _client(tmp_path, secret_key=KEY, metrics_enabled=True, metrics_token=token):
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scraped.status_code == 200 and "aisle_sockets_open" in scraped.text


def test_demo_mode_serves_the_schema_and_metrics_but_no_cdn_page(demo: TestClient) -> None:
    assert demo.get("/openapi.json").json()["paths"]["/api/search"]
    assert "aisle_sockets_open" in demo.get("/metrics").text
    assert demo.get("/docs").status_code == 404
