"""Staff sessions end on the server: logout, a password change and disabling revoke a cookie at
once, on every replica (two app servers sharing one database)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.browser.console_helpers import DEMO_ADMIN, EchoRunner, StaffClient, add_staff
from tests.integration.servers import serve_app
from web.app import create_app
from web.parts import PartsFactory
from web.settings import WebSettings

PASSWORD = "staff-pass-1"


@dataclass
class Replicas:
    a: str
    b: str


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    data_dir = tmp_path_factory.mktemp("sessions")
    settings = WebSettings(data_dir=data_dir, demo=True, login_attempts_per_minute=500)
    with (
        serve_app(create_app(settings, PartsFactory(runner=EchoRunner()))) as a,
        serve_app(create_app(settings, PartsFactory(runner=EchoRunner()))) as b,
    ):
        yield Replicas(a, b)


def _me(base: str, cookie: str) -> int:
    """The status of /api/staff/me for a copied cookie (a second browser, another replica)."""
    return httpx.get(f"{base}/api/staff/me", headers={"Cookie": cookie}).status_code


def _staff(replicas: Replicas, email: str) -> StaffClient:
    admin = StaffClient(replicas.a).logged_in(*DEMO_ADMIN)
    add_staff(admin, email, "agent", PASSWORD)
    admin.close()
    return StaffClient(replicas.a).logged_in(email, PASSWORD)


def test_logout_ends_the_session_on_every_replica(replicas: Replicas) -> None:
    staff = _staff(replicas, "leaver@shop.example")
    stolen = staff.cookie_header
    assert _me(replicas.b, stolen) == 200, "the session works on the other replica"
    assert staff.form("/console/logout").status_code == 303
    assert _me(replicas.a, stolen) == 401
    assert _me(replicas.b, stolen) == 401, "a copy of the cookie died with the logout"
    again = StaffClient(replicas.b).logged_in("leaver@shop.example", PASSWORD)
    assert _me(replicas.a, again.cookie_header) == 200, "logging in again works"


def test_a_password_change_ends_the_old_sessions(replicas: Replicas) -> None:
    staff = _staff(replicas, "changed@shop.example")
    stolen = staff.cookie_header
    admin = StaffClient(replicas.b).logged_in(*DEMO_ADMIN)
    reset = admin.api(
        "PATCH", "/api/staff/users/changed@shop.example", {"password": "a-new-pass-2"}
    )
    assert reset.status_code == 200, reset.text
    assert _me(replicas.a, stolen) == 401 and _me(replicas.b, stolen) == 401
    # An admin who changes their own password stays logged in; their old cookie does not.
    own_old = admin.cookie_header
    own = admin.form("/console/staff/password", email=DEMO_ADMIN[0], password=DEMO_ADMIN[1])
    assert own.status_code == 303
    assert _me(replicas.a, admin.cookie_header) == 200
    assert _me(replicas.a, own_old) == 401


def test_a_disabled_account_stays_logged_out_when_enabled_again(replicas: Replicas) -> None:
    staff = _staff(replicas, "paused@shop.example")
    stolen = staff.cookie_header
    admin = StaffClient(replicas.b).logged_in(*DEMO_ADMIN)
    assert admin.form("/console/staff/disable", email="paused@shop.example").status_code == 303
    assert _me(replicas.a, stolen) == 401
    enabled = admin.api("PATCH", "/api/staff/users/paused@shop.example", {"disabled": False})
    assert enabled.status_code == 200, enabled.text
    assert _me(replicas.a, stolen) == 401, "the old cookie does not come back to life"
