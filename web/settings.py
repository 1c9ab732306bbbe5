"""The web part's settings (`AISLE_WEB_*`): the gateway, its limits, transcripts and staff."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEMO_SECRET", "KNOWN_SECRETS", "MIN_SECRET_CHARS", "UnsafeSettings", "WebSettings"]

# The demo's signing key. Outside `demo` mode the gateway refuses to start with it.
DEMO_SECRET = "aisle-demo-secret-change-me"
# Published or guessable keys: anyone could sign a staff cookie or a resume token with them.
KNOWN_SECRETS = frozenset(
    {DEMO_SECRET, "changeme", "change-me", "secret", "secret-key", "please-change-me", ""}
)
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$|^https://\*\.[A-Za-z0-9.-]+$")
# As long as the chart's generated key (randAlphaNum 32); `openssl rand -hex 32` gives 64.
MIN_SECRET_CHARS = 32


class UnsafeSettings(ValueError):
    """A setting that must not be served outside demo mode; the message names it."""


class WebSettings(BaseSettings):
    """Everything the gateway, console and CLI of `web/` need; read by the entrypoint only."""

    model_config = SettingsConfigDict(env_prefix="AISLE_WEB_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Field(default=Path("var"), description="holds retrieval/, recsys/, web/")
    demo: bool = Field(
        default=False,
        description="demo mode (opt in): allows the demo secret and logins, serves the storefront",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEMO_SECRET), description="signs resume tokens and staff cookies"
    )

    shopper_token_secret: SecretStr | None = Field(
        default=None,
        description="HS256 key the shop's backend signs shopper tokens with; unset: every "
        "shopper is anonymous (demo mode signs its own)",
    )
    shopper_token_max_ttl_s: int = Field(
        default=86_400, ge=60, description="the longest lifetime (exp - iat) of a shopper token"
    )

    # Parts: unset means in-process (the embedded default). The catalog and the recommender
    # are found as every part finds them: AISLE_RETRIEVAL_URL and AISLE_RECSYS_URL.
    assistant_url: str | None = Field(default=None, description="assistant pod URL")
    service_timeout_s: float = Field(
        default=30.0, gt=0, description="timeout of a call to the assistant pod"
    )
    turn_deadline_s: float = Field(
        default=8.0, gt=0, description="a turn's whole budget; past it the shopper gets an apology"
    )
    still_looking_s: float = Field(
        default=1.0, gt=0, description="silence after which the shopper is told 'still looking'"
    )
    call_timeout_s: float = Field(
        default=1.5,
        gt=0,
        description="the longest a turn waits for one call to the retrieval or recsys pod "
        "(less when its deadline is nearer; the assistant then answers without it), and for "
        "the assistant pod to accept a turn (its first event)",
    )
    api_timeout_s: float = Field(
        default=3.0, gt=0, description="the shop API's budget for a catalog or recsys call"
    )
    breaker_failures: int = Field(
        default=3, ge=1, description="failures in a row that open a part's circuit breaker"
    )
    breaker_reset_s: float = Field(
        default=15.0, gt=0, description="how long an open breaker fails fast before a probe"
    )

    # State: unset means SQLite in data_dir and in-memory sessions.
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL of the transcript store; unset: SQLite file"
    )
    redis_url: SecretStr | None = Field(
        default=None, description="Redis URL for sessions and takeover fan-out; unset: in memory"
    )

    # Widget and sockets.
    allowed_origins: list[str] = Field(
        default_factory=list, description="origins allowed to open /ws/chat; empty: any"
    )
    max_frame_bytes: int = Field(default=16_384, ge=256, description="larger frames close 1008")
    max_message_chars: int = Field(default=1000, ge=1, description="longer messages: error frame")
    messages_per_minute: int = Field(default=20, ge=1, description="per session")
    messages_per_minute_ip: int = Field(
        default=600, ge=1, description="per client IP (shoppers behind one NAT share it)"
    )
    frames_per_minute: int = Field(
        default=240, ge=1, description="frames of any type per session (pings, events, ...)"
    )
    frames_per_minute_ip: int = Field(default=2400, ge=1, description="frames per client IP")
    sockets_per_ip: int = Field(default=50, ge=1)
    max_sockets: int = Field(default=5000, ge=1)
    ping_interval_s: float = Field(default=20.0, gt=0, description="server keepalive pings")
    send_queue_frames: int = Field(
        default=512, ge=8, description="frames queued for a slow client before it is dropped"
    )
    replay_frames: int = Field(
        default=2000, ge=16, description="frames kept per conversation for resume"
    )
    session_ttl_s: int = Field(default=86_400, ge=60, description="how long a session resumes")
    history_turns: int = Field(default=12, ge=0, description="messages sent with each turn")

    # Proxies and slow clients.
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or CIDRs whose X-Forwarded-For/-Proto count; empty: none",
    )
    header_timeout_s: float = Field(
        default=10.0, gt=0, description="close a connection whose request headers take longer"
    )
    idle_timeout_s: int = Field(
        default=5, ge=1, description="close a kept-alive HTTP connection idle this long"
    )

    # Exposure.
    frame_ancestors: list[str] = Field(
        default_factory=list,
        description="origins allowed to frame Aisle's pages (CSP frame-ancestors); empty: none",
    )
    metrics_enabled: bool | None = Field(
        default=None, description="serve /metrics; unset: only in demo mode"
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="when set, /metrics needs `Authorization: Bearer <token>`"
    )
    api_schema: bool | None = Field(
        default=None, description="serve /openapi.json; unset: only in demo mode (no /docs page)"
    )

    # Transcripts and privacy.
    redact_pii: bool = True
    retention_days: int = Field(default=90, ge=1)
    erasure_poll_s: float = Field(
        default=2.0, gt=0, description="how often gateways look for `aisle shopper delete`s"
    )

    # Staff console.
    staff_bootstrap_email: str | None = None
    staff_bootstrap_password: SecretStr | None = None
    login_attempts_per_minute: int = Field(default=5, ge=1)
    cookie_secure: bool = False

    def refuse_unsafe(self) -> None:
        """Refuse to serve with a published or short signing key outside demo mode.

        Checked when the app is built, not when settings are read, so that CLI commands
        that sign nothing (`aisle transcripts`, `aisle shopper delete`) need no key.

        Raises:
            UnsafeSettings: outside demo mode, the key is a known one or too short.
        """
        if self.demo:
            return
        key = self.secret_key.get_secret_value()
        if key in KNOWN_SECRETS:
            raise UnsafeSettings(
                "AISLE_WEB_SECRET_KEY is unset or a published key; set a random one of at "
                f"least {MIN_SECRET_CHARS} characters (`openssl rand -hex 32`), or opt into "
                "demo mode with AISLE_WEB_DEMO=true"
            )
        if len(key) < MIN_SECRET_CHARS:
            raise UnsafeSettings(
                f"AISLE_WEB_SECRET_KEY has {len(key)} characters; outside demo mode it needs "
                f"at least {MIN_SECRET_CHARS} (`openssl rand -hex 32`)"
            )
        shop = self.shopper_token_secret
        if shop is not None:
            if len(shop.get_secret_value()) < MIN_SECRET_CHARS:
                raise UnsafeSettings(
                    f"AISLE_WEB_SHOPPER_TOKEN_SECRET needs at least {MIN_SECRET_CHARS} characters"
                )
            if shop.get_secret_value() == key:
                raise UnsafeSettings(
                    "AISLE_WEB_SHOPPER_TOKEN_SECRET must differ from AISLE_WEB_SECRET_KEY: the "
                    "shop's backend holds it, and must not be able to sign staff cookies"
                )

    @field_validator("frame_ancestors")
    @classmethod
    def _origins_only(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not _ORIGIN.match(origin):
                raise ValueError(
                    f"AISLE_WEB_FRAME_ANCESTORS: {origin!r} is not an origin like "
                    "https://shop.example"
                )
        return value

    @property
    def web_dir(self) -> Path:
        """Where the web part keeps its own files (the SQLite transcripts)."""
        return self.data_dir / "web"

    def database(self) -> str:
        """The SQLAlchemy URL of the transcript store."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.web_dir / 'transcripts.db').as_posix()}"
