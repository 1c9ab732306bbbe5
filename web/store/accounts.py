"""Staff accounts of the console: argon2-hashed passwords, roles viewer < agent < admin."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from web.settings import WebSettings
from web.store.conversations import SqlTranscriptStore
from web.store.errors import InvalidRequest, StaffExists, StaffNotFound, WeakPassword
from web.store.models import StaffAccount, utcnow

__all__ = [
    "MIN_PASSWORD_CHARS",
    "ROLES",
    "Role",
    "StaffAccounts",
    "StaffUser",
    "normalize_email",
    "role_at_least",
]

log = logging.getLogger(__name__)

Role = Literal["viewer", "agent", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "agent", "admin")
MIN_PASSWORD_CHARS = 8
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def role_at_least(role: str, needed: Role) -> bool:
    """True when `role` may do what `needed` may (viewer < agent < admin).

    Args:
        role: the user's role; an unknown role may do nothing.
        needed: the least role the action requires.

    Returns:
        Whether the role suffices.
    """
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(needed)


def normalize_email(email: str) -> str:
    """The email as stored and looked up: trimmed and lowercased.

    Raises:
        InvalidRequest: it does not look like an email address.
    """
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise InvalidRequest(f"not an email address: {email!r}")
    return value


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise InvalidRequest(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(f"a staff password has at least {MIN_PASSWORD_CHARS} characters")


@dataclass(frozen=True)
class StaffUser:
    """A console user (never carries the password hash)."""

    id: int
    email: str
    role: Role
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None
    session_gen: int = 0

    def can(self, needed: Role) -> bool:
        """True when this enabled user's role is at least `needed`."""
        return not self.disabled and role_at_least(self.role, needed)


def _user(row: StaffAccount) -> StaffUser:
    return StaffUser(
        id=row.id,
        email=row.email,
        role=_check_role(row.role),
        disabled=row.disabled,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        session_gen=row.session_gen,
    )


class StaffAccounts:
    """Create, list and authenticate staff users, stored beside the transcripts."""

    def __init__(self, store: SqlTranscriptStore, *, hasher: PasswordHasher | None = None):
        """Manage the staff users in `store`'s database.

        Args:
            store: the transcript store (same database and migrations).
            hasher: the argon2 hasher; argon2-cffi's defaults (RFC 9106 low-memory).
        """
        self.store = store
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def _row(self, email: str) -> StaffAccount | None:
        with Session(self.store.engine) as session:
            return session.execute(
                select(StaffAccount).where(StaffAccount.email == email)
            ).scalar_one_or_none()

    def add(self, email: str, password: str, role: Role = "viewer") -> StaffUser:
        """Create a staff user.

        Args:
            email: their login (case-insensitive).
            password: at least 8 characters; only its argon2 hash is stored.
            role: "viewer" (read), "agent" (read, take over, annotate) or "admin".

        Returns:
            The new user.

        Raises:
            StaffExists: the email is taken.
            WeakPassword: the password is too short.
            InvalidRequest: a malformed email or unknown role.
        """
        address = normalize_email(email)
        _check_role(role)
        _check_password(password)
        now = utcnow()
        try:
            with self.store.transaction() as conn:
                conn.execute(
                    self.store.insert(StaffAccount).values(
                        email=address,
                        password_hash=self.hasher.hash(password),
                        role=role,
                        disabled=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError as e:
            raise StaffExists(f"a staff user {address} exists already") from e
        log.info("staff user added with role %s", role)
        user = self.get(address)
        assert user is not None
        return user

    def get(self, email: str) -> StaffUser | None:
        """The user with that email, or None."""
        try:
            address = normalize_email(email)
        except InvalidRequest:
            return None
        row = self._row(address)
        return None if row is None else _user(row)

    def list_users(self) -> list[StaffUser]:
        """Every staff user, by email."""
        with Session(self.store.engine) as session:
            rows = session.execute(select(StaffAccount).order_by(StaffAccount.email)).scalars()
            return [_user(r) for r in rows]

    def has_admin(self) -> bool:
        """True when an enabled admin exists."""
        with self.store.engine.connect() as conn:
            n = conn.execute(
                select(func.count()).where(
                    StaffAccount.role == "admin", StaffAccount.disabled.is_(False)
                )
            ).scalar_one()
        return int(n) > 0

    def authenticate(self, email: str, password: str) -> StaffUser | None:
        """The user when the email and password match an enabled account, else None.

        An unknown or disabled account costs one argon2 verification too, so response
        time does not reveal which emails have accounts.

        Args:
            email: the login.
            password: the password typed.

        Returns:
            The user (with `last_login_at` updated), or None.
        """
        try:
            address = normalize_email(email)
        except InvalidRequest:
            address = ""
        row = self._row(address) if address else None
        if row is None or row.disabled:
            self._verify(self._dummy_hash(), password)
            return None
        if not self._verify(row.password_hash, password):
            return None
        values: dict[str, object] = {"last_login_at": utcnow()}
        if self.hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = self.hasher.hash(password)
        with self.store.transaction() as conn:
            conn.execute(update(StaffAccount).where(StaffAccount.id == row.id).values(**values))
        return self.get(address)

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(hashed, password))
        except (VerificationError, InvalidHashError):
            return False

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash("aisle: no such staff user")
        return self._dummy

    def _update(self, email: str, **values: object) -> StaffUser:
        address = normalize_email(email)
        with self.store.transaction() as conn:
            changed = conn.execute(
                update(StaffAccount)
                .where(StaffAccount.email == address)
                .values(updated_at=utcnow(), **values)
            ).rowcount
        if not changed:
            raise StaffNotFound(f"no staff user {address}")
        user = self.get(address)
        assert user is not None
        return user

    def set_password(self, email: str, password: str) -> StaffUser:
        """Replace a user's password.

        Raises:
            StaffNotFound: no such user.
            WeakPassword: the password is too short.
        """
        _check_password(password)
        # Every session of the account ends: a stolen cookie dies with the old password.
        return self._update(
            email,
            password_hash=self.hasher.hash(password),
            session_gen=StaffAccount.session_gen + 1,
        )

    def end_sessions(self, email: str) -> StaffUser:
        """End every console session of a user at once, on every replica (logout).

        Raises:
            StaffNotFound: no such user.
        """
        return self._update(email, session_gen=StaffAccount.session_gen + 1)

    def set_role(self, email: str, role: Role) -> StaffUser:
        """Change a user's role.

        Raises:
            StaffNotFound: no such user.
        """
        return self._update(email, role=_check_role(role))

    def disable(self, email: str) -> StaffUser:
        """Stop a user from logging in (their notes and ratings stay).

        Raises:
            StaffNotFound: no such user.
        """
        user = self._update(email, disabled=True, session_gen=StaffAccount.session_gen + 1)
        log.info("staff user %d disabled", user.id)
        return user

    def enable(self, email: str) -> StaffUser:
        """Let a disabled user log in again.

        Raises:
            StaffNotFound: no such user.
        """
        return self._update(email, disabled=False)

    def ensure_bootstrap_admin(self, settings: WebSettings) -> StaffUser | None:
        """Create the first admin from AISLE_WEB_STAFF_BOOTSTRAP_EMAIL/_PASSWORD.

        Nothing happens when an enabled admin exists or the settings are unset; an
        existing account with that email is made an enabled admin with that password.

        Args:
            settings: the web settings.

        Returns:
            The admin it created or promoted, or None.

        Raises:
            InvalidRequest: only one of the two settings is set.
            WeakPassword: the bootstrap password is too short.
        """
        email, secret = settings.staff_bootstrap_email, settings.staff_bootstrap_password
        if email is None and secret is None:
            return None
        if email is None or secret is None:
            raise InvalidRequest(
                "set both AISLE_WEB_STAFF_BOOTSTRAP_EMAIL and AISLE_WEB_STAFF_BOOTSTRAP_PASSWORD"
            )
        if self.has_admin():
            return None
        password = secret.get_secret_value()
        if self.get(email) is not None:
            self.set_password(email, password)
            self.set_role(email, "admin")
            user = self.enable(email)
        else:
            try:
                user = self.add(email, password, "admin")
            except StaffExists:
                return None  # another replica created it a moment ago
        log.info("bootstrap admin account ready (AISLE_WEB_STAFF_BOOTSTRAP_EMAIL)")
        return user
