"""Staff accounts: who may log in to the console, and with which role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr
from sqlalchemy import text

from web.settings import WebSettings
from web.store import (
    InvalidRequest,
    SqlTranscriptStore,
    StaffAccounts,
    StaffExists,
    StaffNotFound,
    WeakPassword,
    make_engine,
    migrate,
    role_at_least,
)


class CountingHasher(PasswordHasher):
    """argon2 with test-sized cost, counting verifications."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlTranscriptStore]:
    engine = make_engine(f"sqlite:///{tmp_path / 'transcripts.db'}")
    migrate(engine)
    s = SqlTranscriptStore(engine)
    yield s
    s.close()


@pytest.fixture
def accounts(store: SqlTranscriptStore) -> StaffAccounts:
    return StaffAccounts(store, hasher=CountingHasher())


def test_a_staff_user_logs_in_with_their_password_only(accounts: StaffAccounts) -> None:
    added = accounts.add("Ann@Shop.test ", "correct horse", "agent")
    assert (added.email, added.role, added.disabled) == ("ann@shop.test", "agent", False)
    user = accounts.authenticate("ANN@shop.test", "correct horse")
    assert user is not None and user.email == "ann@shop.test"
    assert user.last_login_at is not None
    assert accounts.authenticate("ann@shop.test", "wrong horse") is None
    assert accounts.authenticate("not an email", "correct horse") is None


def test_the_password_itself_is_never_stored(
    accounts: StaffAccounts, store: SqlTranscriptStore
) -> None:
    accounts.add("ann@shop.test", "correct horse", "viewer")
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM staff_users")).scalar_one()
    assert "correct horse" not in stored
    assert stored.startswith("$argon2id$")


def test_an_unknown_email_costs_a_password_check_too(accounts: StaffAccounts) -> None:
    hasher = accounts.hasher
    assert isinstance(hasher, CountingHasher)
    accounts.add("ann@shop.test", "correct horse", "viewer")
    before = hasher.verified
    assert accounts.authenticate("nobody@shop.test", "correct horse") is None
    assert hasher.verified == before + 1


def test_a_disabled_user_cannot_log_in_until_enabled(accounts: StaffAccounts) -> None:
    accounts.add("ann@shop.test", "correct horse", "admin")
    assert accounts.disable("ann@shop.test").disabled
    assert accounts.authenticate("ann@shop.test", "correct horse") is None
    accounts.enable("ann@shop.test")
    assert accounts.authenticate("ann@shop.test", "correct horse") is not None


def test_a_new_password_replaces_the_old_one(accounts: StaffAccounts) -> None:
    accounts.add("ann@shop.test", "correct horse", "viewer")
    accounts.set_password("ann@shop.test", "battery staple")
    assert accounts.authenticate("ann@shop.test", "correct horse") is None
    assert accounts.authenticate("ann@shop.test", "battery staple") is not None
    with pytest.raises(StaffNotFound):
        accounts.set_password("bob@shop.test", "battery staple")


def test_bad_accounts_are_refused(accounts: StaffAccounts) -> None:
    accounts.add("ann@shop.test", "correct horse", "viewer")
    with pytest.raises(StaffExists):
        accounts.add("ANN@shop.test", "other password", "admin")
    with pytest.raises(WeakPassword):
        accounts.add("bob@shop.test", "short", "viewer")
    with pytest.raises(InvalidRequest):
        accounts.add("bob@shop.test", "long enough", "owner")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest):
        accounts.add("bob", "long enough", "viewer")
    assert [u.email for u in accounts.list_users()] == ["ann@shop.test"]


def test_roles_are_ordered_viewer_agent_admin(accounts: StaffAccounts) -> None:
    assert role_at_least("admin", "agent") and role_at_least("agent", "agent")
    assert not role_at_least("viewer", "agent") and not role_at_least("agent", "admin")
    assert not role_at_least("owner", "viewer")
    user = accounts.add("ann@shop.test", "correct horse", "agent")
    assert user.can("viewer") and not user.can("admin")
    assert accounts.set_role("ann@shop.test", "admin").can("admin")
    assert not accounts.disable("ann@shop.test").can("viewer")


def _settings(tmp_path: Path, email: str | None, password: str | None) -> WebSettings:
    return WebSettings(
        data_dir=tmp_path,
        staff_bootstrap_email=email,
        staff_bootstrap_password=SecretStr(password) if password is not None else None,
    )


def test_the_first_admin_comes_from_settings_once(accounts: StaffAccounts, tmp_path: Path) -> None:
    settings = _settings(tmp_path, "Boss@Shop.test", "bootstrap-pass")
    admin = accounts.ensure_bootstrap_admin(settings)
    assert admin is not None and (admin.email, admin.role) == ("boss@shop.test", "admin")
    assert accounts.authenticate("boss@shop.test", "bootstrap-pass") is not None
    # A restart with the same settings changes nothing, even after a password change.
    accounts.set_password("boss@shop.test", "changed-later")
    assert accounts.ensure_bootstrap_admin(settings) is None
    assert accounts.authenticate("boss@shop.test", "changed-later") is not None
    assert len(accounts.list_users()) == 1


def test_bootstrap_promotes_an_existing_account_when_no_admin_exists(
    accounts: StaffAccounts, tmp_path: Path
) -> None:
    accounts.add("boss@shop.test", "viewer-pass", "viewer")
    admin = accounts.ensure_bootstrap_admin(_settings(tmp_path, "boss@shop.test", "bootstrap-pass"))
    assert admin is not None and admin.role == "admin"
    assert accounts.authenticate("boss@shop.test", "bootstrap-pass") is not None


def test_bootstrap_needs_both_settings_and_a_real_password(
    accounts: StaffAccounts, tmp_path: Path
) -> None:
    assert accounts.ensure_bootstrap_admin(_settings(tmp_path, None, None)) is None
    with pytest.raises(InvalidRequest, match="AISLE_WEB_STAFF_BOOTSTRAP_PASSWORD"):
        accounts.ensure_bootstrap_admin(_settings(tmp_path, "boss@shop.test", None))
    with pytest.raises(WeakPassword):
        accounts.ensure_bootstrap_admin(_settings(tmp_path, "boss@shop.test", "admin"))
    assert accounts.list_users() == []
