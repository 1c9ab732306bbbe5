"""One setting per dependency: every part finds a pod, a server or a store by the same name.

Two names for one dependency drift apart: a web pod once searched the retrieval pod for
the shop API (`AISLE_WEB_RETRIEVAL_URL`) while its in-process assistant, reading
`AISLE_ASSISTANT_RETRIEVAL_URL`, searched an empty embedded catalog.
"""

from __future__ import annotations

import importlib
import logging
from collections import defaultdict

import pytest
from pydantic_settings import BaseSettings

from retrieval import RetrievalSettings

PACKAGES = ("assistant", "retrieval", "recsys", "web")


def _settings_classes() -> list[type[BaseSettings]]:
    for module in ("assistant", "retrieval", "recsys", "web.app", "web.experiments"):
        importlib.import_module(module)
    found, todo = [], list(BaseSettings.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.split(".")[0] in PACKAGES:
            found.append(cls)
    return found


def _dependency(prefix: str, field: str) -> str | None:
    """What an address setting points at: `AISLE_RECSYS_URL` recsys, `AISLE_WEB_REDIS_URL`
    Redis, `AISLE_LLM_BASE_URL` the LLM; None for a setting that is not an address."""
    if field in ("url", "base_url"):
        return prefix.removeprefix("AISLE_").strip("_").lower()
    if field.endswith("_url"):
        return field.removesuffix("_url")
    return None


def test_every_dependency_is_named_by_one_setting() -> None:
    names: dict[str, set[str]] = defaultdict(set)
    classes = _settings_classes()
    assert {c.__name__ for c in classes} >= {
        "WebSettings",
        "AssistantSettings",
        "LLMSettings",
        "RetrievalSettings",
        "RecsysSettings",
        "ExperimentSettings",
    }
    for cls in classes:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for field in cls.model_fields:
            dependency = _dependency(prefix, field)
            if dependency is not None:
                names[dependency].add(f"{prefix}{field}".upper())
    twice = {dep: sorted(found) for dep, found in names.items() if len(found) > 1}
    assert not twice, f"one dependency, several settings: {twice}"
    assert names["retrieval"] == {"AISLE_RETRIEVAL_URL"}
    assert names["recsys"] == {"AISLE_RECSYS_URL"}


@pytest.mark.parametrize("old", ["AISLE_WEB_RETRIEVAL_URL", "AISLE_ASSISTANT_RETRIEVAL_URL"])
def test_an_old_retrieval_url_name_still_works_and_says_it_is_deprecated(
    old: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("AISLE_RETRIEVAL_URL", raising=False)
    for name in ("AISLE_WEB_RETRIEVAL_URL", "AISLE_ASSISTANT_RETRIEVAL_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(old, "http://retrieval:8001")
    with caplog.at_level(logging.WARNING):
        assert RetrievalSettings().url == "http://retrieval:8001"
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(old in m and "deprecated" in m and "AISLE_RETRIEVAL_URL" in m for m in warned)


def test_the_one_name_wins_over_an_old_one_without_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AISLE_RETRIEVAL_URL", "http://new:8001")
    monkeypatch.setenv("AISLE_WEB_RETRIEVAL_URL", "http://old:8001")
    with caplog.at_level(logging.WARNING):
        assert RetrievalSettings().url == "http://new:8001"
    assert not [r for r in caplog.records if "deprecated" in r.getMessage()]
