"""Security headers on every HTTP response: CSP (frame-ancestors configurable), nosniff, referrer.

A pure ASGI middleware, so streaming responses and static files get the headers too and
websockets pass through untouched. A route that sets a header itself (the console's
stricter CSP and `no-store`) keeps its own value.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.settings import WebSettings

__all__ = ["SecurityHeaders", "security_headers"]


def security_headers(settings: WebSettings) -> dict[str, str]:
    """The headers every response carries, from the settings.

    `frame_ancestors` empty: nobody may frame Aisle's pages (the widget is a script on
    the shop's page, not a frame, so shops need nothing here); list the shop origins
    that embed the storefront or console in a frame to allow them.
    """
    ancestors = (
        " ".join(["'self'", *settings.frame_ancestors]) if settings.frame_ancestors else ("'none'")
    )
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        f"form-action 'self'; frame-ancestors {ancestors}"
    )
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if not settings.frame_ancestors:
        headers["X-Frame-Options"] = "DENY"  # for browsers that predate frame-ancestors
    if settings.cookie_secure:
        # Cookies are HTTPS-only, so the site is: tell browsers never to try plain HTTP.
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


class SecurityHeaders:
    """Adds `headers` to each HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                found = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in found:
                        found[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
