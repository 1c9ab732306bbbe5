"""What the console keeps on `app.state.console`: store APIs, sessions, login limits.

It is built in the console router's lifespan, which runs inside the app's own (after the
transcript store and the gateway exist), and that is also where staff accounts are
bootstrapped: the configured admin, or in demo mode a demo admin when there is no staff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from starlette.requests import HTTPConnection

from web.chat.gateway import Gateway
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
    "StateDep",
    "bootstrap_staff",
    "console_lifespan",
    "get_state",
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
    store: SqlTranscriptStore | None
    sessions: SessionCodec
    throttle: LoginThrottle

    @property
    def console(self) -> TranscriptConsole:
        """The store's console API; 503 when the app runs without the SQL store."""
        if self._console is None:
            raise ConsoleUnavailable("the console needs the SQL transcript store")
        return self._console

    @property
    def accounts(self) -> StaffAccounts:
        """The staff accounts; 503 when the app runs without the SQL store."""
        if self._accounts is None:
            raise ConsoleUnavailable("the console needs the SQL transcript store")
        return self._accounts

    @property
    def redactor(self) -> Redactor:
        """The store's redactor (what staff see live is redacted like what is stored)."""
        if self.store is not None:
            return self.store.redactor
        return Redactor(self.settings.redact_pii)

    def __post_init__(self) -> None:
        self._console = TranscriptConsole(self.store) if self.store is not None else None
        self._accounts = StaffAccounts(self.store) if self.store is not None else None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a (blocking) store method in a worker thread; its errors become console errors."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except TranscriptError as e:
            raise from_store(e) from e


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


def _build(settings: WebSettings, transcripts: Any) -> ConsoleState:
    store = transcripts if isinstance(transcripts, SqlTranscriptStore) else None
    if store is None:
        log.warning("the staff console is unavailable: the app has no SQL transcript store")
    else:
        bootstrap_staff(settings, StaffAccounts(store))
    if not settings.cookie_secure and not settings.demo:
        log.warning("AISLE_WEB_COOKIE_SECURE is off: staff cookies would travel over plain HTTP")
    return ConsoleState(
        settings=settings,
        store=store,
        sessions=SessionCodec(
            settings.secret_key.get_secret_value(), secure=settings.cookie_secure
        ),
        throttle=make_throttle(settings),
    )


@asynccontextmanager
async def console_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Build the console state once the app's lifespan has built the store and gateway."""
    settings: WebSettings = app.state.settings
    state = await asyncio.to_thread(_build, settings, getattr(app.state, "transcripts", None))
    app.state.console = state
    try:
        yield
    finally:
        await state.throttle.aclose()


def get_state(conn: HTTPConnection) -> ConsoleState:
    """The console state of the app serving this request or socket."""
    state: ConsoleState | None = getattr(conn.app.state, "console", None)
    if state is None:
        raise ConsoleUnavailable("the console is starting")
    return state


def get_gateway(request: Request) -> Gateway:
    """The gateway (live conversations, takeover)."""
    gateway: Gateway = request.app.state.gateway
    return gateway


StateDep = Annotated[ConsoleState, Depends(get_state)]
GatewayDep = Annotated[Gateway, Depends(get_gateway)]
