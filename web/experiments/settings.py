"""Experiment settings (`AISLE_EXPERIMENTS_...`) and the one registry of placements."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from recsys.bandit import ContextFeature, Mode, Policy, RewardKind

__all__ = ["PLACEMENTS", "PLACEMENT_LABELS", "ExperimentSettings", "Placement"]

Placement = Literal["shop_for_you", "shop_similar", "chat_for_you", "chat_similar"]
PLACEMENTS: tuple[Placement, ...] = get_args(Placement)
PLACEMENT_LABELS: dict[Placement, str] = {
    "shop_for_you": "Storefront: recommended for you / popular right now",
    "shop_similar": "Product page: similar products",
    "chat_for_you": "Chat: recommended for you",
    "chat_similar": "Chat: similar products",
}


class ExperimentSettings(BaseSettings):
    """How every placement chooses its recommendation strategy (admins override per placement
    in the console: pause an arm, switch bandit / fixed split)."""

    model_config = SettingsConfigDict(env_prefix="AISLE_EXPERIMENTS_", extra="ignore")

    enabled: bool = True
    arms: tuple[str, ...] = Field(
        default=("als", "cooc", "pop"),
        description="recsys model names; every artifact holds pop and cooc, and als by default",
    )
    mode: Mode = "bandit"
    reward: RewardKind = "click"
    floor: float = Field(default=0.02, ge=0.0, le=1.0)
    split: dict[str, float] = Field(default_factory=dict, description="fixed mode: arm -> %")
    context: tuple[ContextFeature, ...] = ()
    prior: tuple[float, float] = (1.0, 1.0)
    reward_window_s: int = Field(default=1800, ge=1, description="clicks after this miss")
    cache_s: float = Field(
        default=1.0, ge=0.0, description="how often a replica re-reads the shared counts"
    )
    controls_s: float = Field(
        default=1.0, ge=0.0, description="how often a replica re-reads admins' controls"
    )
    redis_prefix: str = Field(default="aisle", pattern=r"^[A-Za-z0-9_.-]+$")

    @model_validator(mode="after")
    def _valid_policy(self) -> ExperimentSettings:
        self.policy()  # refuse at start what the bandit would refuse at the first request
        return self

    def policy(
        self,
        mode: Mode | None = None,
        paused: frozenset[str] = frozenset(),
        split: dict[str, float] | None = None,
    ) -> Policy:
        """The policy of a placement: these settings with an admin's controls on top."""
        return Policy(
            arms=self.arms,
            mode=mode or self.mode,
            reward=self.reward,
            floor=self.floor,
            split=split if split else self.split,
            paused=paused & frozenset(self.arms),
            prior=self.prior,
            context=self.context,
        )
