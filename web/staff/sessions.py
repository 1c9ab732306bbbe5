"""Staff login sessions: a signed cookie that carries the staff id and the session's CSRF token."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from web.store import StaffUser

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_MAX_AGE_S",
    "SessionCodec",
    "StaffSession",
]

COOKIE = "aisle_staff"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# A working day and then some; a session is not extended by use, so a stolen cookie dies.
SESSION_MAX_AGE_S = 12 * 3600


@dataclass(frozen=True)
class StaffSession:
    """What the cookie holds: the CSRF token always; the staff user once logged in."""

    csrf: str
    uid: int | None = None
    email: str | None = None
    issued: float = 0.0
    gen: int | None = None

    @property
    def logged_in(self) -> bool:
        """True when a staff user logged in with this session."""
        return self.uid is not None and self.email is not None

    def csrf_matches(self, token: str | None) -> bool:
        """True when `token` (from a form field or header) is this session's CSRF token."""
        if not token:
            return False
        return hmac.compare_digest(token.encode(), self.csrf.encode())


class SessionCodec:
    """Signs and reads the session cookie (itsdangerous, keyed by AISLE_WEB_SECRET_KEY)."""

    def __init__(self, secret: str, *, secure: bool, max_age_s: int = SESSION_MAX_AGE_S) -> None:
        """Sessions signed with `secret`.

        Args:
            secret: the web settings' secret key.
            secure: send the cookie over HTTPS only (AISLE_WEB_COOKIE_SECURE).
            max_age_s: how long a login lasts.
        """
        self._signer = URLSafeTimedSerializer(secret, salt="aisle-staff-session")
        self.secure = secure
        self.max_age_s = max_age_s

    def read(self, raw: str | None) -> StaffSession | None:
        """The session in a cookie value, or None when it is absent, forged or expired."""
        if not raw:
            return None
        try:
            body: Any = self._signer.loads(raw, max_age=self.max_age_s)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        if not isinstance(body, dict) or not isinstance(body.get("csrf"), str):
            return None
        uid, email, gen = body.get("uid"), body.get("email"), body.get("gen")
        return StaffSession(
            csrf=body["csrf"],
            uid=uid if isinstance(uid, int) else None,
            email=email if isinstance(email, str) else None,
            issued=float(body.get("iat") or 0),
            gen=gen if isinstance(gen, int) else None,
        )

    @staticmethod
    def anonymous() -> StaffSession:
        """A fresh session before login: only a CSRF token, for the login form."""
        return StaffSession(csrf=secrets.token_urlsafe(32), issued=time.time())

    @staticmethod
    def login(user: StaffUser) -> StaffSession:
        """The session of a user who just logged in, with a new CSRF token (no fixation)."""
        return StaffSession(
            csrf=secrets.token_urlsafe(32),
            uid=user.id,
            email=user.email,
            issued=time.time(),
            gen=user.session_gen,
        )

    def dump(self, session: StaffSession) -> str:
        """The signed cookie value."""
        body = {"csrf": session.csrf, "iat": session.issued or time.time()}
        if session.logged_in:
            body.update(uid=session.uid, email=session.email, gen=session.gen)
        return str(self._signer.dumps(body))

    def set_cookie(self, response: Response, session: StaffSession) -> None:
        """Put the session on a response (HttpOnly, SameSite=Lax, Secure when configured)."""
        if not session.issued:
            session = replace(session, issued=time.time())
        response.set_cookie(
            COOKIE,
            self.dump(session),
            max_age=self.max_age_s,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )

    def clear_cookie(self, response: Response) -> None:
        """Remove the session cookie (logout)."""
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure)
