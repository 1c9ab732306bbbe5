"""How uvicorn serves the gateway: websocket options, trusted proxies, and header and idle timeouts.

Uvicorn trusts `X-Forwarded-For` from 127.0.0.1 by default, so any client on the host
(or a sidecar) could pose as many addresses and rotate past the per-address limits:
forwarded headers count here only from `AISLE_WEB_TRUSTED_PROXIES`. Uvicorn has no
timeout for a request's headers, so a client that opens a connection and never finishes
them would hold it forever; `HeaderDeadline` closes it after `AISLE_WEB_HEADER_TIMEOUT_S`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from web.settings import WebSettings

__all__ = ["header_deadline_protocol", "server_options"]


class _HeaderDeadline(HttpToolsProtocol):
    """httptools' protocol with a deadline from a request's first byte (or the connection)
    to the end of its headers."""

    header_timeout_s = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if getattr(self, "_deadline", None) is None:
            self._deadline = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        deadline = getattr(self, "_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()  # a kept-alive connection starts its next request

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def header_deadline_protocol(timeout_s: float) -> type[HttpToolsProtocol]:
    """The HTTP protocol class for uvicorn's `http` option, closing slow headers."""
    return type("HeaderDeadline", (_HeaderDeadline,), {"header_timeout_s": timeout_s})


def server_options(settings: WebSettings) -> dict[str, Any]:
    """Uvicorn's options for the gateway.

    The sans-I/O websockets protocol without per-message deflate: chat frames are small,
    and a deflate context per socket costs more memory than an idle socket otherwise does.
    """
    proxies = settings.trusted_proxies
    return {
        "http": header_deadline_protocol(settings.header_timeout_s),
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,
        "ws_max_size": max(1 << 20, settings.max_frame_bytes * 4),
        "ws_ping_interval": settings.ping_interval_s,
        "ws_ping_timeout": settings.ping_interval_s,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": list(proxies) if proxies else [],
        "timeout_keep_alive": settings.idle_timeout_s,
    }
