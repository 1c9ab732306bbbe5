"""Who is asking: the staff user of the session cookie, role checks and CSRF checks.

Every console page and staff API route depends on `require(role)` through one of the
aliases `Viewer`, `Agent` and `Admin`. The dependency refuses an anonymous request
(`NotLoggedIn`: pages redirect to the login form, the API answers 401), a role below
the route's (`RoleRefused`, 403) and, for every method but GET, HEAD and OPTIONS, a
request without the session's CSRF token in the `X-CSRF-Token` header or the
`csrf_token` form field (`CsrfRefused`, 403).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from web.staff.errors import CsrfRefused, NotLoggedIn, RoleRefused
from web.staff.sessions import COOKIE, CSRF_FIELD, CSRF_HEADER, StaffSession
from web.staff.state import get_state
from web.store import Role, StaffUser

__all__ = [
    "SAFE_METHODS",
    "Admin",
    "Agent",
    "Viewer",
    "check_csrf",
    "display_name",
    "require",
    "session_of",
    "staff_of",
]

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NAME_SPLIT = re.compile(r"[._+\-]+")


def display_name(user: StaffUser) -> str:
    """What a shopper sees for a staff member: the email's local part as a name.

    `jane.doe@shop.example` is "Jane Doe"; the email itself stays with the shop.
    """
    local = user.email.split("@", 1)[0]
    words = [w for w in _NAME_SPLIT.split(local) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words)[:60] or "Staff"


def session_of(conn: HTTPConnection) -> StaffSession | None:
    """The request's valid session cookie, logged in or not."""
    return get_state(conn).sessions.read(conn.cookies.get(COOKIE))


async def staff_of(conn: HTTPConnection) -> tuple[StaffUser, StaffSession] | None:
    """The enabled staff user logged in with this request's cookie, and the session.

    The account is read on every request, so a disabled user or a changed role takes
    effect at once, not when the cookie expires; and a cookie from before the account's
    last logout, password change or disable (an older `session_gen`) is no session.
    """
    state = get_state(conn)
    session = session_of(conn)
    if session is None or not session.logged_in or session.email is None:
        return None
    user = await state.run(state.accounts.get, session.email)
    if user is None or user.disabled or user.id != session.uid:
        return None
    if session.gen != user.session_gen:
        return None
    return user, session


async def check_csrf(request: Request, session: StaffSession) -> None:
    """Refuse a state-changing request that does not carry the session's CSRF token.

    Raises:
        CsrfRefused: the token is missing or wrong.
    """
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        kind = request.headers.get("content-type", "")
        if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached: the route's Form() fields read it again
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not session.csrf_matches(token):
        log.info("refused %s %s: bad or missing CSRF token", request.method, request.url.path)
        raise CsrfRefused("this form has expired or did not come from the console; reload it")


def require(role: Role) -> Callable[[Request], Awaitable[StaffUser]]:
    """A dependency that returns the logged-in staff user when their role is at least `role`.

    Args:
        role: the least role the route needs ("viewer", "agent" or "admin").

    Returns:
        The dependency; its `role` attribute names the role (for docs and tests).
    """

    async def dependency(request: Request) -> StaffUser:
        found = await staff_of(request)
        if found is None:
            raise NotLoggedIn("log in to the staff console first")
        user, session = found
        if not user.can(role):
            raise RoleRefused(f"this needs the {role} role; {user.email} is a {user.role}")
        request.state.staff_session = session
        request.state.staff = user
        if request.method not in SAFE_METHODS:
            await check_csrf(request, session)
        return user

    dependency.__name__ = f"require_{role}"
    dependency.role = role  # type: ignore[attr-defined]
    return dependency


Viewer = Annotated[StaffUser, Depends(require("viewer"))]
Agent = Annotated[StaffUser, Depends(require("agent"))]
Admin = Annotated[StaffUser, Depends(require("admin"))]


def same_origin(conn: HTTPConnection) -> bool:
    """True when the request has no Origin (not a browser) or comes from this host.

    Browsers send Origin on every websocket handshake; a page on another site must not
    open the console's sockets with the staff member's cookie.
    """
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == conn.headers.get("host", "").lower()
