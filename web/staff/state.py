"""What the console keeps on `app.state.console`: store APIs, staff desk, sessions, login limits.

`open_console` builds it in the app's lifespan (web/app.py), once the transcript store
and the gateway exist, and bootstraps staff accounts there: the configured admin, or in
demo mode a demo admin when there is no staff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from starlette.requests import HTTPConnection

from web.chat.hub import ConversationHub
from web.chat.staff import StaffDesk
from web.settings import WebSettings
from web.staff.errors import ConsoleUnavailable, from_store
from web.staff.sessions import SessionCodec
from web.staff.throttle import LoginThrottle, make_throttle
from web.store import (
    Redactor,
    SqlTranscriptStore,
    StaffAccounts,
    StaffExists,
    TranscriptConsole,
    TranscriptError,
)

__all__ = [
    "DEMO_ADMIN_EMAIL",
    "DEMO_ADMIN_PASSWORD",
    "ConsoleState",
    "DeskDep",
    "StateDep",
    "bootstrap_staff",
    "get_state",
    "open_console",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Demo mode only, and only while no staff account exists; the README names them.
DEMO_ADMIN_EMAIL = "admin@demo.aisle"
DEMO_ADMIN_PASSWORD = "aisle-demo"


@dataclass
class ConsoleState:
    """The console's collaborators, built once per app."""

    settings: WebSettings
    store: SqlTranscriptStore
    desk: StaffDesk
    sessions: SessionCodec
    throttle: LoginThrottle
    console: TranscriptConsole = field(init=False)
    accounts: StaffAccounts = field(init=False)

    def __post_init__(self) -> None:
        self.console = TranscriptConsole(self.store)
        self.accounts = StaffAccounts(self.store)

    @property
    def hub(self) -> ConversationHub:
        """The conversation hub (live lists and sockets)."""
        return self.desk.hub

    @property
    def redactor(self) -> Redactor:
        """The store's redactor (what staff see live is redacted like what is stored)."""
        return self.store.redactor

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a (blocking) store method in a worker thread; its errors become console errors."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except TranscriptError as e:
            raise from_store(e) from e

    async def aclose(self) -> None:
        """Release the login throttle's connections."""
        await self.throttle.aclose()


def bootstrap_staff(settings: WebSettings, accounts: StaffAccounts) -> None:
    """Make sure someone can log in: the configured admin, or the demo admin in demo mode.

    Raises:
        RuntimeError: outside demo mode, when an admin would log in with the demo password.
        TranscriptError: the bootstrap settings are half set or the password is too short.
    """
    bootstrap = settings.staff_bootstrap_password
    if not settings.demo and bootstrap and bootstrap.get_secret_value() == DEMO_ADMIN_PASSWORD:
        raise RuntimeError(
            "AISLE_WEB_STAFF_BOOTSTRAP_PASSWORD is the demo password; choose another one "
            "outside demo mode (AISLE_WEB_DEMO=false)"
        )
    accounts.ensure_bootstrap_admin(settings)
    if settings.demo:
        if not accounts.list_users():
            try:
                accounts.add(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, "admin")
            except StaffExists:
                return  # another replica made it a moment ago
            log.warning(
                "demo mode: log in to the staff console at /console as %s with password %s "
                "(created because no staff account existed)",
                DEMO_ADMIN_EMAIL,
                DEMO_ADMIN_PASSWORD,
            )
        return
    demo = accounts.get(DEMO_ADMIN_EMAIL)
    if demo is not None and not demo.disabled:
        # One argon2 check at start-up: the demo's well-known login must not reach production.
        if accounts.authenticate(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD) is not None:
            raise RuntimeError(
                f"the staff account {DEMO_ADMIN_EMAIL} still has the demo password; run "
                f"`aisle staff passwd {DEMO_ADMIN_EMAIL}` or `aisle staff disable "
                f"{DEMO_ADMIN_EMAIL}` before serving with AISLE_WEB_DEMO=false"
            )


async def open_console(
    settings: WebSettings, store: SqlTranscriptStore, desk: StaffDesk
) -> ConsoleState:
    """The console's state, with staff accounts bootstrapped (see `bootstrap_staff`).

    Raises:
        RuntimeError: outside demo mode, an admin would log in with the demo password.
    """
    await asyncio.to_thread(bootstrap_staff, settings, StaffAccounts(store))
    if not settings.cookie_secure and not settings.demo:
        log.warning("AISLE_WEB_COOKIE_SECURE is off: staff cookies would travel over plain HTTP")
    return ConsoleState(
        settings=settings,
        store=store,
        desk=desk,
        sessions=SessionCodec(
            settings.secret_key.get_secret_value(), secure=settings.cookie_secure
        ),
        throttle=make_throttle(settings),
    )


def get_state(conn: HTTPConnection) -> ConsoleState:
    """The console state of the app serving this request or socket."""
    state: ConsoleState | None = getattr(conn.app.state, "console", None)
    if state is None:
        raise ConsoleUnavailable("the console is starting")
    return state


def get_desk(conn: HTTPConnection) -> StaffDesk:
    """Staff actions on live conversations (takeover, messages, hand back)."""
    return get_state(conn).desk


StateDep = Annotated[ConsoleState, Depends(get_state)]
DeskDep = Annotated[StaffDesk, Depends(get_desk)]
