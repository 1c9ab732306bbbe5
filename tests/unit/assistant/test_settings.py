"""Settings: the brain follows the LLM settings, and secrets never show."""

from __future__ import annotations

import pytest

from assistant import AssistantSettings, LLMSettings, make_brain


def test_offline_is_the_default_without_an_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AISLE_LLM_BASE_URL", "AISLE_LLM_API_KEY", "AISLE_ASSISTANT_BRAIN"):
        monkeypatch.delenv(name, raising=False)
    assert AssistantSettings().brain == "offline"
    assert make_brain(AssistantSettings()).name == "offline"


def test_an_llm_endpoint_picks_the_openai_brain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AISLE_ASSISTANT_BRAIN", raising=False)
    monkeypatch.setenv("AISLE_LLM_BASE_URL", "http://vllm:8000/v1")
    settings = AssistantSettings()
    assert settings.brain == "openai" and settings.llm.base_url == "http://vllm:8000/v1"
    assert make_brain(settings).name == "openai"
    monkeypatch.setenv("AISLE_ASSISTANT_BRAIN", "offline")
    assert AssistantSettings().brain == "offline"


def test_repr_shows_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISLE_LLM_API_KEY", "sk-very-secret-key")
    settings = AssistantSettings()
    assert settings.llm.api_key is not None
    for text in (repr(settings), str(settings), repr(settings.llm), settings.model_dump_json()):
        assert "sk-very-secret-key" not in text
    assert LLMSettings(api_key="k").configured
