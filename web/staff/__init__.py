"""The staff console: login, conversation review, live takeover, analytics, staff accounts.

`install(app)` adds the console's pages (`/console/...`), its JSON API
(`/api/staff/...`) and its live sockets (`/console/live/socket...`); `error_page_of`
answers an error on a console page with the login form or an error page (the app's
error handler answers JSON everywhere else). The app's lifespan opens the console
(`open_console`: staff accounts are bootstrapped there).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from web.errors import WebError
from web.staff.api import router as api_router
from web.staff.auth import Admin, Agent, Viewer, require
from web.staff.errors import NotLoggedIn
from web.staff.experiments import router as experiments_router
from web.staff.live import router as live_router
from web.staff.pages import error_page
from web.staff.pages import router as pages_router
from web.staff.state import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, open_console

__all__ = [
    "DEMO_ADMIN_EMAIL",
    "DEMO_ADMIN_PASSWORD",
    "Admin",
    "Agent",
    "Viewer",
    "error_page_of",
    "install",
    "open_console",
    "require",
    "router",
]

router = APIRouter()
router.include_router(pages_router)
router.include_router(live_router)
router.include_router(api_router)
router.include_router(experiments_router)


def error_page_of(request: Request, exc: WebError) -> Response | None:
    """A console page's answer to an error, or None for a request that is not for one.

    Not logged in: a GET goes to the login form and comes back after it; anything else
    gets the error as a console page.
    """
    if request.scope["type"] != "http" or not request.url.path.startswith("/console"):
        return None
    if isinstance(exc, NotLoggedIn):
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        query = urlencode({"next": target}) if request.method == "GET" else ""
        return RedirectResponse(
            "/console/login" + (f"?{query}" if query else ""),
            status_code=303,
            headers={"Cache-Control": "no-store"},
        )
    return error_page(request, exc)


def install(app: FastAPI) -> None:
    """Add the console's routes and error handlers to the web app.

    Args:
        app: the app from `web.app.create_app`; its lifespan sets `app.state.console`
            (`open_console`).
    """
    app.include_router(router)
