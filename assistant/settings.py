"""Settings of the assistant part (env prefixes AISLE_ASSISTANT_ and AISLE_LLM_)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BrainName = Literal["offline", "openai"]

DEMO_POLICIES = Path(__file__).resolve().parents[1] / "data" / "demo" / "policies"


class LLMSettings(BaseSettings):
    """The OpenAI-compatible chat model behind the `openai` brain (env prefix AISLE_LLM_)."""

    model_config = SettingsConfigDict(env_prefix="AISLE_LLM_", extra="ignore")

    base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible API base, e.g. http://vllm:8000/v1; unset: OpenAI",
    )
    api_key: SecretStr | None = Field(default=None, description="API key (a Secret in the cluster)")
    model: str = Field(default="gpt-4o-mini", description="model name the endpoint serves")
    timeout: float = Field(default=20.0, gt=0, description="seconds per model request")
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_steps: int = Field(
        default=4, ge=1, le=12, description="model calls per turn before a last answer"
    )
    max_history: int = Field(default=12, ge=0, description="earlier messages sent with each turn")

    @property
    def configured(self) -> bool:
        """True when an endpoint or a key is set: only then is the `openai` brain usable."""
        return bool(self.base_url) or self.api_key is not None


class AssistantSettings(BaseSettings):
    """Everything the assistant needs, built by the entrypoint and passed into factories.

    `brain` defaults to "openai" only when an LLM base URL or key is configured
    (AISLE_LLM_BASE_URL / AISLE_LLM_API_KEY), and to "offline" otherwise.
    """

    model_config = SettingsConfigDict(env_prefix="AISLE_ASSISTANT_", extra="ignore")

    brain: BrainName = Field(
        default="offline",
        description="offline (rules and templates) or openai (any compatible API)",
    )
    llm: LLMSettings = Field(default_factory=LLMSettings)

    policies_dir: Path | None = Field(
        default=None,
        description="the shop's policy/FAQ markdown files; unset: the `policies` folder of the "
        "data dir when there is one, else none (the demo's pages belong to the demo shop only)",
    )
    shop_name: str = Field(default="the shop", description="how the assistant names the shop")
    default_currency: str = Field(
        default="GBP", description="currency of prices the catalog leaves out"
    )

    max_message_chars: int = Field(default=1000, ge=1, description="longer messages are refused")
    max_tool_calls: int = Field(default=6, ge=1, description="tool calls per turn")
    turn_timeout_s: float = Field(default=30.0, gt=0, description="wall time of one turn")
    # The pod's own guard on the retrieval and recsys pods (assistant/budget.py), the same
    # as the web's AISLE_WEB_CALL_TIMEOUT_S and AISLE_WEB_BREAKER_* for its in-process assistant.
    call_timeout_s: float = Field(
        default=1.5,
        gt=0,
        description="the longest a turn waits for one call to the retrieval or recsys pod "
        "(less when the turn's time is nearly up); the assistant then answers without it",
    )
    breaker_failures: int = Field(
        default=3, ge=1, description="failures in a row that open a pod's circuit breaker"
    )
    breaker_reset_s: float = Field(
        default=15.0, gt=0, description="how long an open breaker fails fast before a probe"
    )
    max_cards: int = Field(default=4, ge=1, le=12, description="product cards shown per turn")
    alternative_min_similarity: float = Field(
        default=0.45,
        ge=-1,
        le=1,
        description="cosine floor for 'nearest alternatives' to unsold things",
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8002, ge=0, le=65535)

    def with_data_dir(self, data_dir: Path) -> AssistantSettings:
        """These settings, with the shop's policies from `<data_dir>/policies` unless a folder
        was set explicitly."""
        if self.policies_dir is None and (data_dir / "policies").is_dir():
            return self.model_copy(update={"policies_dir": data_dir / "policies"})
        return self

    @model_validator(mode="before")
    @classmethod
    def _pick_brain(cls, data: Any) -> Any:
        # The brain follows the LLM settings unless it was chosen explicitly.
        if isinstance(data, dict) and "brain" not in data:
            llm = data.get("llm")
            if llm is None:
                llm = LLMSettings()
            elif isinstance(llm, dict):
                llm = LLMSettings(**llm)
            if isinstance(llm, LLMSettings) and llm.configured:
                data = {**data, "brain": "openai", "llm": llm}
        return data
