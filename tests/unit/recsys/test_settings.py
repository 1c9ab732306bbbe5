"""Settings come from AISLE_RECSYS_* when built, never at import time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from recsys import RecsysSettings


def test_settings_read_their_prefix_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISLE_RECSYS_MODEL", "bpr")
    monkeypatch.setenv("AISLE_RECSYS_DATA_DIR", "/srv/recsys")
    monkeypatch.setenv("AISLE_RECSYS_EVENT_WEIGHTS", '{"view": 0.2}')
    settings = RecsysSettings()
    assert settings.model == "bpr"
    assert settings.artifacts_dir == Path("/srv/recsys/artifacts")
    assert settings.event_weights["view"] == 0.2
    assert settings.event_weights["purchase"] == 1.0


def test_bad_settings_are_refused_with_the_setting_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISLE_RECSYS_MODEL", "deep-learning")
    with pytest.raises(ValidationError, match="model"):
        RecsysSettings()
    monkeypatch.delenv("AISLE_RECSYS_MODEL")
    with pytest.raises(ValidationError, match="unknown event types"):
        RecsysSettings(event_weights={"wishlist": 1.0})


def test_importing_recsys_reads_no_environment() -> None:
    code = (
        "import os, recsys, recsys.app, recsys.__main__\n"
        "os.environ['AISLE_RECSYS_MODEL'] = 'pop'\n"
        "print(recsys.RecsysSettings().model)\n"
    )
    env = {"AISLE_RECSYS_MODEL": "not-a-model", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "pop"
