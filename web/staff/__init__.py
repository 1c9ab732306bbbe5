"""The staff console: login, conversation review, live takeover, analytics, staff accounts.

`install(app)` adds the console's pages (`/console/...`), its JSON API
(`/api/staff/...`), its live sockets (`/console/live/socket...`) and the error
handlers that turn console errors into login redirects, HTML pages or JSON. The
app's lifespan opens the console (`open_console`: staff accounts are bootstrapped there).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from web.staff.api import router as api_router
from web.staff.auth import Admin, Agent, Viewer, require
from web.staff.errors import ConsoleError, NotLoggedIn
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


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _console_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleError)
    if _is_api(request):
        headers = {"Cache-Control": "no-store"}
        if isinstance(exc, NotLoggedIn):
            headers["WWW-Authenticate"] = 'Cookie realm="aisle-console"'
        retry = getattr(exc, "retry_after", None)
        if retry is not None:
            headers["Retry-After"] = str(int(retry + 0.999))
        return JSONResponse(
            {"code": exc.code, "message": exc.message}, status_code=exc.status, headers=headers
        )
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
    app.add_exception_handler(ConsoleError, _console_error)
