"""Secure by default: demo mode is opted into; outside it a weak signing key stops the server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from web.app import create_app
from web.settings import DEMO_SECRET, UnsafeSettings, WebSettings

ROOT = Path(__file__).resolve().parents[3]
STRONG = "9f2c61e0b7d34a58a1c0e6f4d2b8a7c59e1f3d5b7a9c0e2f"


@pytest.fixture(autouse=True)
def _no_aisle_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings as a container started without any AISLE_WEB_* variable reads them."""
    for key in [k for k in os.environ if k.startswith("AISLE_")]:
        monkeypatch.delenv(key)


def test_settings_are_not_in_demo_mode_unless_asked(tmp_path: Path) -> None:
    assert WebSettings(data_dir=tmp_path).demo is False


@pytest.mark.parametrize(
    "secret",
    [None, DEMO_SECRET, "changeme", "x" * 31],
    ids=["unset", "demo", "placeholder", "short"],
)
def test_outside_demo_the_app_refuses_a_known_or_short_key(
    tmp_path: Path, secret: str | None
) -> None:
    settings = (
        WebSettings(data_dir=tmp_path)
        if secret is None
        else WebSettings(data_dir=tmp_path, secret_key=secret)
    )
    with pytest.raises(UnsafeSettings, match="AISLE_WEB_SECRET_KEY"):
        create_app(settings)


def test_a_long_random_key_or_demo_mode_is_served(tmp_path: Path) -> None:
    create_app(WebSettings(data_dir=tmp_path, secret_key=STRONG))
    create_app(WebSettings(data_dir=tmp_path, demo=True))


def test_the_pod_command_without_settings_refuses_to_start(tmp_path: Path) -> None:
    """`python -m web` (`aisle serve web`) with no AISLE_WEB_* set: the demo key is never served."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AISLE_")}
    done = subprocess.run(
        [sys.executable, "-m", "web", "--data-dir", str(tmp_path), "--port", "0"],
        cwd=ROOT,
        env={**env, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,  # a server that started would never exit by itself
    )
    assert done.returncode == 2, done.stderr
    assert "refusing to start" in done.stderr and "AISLE_WEB_SECRET_KEY" in done.stderr


def test_make_run_opts_into_demo_mode() -> None:
    dry = subprocess.run(
        ["make", "-n", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    serve = [line for line in dry.splitlines() if " serve " in line]
    assert serve and all("--demo" in line for line in serve), dry


def test_make_test_runs_the_linters_before_the_tests() -> None:
    dry = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    ruff = next(i for i, line in enumerate(dry) if "ruff check" in line)
    mypy = next(i for i, line in enumerate(dry) if line.endswith("mypy") or " mypy" in line)
    pytest_ = next(i for i, line in enumerate(dry) if "-m pytest" in line)
    assert ruff < pytest_ and mypy < pytest_, dry
