"""Proxies and slow clients over a real uvicorn: X-Forwarded-For counts only from configured
proxies, and a client that never finishes its headers is closed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.console_helpers import EchoRunner, csrf_in
from tests.integration.servers import serve_web
from web.app import server_options
from web.settings import WebSettings


def _login(url: str, email: str, forwarded_for: str) -> int:
    headers = {"X-Forwarded-For": forwarded_for}
    with httpx.Client(base_url=url, headers=headers) as browser:
        token = csrf_in(browser.get("/console/login").text)
        return browser.post(
            "/console/login",
            data={"email": email, "password": "wrong-password", "csrf_token": token},
        ).status_code


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = WebSettings(
        data_dir=tmp_path_factory.mktemp("proxies"),
        demo=True,
        login_attempts_per_minute=2,
        header_timeout_s=1.0,
    )
    with serve_web(settings, runner=EchoRunner()) as url:
        yield url


def test_a_client_cannot_rotate_addresses_with_x_forwarded_for(strict: str) -> None:
    # Each attempt claims another address and another account: only the real address
    # (this test's 127.0.0.1) is counted, so its per-address limit (5 x 2 a minute) holds.
    codes = [_login(strict, f"user{i}@shop.example", f"203.0.113.{i}") for i in range(11)]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429, codes


def test_forwarded_headers_count_from_a_configured_proxy() -> None:
    assert server_options(WebSettings(data_dir=Path("x")))["proxy_headers"] is False
    options = server_options(WebSettings(data_dir=Path("x"), trusted_proxies=["10.0.0.0/8"]))
    assert options["proxy_headers"] is True and options["forwarded_allow_ips"] == ["10.0.0.0/8"]


def test_a_client_that_never_finishes_its_headers_is_closed(strict: str) -> None:
    where = urlsplit(strict)
    with socket.create_connection((where.hostname, where.port), timeout=60) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nX-Slow: ")
        # The server hangs up (EOF) long before this socket's own 60 s timeout would fire.
        assert slow.recv(1024) == b""


def test_an_idle_kept_alive_connection_is_closed(strict: str) -> None:
    where = urlsplit(strict)
    with socket.create_connection((where.hostname, where.port), timeout=60) as idle:
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n\r\n")
        answer = b""
        while b'"ok"' not in answer:
            answer += idle.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200")
        assert idle.recv(1024) == b"", "closed after the idle timeout, not kept forever"
