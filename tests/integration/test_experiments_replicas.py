"""Experiments across two gateway processes over real Redis: one arm per session, shared
controls, an impression served by one replica rewarded by a click on the other."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.console_helpers import DEMO_ADMIN, StaffClient, add_staff
from tests.integration.test_takeover import REDIS_URL, _gateway_process, _services_or_fail

pytestmark = pytest.mark.slow


@pytest.fixture
def two_gateways(demo_shop_dir: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    _services_or_fail("sqlite")
    env = {
        "AISLE_WEB_DATA_DIR": str(demo_shop_dir),
        "AISLE_WEB_DEMO": "true",
        "AISLE_WEB_REDIS_URL": REDIS_URL,
        "AISLE_WEB_DATABASE_URL": f"sqlite:///{tmp_path / 'transcripts.db'}",
        "AISLE_WEB_LOGIN_ATTEMPTS_PER_MINUTE": "100",
        # Keys of their own (other runs share this Redis). The counts are read once at
        # start (empty) and not again: both replicas choose from the same snapshot, so a
        # session's first request on the second replica agrees by the hash alone, as it
        # does in service while the snapshots match (a mismatch is adopted afterwards:
        # tests/integration/test_experiments.py). Controls are re-read every 50 ms.
        "AISLE_EXPERIMENTS_REDIS_PREFIX": "aisle_test_" + uuid.uuid4().hex[:8],
        "AISLE_EXPERIMENTS_CACHE_S": "86400",
        "AISLE_EXPERIMENTS_CONTROLS_S": "0",
    }
    with (
        _gateway_process(env, tmp_path / "a.log") as a,
        _gateway_process(env, tmp_path / "b.log") as b,
    ):
        yield a, b


def _row(base: str, session: str) -> dict[str, object]:
    response = httpx.get(
        f"{base}/api/recommendations", params={"n": "4", "session_id": session}, timeout=30
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _csv_row(staff: StaffClient, arm: str) -> list[str]:
    response = staff.http.get("/console/experiments.csv")
    assert response.status_code == 200
    for line in response.text.splitlines():
        cells = line.split(",")
        if cells[:2] == ["shop_for_you", arm]:
            return cells
    return ["shop_for_you", arm, "0", "0", "0"]


def _until(check: object, what: str, timeout: float = 30.0) -> None:
    """Poll until `check()` holds (the impression is written after the response)."""
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_replicas_share_arms_controls_and_rewards(two_gateways: tuple[str, str]) -> None:
    a, b = two_gateways
    session = uuid.uuid4().hex
    first = _row(a, session)
    arm = str(first["arm"])
    assert arm in ("als", "cooc", "pop")
    for base in (b, a, b):  # the session keeps its arm on either replica
        assert _row(base, session)["arm"] == arm

    admin = StaffClient(b).logged_in(*DEMO_ADMIN)
    _until(lambda: _csv_row(admin, arm)[2] == "4", "the four impressions")
    shown = [str(item["id"]) for item in first["items"]]  # type: ignore[attr-defined]
    clicked = httpx.post(
        f"{b}/api/events",
        json={"name": "click", "product_id": shown[0], "session_id": session},
        timeout=30,
    )
    assert clicked.status_code == 202
    assert _csv_row(admin, arm)[3] == "4"  # each of the four impressions showed it

    # An admin on B pauses the arm; A, once it has re-read the controls, moves the session
    # off it and gives it to no one.
    viewer = StaffClient(a)
    add_staff(admin, "viewer@demo.aisle", "viewer")
    viewer.logged_in("viewer@demo.aisle", "staff-pass-1")
    refused = viewer.form("/console/experiments/shop_for_you/pause", arm=arm, paused="true")
    assert refused.status_code == 403
    assert _row(a, session)["arm"] == arm
    paused = admin.form("/console/experiments/shop_for_you/pause", arm=arm, paused="true")
    assert paused.status_code == 303
    _until(lambda: _row(a, session)["arm"] != arm, "A to move the session off the paused arm")
    assert all(_row(a, uuid.uuid4().hex)["arm"] != arm for _ in range(20))
    page = viewer.http.get("/console/experiments")
    assert page.status_code == 200 and f"{arm} (paused)" in page.text
    admin.close()
    viewer.close()
