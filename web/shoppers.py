"""Shopper identity: a shopper id counts only inside a short-lived token the shop's backend signs.

The token is a JWT (RFC 7519) signed with HS256 and the key the shop shares with Aisle
(`AISLE_WEB_SHOPPER_TOKEN_SECRET`). It must carry `sub` (the shop's shopper id), `iat`
and `exp`, with `aud` = "aisle", and live at most `shopper_token_max_ttl_s`. Without a
valid token a shopper is anonymous: recommendations come from the session, and events
belong to the conversation (`session:<id>`), so nobody can read or poison another
customer's history by naming their id.
"""

from __future__ import annotations

import logging
import re
import time

import jwt

from web.errors import ErrorCode, Unauthenticated
from web.settings import WebSettings

__all__ = ["AUDIENCE", "DEMO_SHOPPER_SECRET", "BadShopperToken", "ShopperTokens"]

log = logging.getLogger(__name__)

AUDIENCE = "aisle"
# Demo mode only: the storefront asks the demo server to sign its "signed in as" customer.
DEMO_SHOPPER_SECRET = "aisle-demo-shopper-tokens-not-for-shops"
_SHOPPER_ID = re.compile(r"^[\w.@:+-]{1,128}$")
_LEEWAY_S = 30


class BadShopperToken(Unauthenticated):
    """A shopper token that does not verify; `code` says why (for the error frame or 401)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message, code)


class ShopperTokens:
    """Verifies (and, for the demo and tests, issues) shop-signed shopper tokens."""

    def __init__(self, secret: str | None, max_ttl_s: int = 86_400) -> None:
        """Tokens signed with `secret`; with None every shopper is anonymous.

        Args:
            secret: the HS256 key the shop's backend signs with.
            max_ttl_s: the longest `exp - iat` accepted (a token that lives forever is refused).
        """
        self._secret = secret
        self.max_ttl_s = max_ttl_s

    @classmethod
    def from_settings(cls, settings: WebSettings) -> ShopperTokens:
        """The verifier the settings ask for (the demo key in demo mode when none is set)."""
        secret = settings.shopper_token_secret
        if secret is not None:
            return cls(secret.get_secret_value(), settings.shopper_token_max_ttl_s)
        return cls(DEMO_SHOPPER_SECRET if settings.demo else None, settings.shopper_token_max_ttl_s)

    @property
    def enabled(self) -> bool:
        """True when the shop configured a key (signed-in shoppers are possible)."""
        return self._secret is not None

    def issue(self, shopper_id: str, ttl_s: int = 3600, now: float | None = None) -> str:
        """A token for `shopper_id` (what a shop's backend does; see web/static/README.md)."""
        if self._secret is None:
            raise BadShopperToken("shopper_tokens_off", "no shopper token key is configured")
        issued = int(time.time() if now is None else now)
        claims = {"sub": shopper_id, "aud": AUDIENCE, "iat": issued, "exp": issued + ttl_s}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> str:
        """The shopper id inside a valid token.

        Raises:
            BadShopperToken: no key is configured, or the token is forged, expired, too
                long-lived, for another audience, or its `sub` is not a shopper id.
        """
        if self._secret is None:
            raise BadShopperToken(
                "shopper_tokens_off", "this server has no shopper token key; chats are anonymous"
            )
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],  # never "none", never a key-confusion RS/HS swap
                audience=AUDIENCE,
                leeway=_LEEWAY_S,
                options={"require": ["sub", "exp", "iat", "aud"]},
            )
        except jwt.ExpiredSignatureError as e:
            raise BadShopperToken("shopper_token_expired", "the shopper token has expired") from e
        except jwt.InvalidTokenError as e:
            log.info("shopper token refused: %s", type(e).__name__)
            raise BadShopperToken("bad_shopper_token", "the shopper token is not valid") from e
        sub, iat, exp = claims.get("sub"), claims.get("iat"), claims.get("exp")
        if not isinstance(sub, str) or not _SHOPPER_ID.match(sub):
            raise BadShopperToken("bad_shopper_token", "the token's sub is not a shopper id")
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            raise BadShopperToken("bad_shopper_token", "the token's iat and exp must be numbers")
        if exp - iat > self.max_ttl_s:
            raise BadShopperToken(
                "bad_shopper_token",
                f"shopper tokens may live at most {self.max_ttl_s} s, this one {exp - iat:.0f} s",
            )
        return sub
